"""One helper for every mail: subject, text body and HTML body from `templates/emails/`.

Every mail knows what every page knows (zorgportaal.site): `site_name`, and `helpdesk_contact`,
which `emails/_helpdesk-contact.txt` and `.html` list where a mail says to contact the helpdesk.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from zorgportaal.site import helpdesk_contact

# SITE_NAME's default, production's name. Another environment ("ZorgPortaal Acceptatie") adds
# its name to every subject, so that a mail from a test environment is never taken for a real one.
DEFAULT_SITE_NAME = "ZorgPortaal"


def send(name: str, to: str, context: dict, *, language: str | None = None) -> None:
    """Render emails/<name>-subject.txt, -body.txt and -body.html and send them.

    Raises whatever the mail backend raises, so callers can record the failure.
    """
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {
            "site_url": settings.SITE_URL,
            "site_name": settings.SITE_NAME,
            "helpdesk_contact": helpdesk_contact(),
            **context,
        }
        subject = render_to_string(f"emails/{name}-subject.txt", context).strip()
        if settings.SITE_NAME != DEFAULT_SITE_NAME:
            subject = f"{subject} ({settings.SITE_NAME})"
        text = render_to_string(f"emails/{name}-body.txt", context)
        html = render_to_string(f"emails/{name}-body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()

"""One helper for every mail: subject, text body and HTML body from `templates/emails/`."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def send(name: str, to: str, context: dict, *, language: str | None = None) -> None:
    """Render emails/<name>-subject.txt, -body.txt and -body.html and send them.

    Raises whatever the mail backend raises, so callers can record the failure.
    """
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {"site_url": settings.SITE_URL, **context}
        subject = render_to_string(f"emails/{name}-subject.txt", context).strip()
        text = render_to_string(f"emails/{name}-body.txt", context)
        html = render_to_string(f"emails/{name}-body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()

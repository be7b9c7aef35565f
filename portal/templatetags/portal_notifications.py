"""The top bar's "Notificaties (2)": how many notifications are new."""

from django import template

from portal.notifications import new_count

register = template.Library()


@register.simple_tag(takes_context=True)
def new_notifications(context) -> int:
    """One query per portal page; none where the view already knows (Notificaties itself)."""
    if "new_notifications" in context:
        return context["new_notifications"]
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return 0
    return new_count(request)

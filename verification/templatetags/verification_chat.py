"""The chat's lines as their reader sees them; the texts live in `verification.models`."""

from django import template

register = template.Library()


@register.filter
def event_text(line, viewer: str) -> str:
    """`{{ line|event_text:viewer }}`: what a system line says to the person or an agent."""
    return line.event_text(viewer)

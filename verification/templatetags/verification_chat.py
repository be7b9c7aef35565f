"""The chat's lines as their reader sees them; the texts live in `verification.models`."""

from django import template

register = template.Library()


@register.filter
def event_text(line, viewer: str) -> str:
    """`{{ line|event_text:viewer }}`: what a system line says to the person or an agent."""
    return line.event_text(viewer)


@register.simple_tag
def author_label(line, viewer: str, reader) -> str:
    """`{% author_label line viewer user %}`: who wrote a line, as its reader sees it."""
    return line.author_label(viewer, reader.pk)

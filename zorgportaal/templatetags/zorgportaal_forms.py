from django import template

register = template.Library()


@register.simple_tag
def field_widget(field):
    """The field's input, tied to its error message for screen readers (WCAG 3.3.1)."""
    attrs = {}
    if field.errors:
        attrs = {"aria-invalid": "true", "aria-describedby": f"{field.id_for_label}-error"}
    return field.as_widget(attrs=attrs)

from django import template

register = template.Library()


@register.simple_tag
def field_widget(field):
    """The field's input, tied to its error message for screen readers (WCAG 3.3.1)."""
    attrs = {}
    if field.errors:
        hint = field.field.widget.attrs.get("aria-describedby", "")  # a hint stays tied too
        described_by = f"{field.id_for_label}-error {hint}".strip()
        attrs = {"aria-invalid": "true", "aria-describedby": described_by}
    return field.as_widget(attrs=attrs)

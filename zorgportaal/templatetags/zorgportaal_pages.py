from django import forms, template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_has_errors(context) -> bool:
    """True when any form on the page was sent back with mistakes: the title then says so,
    so that screen reader users hear it first (WCAG 3.3.1; the error summary follows)."""
    return any(
        isinstance(value, forms.BaseForm) and value.is_bound and value.errors
        for value in context.flatten().values()
    )

"""The admin action "Identiteit verifiëren (medewerkers)": a superuser vouches for staff.

An intermediate page asks why, and for a current code of the administrator's own second factor
(`tokens.codes.step_up_confirm`: throttled and audited like the login's code step), or, for an
administrator whose only factors are passkeys or security keys, the key itself
(`tokens.codes.step_up_key_confirm`, issue 16), so an admin session left open is not enough.
Which accounts qualify, and the verifying itself, live in `accounts.staff`.
"""

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_variables
from django_otp import devices_for_user

from accounts import staff
from accounts.passwords import LoginRefused
from tokens import passkey_pages, webauthn
from tokens.codes import step_up_confirm, step_up_key_confirm
from tokens.forms import OneTimeCodeForm

ACTION = "verify_staff_identity"

SKIPPED = {
    staff.SELF: _("Overgeslagen, uw eigen account (vraag een andere beheerder)"),
    staff.NOT_STAFF: _("Overgeslagen, geen medewerker (de helpdesk verifieert hen)"),
    staff.INACTIVE: _("Overgeslagen, niet actief"),
    staff.VERIFIED: _("Overgeslagen, al geverifieerd"),
}


class StaffVerifyForm(OneTimeCodeForm):
    """Why the administrator vouches for these accounts, and a current code of their own."""

    field_order = ["reason", "device", "code"]

    reason = forms.CharField(
        label=_("Reden"),
        max_length=staff.REASON_MAX_LENGTH,
        help_text=_(
            "Hoe u de identiteit heeft vastgesteld, bijvoorbeeld: persoonlijk gesproken, "
            "legitimatie gezien. De reden komt in de audittrail."
        ),
        error_messages={
            "required": _("Vul een reden in: hoe heeft u de identiteit vastgesteld?"),
            "max_length": _(
                "Een reden is hoogstens %(limit_value)d tekens; u typte er %(show_value)d."
            ),
        },
        widget=forms.TextInput(attrs={"size": 60, "autofocus": True}),
    )

    credential = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20_000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Code van uw eigen authenticatiemiddel")
        self.fields["code"].widget.attrs.pop("autofocus", None)
        # Without a device that shows codes, the administrator's own key is asked instead.
        self.with_key = not self.devices
        if self.with_key:
            del self.fields["device"]
            del self.fields["code"]
        else:
            del self.fields["credential"]


def verify_staff_identity(model_admin, request, queryset):
    """The page asking why and for a code; then each qualifying account, and a report."""
    if not request.user.is_superuser:  # the action's permission hides it from others already
        raise PermissionDenied
    accounts = list(queryset.order_by("email"))
    refusals = [
        (account, staff.staff_verify_refusal(staff=account, administrator=request.user))
        for account in accounts
    ]
    ready = [account for account, refusal in refusals if refusal is None]
    skipped = [(account, refusal) for account, refusal in refusals if refusal is not None]
    if not ready:  # nothing to vouch for: no code asked
        _report(model_admin, request, [], skipped)
        return None
    devices = list(devices_for_user(request.user, confirmed=True))
    if not webauthn.passkeys_enabled():
        devices = [device for device in devices if not webauthn.is_webauthn(device)]
    form = StaffVerifyForm(request.POST if "post" in request.POST else None, devices=devices)
    if form.is_bound and form.is_valid() and _code_confirmed(request, form):
        reason = form.cleaned_data["reason"]
        verified = [
            account
            for account in ready
            if staff.staff_identity_verify(
                staff=account, administrator=request.user, reason=reason, request=request
            )
        ]
        # Verified by someone else since the page was shown: said as "al geverifieerd".
        skipped += [(account, staff.VERIFIED) for account in ready if account not in verified]
        _report(model_admin, request, verified, skipped)
        return None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Identiteit verifiëren (medewerkers)"),
        "opts": model_admin.model._meta,
        "form": form,
        "accounts": accounts,
        "ready": ready,
        "skipped": [(account, SKIPPED[refusal]) for account, refusal in skipped],
        "action": ACTION,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "options": (
            webauthn.authentication_options(request)
            if form.with_key and webauthn.passkeys_enabled() and devices
            else None
        ),
    }
    return TemplateResponse(
        request,
        "admin/accounts/user/verify_staff.html",
        context,
        status=400 if form.errors else 200,
    )


@sensitive_variables("form")
def _code_confirmed(request, form) -> bool:
    """A current code of the administrator's own factor (or their key's answer, when they
    have no code to give), or the reason it is refused."""
    if form.with_key:
        if not form.cleaned_data["credential"] or not webauthn.passkeys_enabled():
            form.add_error(None, passkey_pages.NOT_PASSED)
            return False
        try:
            step_up_key_confirm(request, credential_json=form.cleaned_data["credential"])
        except LoginRefused as refused:
            form.add_error(None, refused.message)
            return False
        return True
    try:
        step_up_confirm(request, device=form.cleaned_data["device"], code=form.cleaned_data["code"])
    except LoginRefused as refused:
        form.add_error("code", refused.message)
        return False
    return True


def _report(model_admin, request, verified, skipped) -> None:
    if verified:
        count = len(verified)
        label = ngettext("%d medewerker geverifieerd", "%d medewerkers geverifieerd", count) % (
            count,
        )
        emails = format_html_join(", ", "{}", ((account.email,) for account in verified))
        model_admin.message_user(request, format_html("{}: {}", label, emails), messages.SUCCESS)
    else:
        model_admin.message_user(request, _("Niemand geverifieerd."), messages.WARNING)
    for refusal, label in SKIPPED.items():
        emails = [account.email for account, reason in skipped if reason == refusal]
        if emails:
            items = format_html_join(", ", "{}", ((email,) for email in emails))
            model_admin.message_user(
                request, format_html("{} ({}): {}", label, len(emails), items), messages.WARNING
            )

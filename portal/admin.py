"""The services on the dashboard, managed by the servicedesk; each can be an OpenID Connect
client of ZorgPortaal (single sign-on, sso/): its redirect addresses are set here, and its
client secret is shown once, when it is made."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zorgportaal import audit
from zorgportaal.admin_site import AuditedDeletion

from . import clients
from .models import Service


def https_by_default(model_field, **kwargs):
    """An address typed without a scheme is an https address (Django 6's default)."""
    if isinstance(model_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return model_field.formfield(**kwargs)


class ServiceForm(forms.ModelForm):
    """The service, and the client's redirect addresses, which live on its Application."""

    redirect_uris = forms.CharField(
        label=gettext_lazy("Redirect-URI's"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Waar de dienst na het inloggen de code ontvangt, één adres per regel, precies "
            "zoals de dienst het meestuurt. Ingevuld: de dienst logt mensen in via ZorgPortaal."
        ),
    )
    post_logout_redirect_uris = forms.CharField(
        label=gettext_lazy("Adressen na uitloggen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Waar de dienst mensen na het uitloggen heen mag sturen."),
    )

    class Meta:
        model = Service
        fields = [
            "name",
            "description",
            "url",
            "icon",
            "order",
            "organisations",
            "roles",
            "initiate_login_uri",
            "backchannel_logout_uri",
            "first_party",
        ]
        formfield_callback = https_by_default

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        application = self.instance.application if self.instance.pk else None
        if application is not None:
            self.initial["redirect_uris"] = "\n".join(application.redirect_uris.split())
            self.initial["post_logout_redirect_uris"] = "\n".join(
                application.post_logout_redirect_uris.split()
            )

    def clean_redirect_uris(self):
        return addresses(self.cleaned_data["redirect_uris"])

    def clean_post_logout_redirect_uris(self):
        return addresses(self.cleaned_data["post_logout_redirect_uris"])

    def clean_initiate_login_uri(self):
        return one_address(self.cleaned_data["initiate_login_uri"])

    def clean_backchannel_logout_uri(self):
        return one_address(self.cleaned_data["backchannel_logout_uri"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("post_logout_redirect_uris") and not cleaned.get("redirect_uris"):
            self.add_error(
                "redirect_uris",
                _("Vul eerst de redirect-URI's in: zonder kan de dienst niet inloggen."),
            )
        return cleaned


def addresses(text: str) -> list[str]:
    """One absolute address per line, of an allowed scheme, without a fragment (RFC 6749 3.1.2)."""
    schemes = settings.OAUTH2_PROVIDER["ALLOWED_REDIRECT_URI_SCHEMES"]
    check = URLValidator(schemes=schemes)
    found = []
    for uri in text.split():
        try:
            check(uri)
        except ValidationError:
            raise ValidationError(
                _("%(uri)s is geen volledig adres dat begint met %(schemes)s."),
                params={"uri": uri, "schemes": " of ".join(f"{s}://" for s in schemes)},
            ) from None
        if "#" in uri:
            raise ValidationError(_("%(uri)s bevat een #: dat mag niet."), params={"uri": uri})
        found.append(uri)
    return found


def one_address(value: str) -> str:
    """An address ZorgPortaal sends people or messages to: as strict as the redirect URIs."""
    return addresses(value)[0] if value else ""


@admin.register(Service)
class ServiceAdmin(AuditedDeletion, admin.ModelAdmin):
    form = ServiceForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # as ServiceForm's
    list_display = ["name", "url", "signs_in", "order"]
    list_editable = ["order"]
    list_select_related = ["application"]
    filter_horizontal = ["organisations", "roles"]
    search_fields = ["name"]
    readonly_fields = ["client_id"]
    fieldsets = [
        (None, {"fields": ["name", "description", "url", "icon", "order"]}),
        (gettext_lazy("Wie de dienst ziet"), {"fields": ["organisations", "roles"]}),
        (
            gettext_lazy("Inloggen via ZorgPortaal (OpenID Connect)"),
            {
                "fields": [
                    "client_id",
                    "redirect_uris",
                    "post_logout_redirect_uris",
                    "initiate_login_uri",
                    "backchannel_logout_uri",
                    "first_party",
                ]
            },
        ),
    ]

    @admin.display(description=gettext_lazy("client-ID"))
    def client_id(self, service):
        return service.application.client_id if service.application_id else "–"

    @admin.display(description=gettext_lazy("inloggen via ZorgPortaal"), boolean=True)
    def signs_in(self, service):
        return service.application_id is not None

    def get_urls(self):
        rotate = self.admin_site.admin_view(self.rotate_secret_view)
        return [
            path("<int:pk>/clientgeheim/", rotate, name="portal_service_rotate_secret"),
            *super().get_urls(),
        ]

    def save_model(self, request, obj, form, change):
        """Save the service and its client together; a new client's secret is shown once."""
        before = clients.service_state(obj.pk and Service.objects.get(pk=obj.pk))
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            request.new_client_secret = clients.client_save(
                obj,
                redirect_uris=form.cleaned_data["redirect_uris"],
                post_logout_redirect_uris=form.cleaned_data["post_logout_redirect_uris"],
            )
        self._audit_after_save = (before, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        before, changed = self._audit_after_save
        after = clients.service_state(form.instance)
        changes = {k: v for k, v in after.items() if not before or before.get(k) != v}
        audit.record(
            "service.changed" if changed else "service.created",
            request=request,
            service=form.instance.name,
            changes=changes,
        )

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(request, "new_client_secret", None):
            return self._secret_page(request, obj, request.new_client_secret)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if getattr(request, "new_client_secret", None):
            return self._secret_page(request, obj, request.new_client_secret)
        return super().response_change(request, obj)

    def rotate_secret_view(self, request, pk):
        return require_POST(self._rotate_secret)(request, pk)

    def _rotate_secret(self, request, pk):
        service = get_object_or_404(Service.objects.select_related("application"), pk=pk)
        if not self.has_change_permission(request, service) or service.application is None:
            raise PermissionDenied
        secret = clients.client_secret_rotate(service.application)
        audit.record("sso.client_secret_rotated", request=request, service=service.name)
        return self._secret_page(request, service, secret)

    def _secret_page(self, request, service, secret):
        """The only time anyone sees the secret: it is stored hashed."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "service": service,
            "client_secret": secret,
            "issuer": settings.OIDC_ISSUER,
            "title": _("Clientgeheim van %(service)s") % {"service": service.name},
        }
        return TemplateResponse(request, "admin/portal/service/client_secret.html", context)

    def audit_deletion(self, request, obj):
        audit.record("service.deleted", request=request, service=obj.name)

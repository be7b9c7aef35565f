from django.contrib import admin
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.db.models.constants import LOOKUP_SEP
from django.shortcuts import redirect
from django_otp.admin import OTPAdminSite

# Fields whose value is a secret, as "app_label.model.field". No admin filters or searches on
# them, not even through a relation: a filter in the URL (?code=6017) reveals a value by trial.
SECRET_FIELDS = frozenset(
    {
        "accounts.user.password",
        "accounts.user.security_stamp",
        "accounts.invitation.token_hash",
        "accounts.invitation.link_salt",  # with SECRET_KEY it makes the link
        "verification.verificationcode.code",
        "verification.message.text",
        "tokens.appdevice.encrypted_secret",
        "tokens.hardwaretoken.encrypted_seed",
        "sessions.session.session_key",
        "sessions.session.session_data",
        "zorgportaal.throttle.key",
    }
)


def is_secret_field(field) -> bool:
    model = getattr(field, "model", None)
    return model is not None and f"{model._meta.label_lower}.{field.name}" in SECRET_FIELDS


def reaches_a_secret(model, lookup: str) -> bool:
    """Whether any step of a lookup ("user__password__startswith") is a secret field."""
    for part in lookup.split(LOOKUP_SEP):
        try:
            field = model._meta.pk if part == "pk" else model._meta.get_field(part)
        except FieldDoesNotExist:
            return False  # a lookup or transform ("startswith") after plain fields
        if is_secret_field(field):
            return True
        if field.related_model is None:
            return False
        model = field.related_model
    return False


class AuditedDeletion:
    """A ModelAdmin mixin: each deleted row, alone or in a bulk action, gets its audit event,
    written before the row goes and in the same transaction (NEN 7513).

    Subclasses write the event in `audit_deletion(request, obj)`.
    """

    def audit_deletion(self, request, obj) -> None:
        raise NotImplementedError

    def delete_model(self, request, obj):
        with transaction.atomic():
            self.audit_deletion(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.audit_deletion(request, obj)
            super().delete_queryset(request, queryset)


class SecretLookupsRefused:
    """Mixed into every admin on the site: no filter or `_to_field` in the URL reaches a secret.

    Django allows any filter on a model's own fields; a refused one raises
    DisallowedModelAdminLookup, answered 400 whatever the value, so a right and a wrong value
    look the same. A search field on a secret fails the system check.
    """

    def lookup_allowed(self, lookup, value, request=None):
        if reaches_a_secret(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)

    def to_field_allowed(self, request, to_field):
        if reaches_a_secret(self.model, to_field):
            return False
        return super().to_field_allowed(request, to_field)

    def check(self, **kwargs):
        return [*super().check(**kwargs), *self._check_search_fields_keep_secrets()]

    def _check_search_fields_keep_secrets(self) -> list[checks.Error]:
        """A search field on a secret would be a filter through the URL too (?q=6017)."""
        return [
            checks.Error(
                f"search_fields[{index}] ({name!r}) reaches a secret field.",
                hint="Leave secret fields out of search_fields (zorgportaal.admin_site).",
                obj=self.__class__,
                id="zorgportaal.E001",
            )
            for index, name in enumerate(self.search_fields or ())
            if reaches_a_secret(self.model, name.lstrip("^=@"))
        ]


class ZorgPortaalAdminSite(OTPAdminSite):
    """Only for staff logged in with both factors; no login form of its own.

    The journey gate already sends everyone else away; this is the second lock on the door.
    """

    site_header = "ZorgPortaal beheer"
    site_title = "ZorgPortaal beheer"
    index_title = "Beheer"

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every admin, of this project or of Django's apps, refuses lookups on secrets."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, SecretLookupsRefused):
            admin_class = type(
                admin_class.__name__,
                (SecretLookupsRefused, admin_class),
                {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def login(self, request, extra_context=None):
        """Logged in without staff rights: back to the portal; otherwise our own login."""
        return redirect("portal:dashboard" if request.user.is_authenticated else "signin:login")

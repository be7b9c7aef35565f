"""The register of personal data (AVG article 30): every model field that holds personal data,
what it is, why it is kept, on what ground, how long, and who can read it.

One place, driving both the privacy page ("Privacy", `privacy.views.statement`) and a test
(`tests/privacy/test_register.py`) that fails when a model gains a field named nowhere here:
each field of every model is either in an entry of `REGISTER` or in `NOT_PERSONAL`.

How the audit trail and erasure are reconciled: the trail (`zorgportaal.AuditEvent`) is kept
for its own period under NEN 7513 and cannot be changed or deleted by the application. When an
account is erased, the account and everything kept for it go; the trail keeps its events, with
the e-mail address written in them at the time, readable only by administrators with the
audit permission, until the trail's own period ends.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class Ground(StrEnum):
    """AVG article 6(1): the ground for keeping it."""

    OBLIGATION = "c"  # a legal obligation: Wabvpz, NEN 7510 and NEN 7513 in healthcare
    INTEREST = "f"  # the organisation's legitimate interest
    CONSENT = "a"  # the person's own consent

    @property
    def name_(self) -> str:
        return str(GROUND_NAMES[self])

    @property
    def label(self) -> str:
        return str(GROUND_LABELS[self])


GROUND_NAMES = {
    Ground.OBLIGATION: _("Wettelijke verplichting"),
    Ground.INTEREST: _("Gerechtvaardigd belang"),
    Ground.CONSENT: _("Toestemming"),
}
GROUND_LABELS = {
    Ground.OBLIGATION: _(
        "Wettelijke verplichting (AVG art. 6 lid 1c): wie zorgsystemen gebruikt, moet "
        "betrouwbaar geïdentificeerd zijn en wat er gebeurt moet worden vastgelegd (Wabvpz, "
        "NEN 7510, NEN 7513)."
    ),
    Ground.INTEREST: _(
        "Gerechtvaardigd belang van uw organisatie (AVG art. 6 lid 1f): u veilig toegang geven tot "
        "de diensten die u voor uw werk gebruikt."
    ),
    Ground.CONSENT: _("Uw toestemming (AVG art. 6 lid 1a), die u in Mijn account intrekt."),
}


def _days(setting: str) -> str:
    days = getattr(settings, setting)
    return ngettext("%(n)d dag", "%(n)d dagen", days) % {"n": days}


def days(setting: str, text: str):
    """A period from a setting, filled in when the page is shown: "%(days)s na …"."""
    return lazy(lambda: str(text) % {"days": _days(setting)}, str)()


@dataclass(frozen=True)
class Entry:
    """One kind of personal data: a model's fields that share what, why, ground, period, readers."""

    model: str  # "app_label.Model"
    fields: tuple[str, ...]
    what: str
    why: str
    ground: Ground
    kept: str
    readers: str
    topic: str


# Who reads it, in the words the page uses.
YOU = _("uzelf (Mijn account, Mijn gegevens)")
ADMINS = _("beheerders van het portaal")
SERVICEDESK = _("de servicedesk en beheerders van het portaal")
HELPDESK = _("helpdeskmedewerkers, voor wie uw organisatie bedient, en beheerders")
AUDITORS = _("beheerders met het recht om de audittrail in te zien")
NOBODY = _("niemand: alleen het systeem gebruikt het")

# Topics, in the order the page shows them.
ACCOUNT = _("Uw account")
SIGN_IN = _("Inloggen en beveiliging")
VERIFICATION = _("Controle door de helpdesk")
SERVICES = _("Diensten (inloggen via het portaal)")
AUDIT = _("De audittrail")
TOPICS = (ACCOUNT, SIGN_IN, VERIFICATION, SERVICES, AUDIT)

UNTIL_ERASED = days(
    "ACCOUNT_RETENTION_DAYS",
    _("zolang uw account bestaat; na deactivering nog %(days)s, dan wordt het gewist"),
)

# The services' tokens: django-oauth-toolkit's lifetimes, then `manage.py purge` that night.
EXPIRED_TONIGHT = _("tot het verloopt (minuten tot uren); in de nacht daarna verwijderd")

REGISTER: tuple[Entry, ...] = (
    # Your account
    Entry(
        "accounts.User",
        ("email", "first_name", "last_name"),
        _("Uw e-mailadres en naam"),
        _("Om u te laten inloggen, u te herkennen en u mail te sturen."),
        Ground.INTEREST,
        UNTIL_ERASED,
        SERVICEDESK,
        ACCOUNT,
    ),
    Entry(
        "accounts.User",
        (
            "organisation",
            "role",
            "is_staff",
            "is_superuser",
            "groups",
            "user_permissions",
            "serves_all_organisations",
            "served_organisations",
        ),
        _("Uw organisatie, rol en rechten"),
        _("Om te bepalen welke diensten en beheertaken voor u zijn."),
        Ground.INTEREST,
        UNTIL_ERASED,
        SERVICEDESK,
        ACCOUNT,
    ),
    Entry(
        "accounts.User",
        (
            "date_joined",
            "last_login",
            "previous_login",
            "is_active",
            "deactivated_at",
            "identity_verified_at",
        ),
        _(
            "Wanneer uw account is gemaakt, uw laatste inlog, of het actief is en wanneer de "
            "helpdesk uw identiteit controleerde"
        ),
        _("Om u uw vorige inlog te tonen en alleen gecontroleerde, actieve accounts toe te laten."),
        Ground.OBLIGATION,
        UNTIL_ERASED,
        SERVICEDESK,
        ACCOUNT,
    ),
    Entry(
        "accounts.User",
        ("password", "security_stamp"),
        _("De hash van uw wachtwoord (nooit het wachtwoord zelf)"),
        _("Om uw wachtwoord te controleren en oude sessies te beëindigen als het verandert."),
        Ground.OBLIGATION,
        UNTIL_ERASED,
        NOBODY,
        ACCOUNT,
    ),
    Entry(
        "accounts.Invitation",
        (
            "email",
            "first_name",
            "last_name",
            "organisation",
            "role",
            "language",
            "invited_by",
            "user",
            "created_at",
            "expires_at",
            "sent_at",
            "send_failed_at",
            "send_attempts",
            "send_error",
            "last_attempt_at",
            "opened_at",
            "used_at",
            "revoked_at",
            "token_hash",
            "link_salt",
        ),
        _("Uw uitnodiging: adres, naam, organisatie, wie u uitnodigde en wanneer"),
        _("Om u uit te nodigen en te laten zien wie uw account aanvroeg."),
        Ground.INTEREST,
        days(
            "INVITATION_RETENTION_DAYS",
            _("gebruikt: zolang uw account bestaat; niet gebruikt: %(days)s na afloop"),
        ),
        SERVICEDESK,
        ACCOUNT,
    ),
    # Signing in and security
    Entry(
        "tokens.AppDevice",
        (
            "user",
            "name",
            "confirmed",
            "created_at",
            "last_used_at",
            "throttling_failure_timestamp",
            "throttling_failure_count",
            "last_t",
            "encrypted_secret",
        ),
        _(
            "Uw authenticator-app: de naam die u gaf, wanneer gekoppeld en gebruikt, en het "
            "versleutelde geheim"
        ),
        _("Om uw tweede stap bij het inloggen te controleren."),
        Ground.OBLIGATION,
        _("tot u de app verwijdert, de helpdesk uw middelen reset of uw account wordt gewist"),
        SERVICEDESK,
        SIGN_IN,
    ),
    Entry(
        "tokens.HardwareTokenDevice",
        (
            "user",
            "name",
            "confirmed",
            "created_at",
            "last_used_at",
            "throttling_failure_timestamp",
            "throttling_failure_count",
            "last_t",
            "hardware_token",
        ),
        _(
            "Uw hardware token: welk token (serienummer), de naam die u gaf, wanneer gekoppeld en "
            "gebruikt"
        ),
        _("Om uw tweede stap bij het inloggen te controleren."),
        Ground.OBLIGATION,
        _("tot u het token ontkoppelt, de helpdesk uw middelen reset of uw account wordt gewist"),
        SERVICEDESK,
        SIGN_IN,
    ),
    Entry(
        "tokens.HardwareToken",
        ("upn", "imported_by", "csv_import", "created_at"),
        _(
            "Het token zoals uw organisatie het aanleverde: de gebruikersnaam (UPN) uit het "
            "bestand van Azure en wie het importeerde"
        ),
        _("Om het token aan de juiste persoon en organisatie te koppelen."),
        Ground.INTEREST,
        days(
            "UNCLAIMED_TOKEN_RETENTION_DAYS",
            _(
                "tot het account waaraan het gekoppeld is wordt gedeactiveerd; nooit gekoppeld: "
                "%(days)s na de import"
            ),
        ),
        SERVICEDESK,
        SIGN_IN,
    ),
    Entry(
        "tokens.AzureCsvImport",
        ("imported_by", "created_at", "filename", "source", "token_count"),
        _("Wie welk tokenbestand uploadde, en wanneer"),
        _("Om na te gaan waar een token vandaan kwam."),
        Ground.INTEREST,
        days("CSV_IMPORT_RETENTION_DAYS", _("%(days)s na de upload")),
        ADMINS,
        SIGN_IN,
    ),
    Entry(
        "django_otp_webauthn.WebAuthnCredential",
        (
            "user",
            "name",
            "confirmed",
            "created_at",
            "last_used_at",
            "credential_type",
            "credential_id",
            "credential_id_sha256",
            "public_key",
            "transports",
            "sign_count",
            "backup_eligible",
            "backup_state",
            "aaguid",
            "discoverable",
        ),
        _(
            "Uw beveiligingssleutel of passkey: de naam die u gaf, het type sleutel, de publieke "
            "sleutel (nooit een geheim) en wanneer gekoppeld en gebruikt"
        ),
        _("Om uw sleutel bij het inloggen te controleren."),
        Ground.OBLIGATION,
        _("tot u de sleutel verwijdert, de helpdesk uw middelen reset of uw account wordt gewist"),
        SERVICEDESK,
        SIGN_IN,
    ),
    Entry(
        "django_otp_webauthn.WebAuthnAttestation",
        ("credential", "fmt", "data", "client_data_json"),
        _("Wat uw sleutel bij het koppelen over zijn maker verklaarde"),
        _("Om na te gaan of uw sleutel van een type is dat uw organisatie toestaat."),
        Ground.OBLIGATION,
        _("zolang de sleutel bestaat"),
        NOBODY,
        SIGN_IN,
    ),
    Entry(
        "django_otp_webauthn.WebAuthnUserHandle",
        ("user", "handle_hex"),
        _("Een willekeurig nummer dat uw sleutels aan uw account verbindt"),
        _("Zodat een passkey uw account vindt zonder uw e-mailadres te bewaren."),
        Ground.OBLIGATION,
        UNTIL_ERASED,
        NOBODY,
        SIGN_IN,
    ),
    Entry(
        "zorgportaal.LoginSession",
        (
            "user",
            "login_id",
            "session_key",
            "started_at",
            "last_seen_at",
            "ended_at",
            "end_reason",
            "user_agent",
            "client_ip",
        ),
        _("Uw inlogsessies: browser, IP-adres, begin, laatste activiteit en einde"),
        _("Om u uw sessies te tonen en te laten beëindigen, en misbruik te herkennen."),
        Ground.OBLIGATION,
        days("LOGIN_RETENTION_DAYS", _("%(days)s na het einde van de sessie")),
        YOU,
        SIGN_IN,
    ),
    Entry(
        "sessions.Session",
        ("session_key", "session_data", "expire_date"),
        _("De sessie van uw browser (wie u bent en waar u bent in het inloggen)"),
        _("Om u ingelogd te houden."),
        Ground.INTEREST,
        _("tot u uitlogt of de sessie verloopt"),
        NOBODY,
        SIGN_IN,
    ),
    Entry(
        "zorgportaal.Throttle",
        ("key", "failures", "blocked_until", "updated_at", "refused"),
        _("Het aantal mislukte pogingen per account en per IP-adres (als onleesbare hash)"),
        _("Om het raden van wachtwoorden en codes af te remmen."),
        Ground.OBLIGATION,
        _("tot een dag na de laatste mislukte poging"),
        NOBODY,
        SIGN_IN,
    ),
    Entry(
        "accounts.PasswordResetMail",
        (
            "user",
            "language",
            "requested_at",
            "sent_at",
            "send_failed_at",
            "send_attempts",
            "last_attempt_at",
        ),
        _("Uw aanvraag van een nieuw wachtwoord"),
        _("Om de mail te versturen en te tonen dat die verstuurd is."),
        Ground.INTEREST,
        days("PASSWORD_RESET_RETENTION_DAYS", _("%(days)s na de aanvraag")),
        ADMINS,
        SIGN_IN,
    ),
    # Verification by the helpdesk
    Entry(
        "verification.VerificationCode",
        ("user", "code", "created_at", "expires_at", "failed_attempts", "ended_at", "end_reason"),
        _("Uw verificatiecode voor de helpdesk en hoe vaak die verkeerd werd ingevoerd"),
        _(
            "Om vast te stellen dat de persoon in de chat of aan de telefoon de eigenaar van het "
            "account is."
        ),
        Ground.OBLIGATION,
        days("VERIFICATION_RETENTION_DAYS", _("%(days)s na gebruik of afloop")),
        HELPDESK,
        VERIFICATION,
    ),
    Entry(
        "verification.Conversation",
        ("person", "created_at", "taken_by", "taken_at", "closed_at", "last_message_id"),
        _("Uw chat met de helpdesk: wanneer, en welke medewerker"),
        _("Om uw identiteit te controleren voordat u het portaal gebruikt."),
        Ground.OBLIGATION,
        days("VERIFICATION_RETENTION_DAYS", _("%(days)s na de laatste regel")),
        HELPDESK,
        VERIFICATION,
    ),
    Entry(
        "verification.Message",
        ("conversation", "kind", "author", "text", "event", "created_at"),
        _("De regels van uw chat met de helpdesk"),
        _("Om uw identiteit te controleren voordat u het portaal gebruikt."),
        Ground.OBLIGATION,
        days("VERIFICATION_RETENTION_DAYS", _("%(days)s na de regel")),
        HELPDESK,
        VERIFICATION,
    ),
    # Services
    Entry(
        "sso.PairwiseSubject",
        ("user", "application", "subject"),
        _("Het nummer waaronder een dienst u kent (per dienst een ander)"),
        _("Zodat diensten u herkennen zonder uw gegevens onderling te kunnen koppelen."),
        Ground.INTEREST,
        UNTIL_ERASED,
        NOBODY,
        SERVICES,
    ),
    Entry(
        "sso.SignIn",
        (
            "user",
            "application",
            "login_id",
            "authenticated_at",
            "methods",
            "acr",
            "code_hash",
            "created_at",
            "redeemed_at",
            "token_family",
        ),
        _("Bij welke dienst u inlogde, wanneer en hoe"),
        _("Om de dienst te vertellen hoe u inlogde, en u te tonen waar u bent ingelogd."),
        Ground.OBLIGATION,
        days("LOGIN_RETENTION_DAYS", _("%(days)s na het einde van de sessie")),
        YOU,
        SERVICES,
    ),
    Entry(
        "sso.Consent",
        ("user", "application", "scopes", "given_at"),
        _("Welke gegevens u met een dienst van buiten deelt"),
        _("Om het niet elke keer opnieuw te vragen."),
        Ground.CONSENT,
        _("tot u de toestemming intrekt in Mijn account"),
        YOU,
        SERVICES,
    ),
    Entry(
        "sso.LogoutNotice",
        (
            "application",
            "user",
            "login_id",
            "reason",
            "created_at",
            "next_attempt_at",
            "attempts",
            "sent_at",
            "failed_at",
            "last_error",
        ),
        _("Het bericht aan een dienst dat u bent uitgelogd"),
        _("Zodat u ook bij de dienst wordt uitgelogd."),
        Ground.OBLIGATION,
        days("LOGIN_RETENTION_DAYS", _("%(days)s na het versturen")),
        ADMINS,
        SERVICES,
    ),
    Entry(
        "oauth2_provider.Grant",
        (
            "user",
            "application",
            "code",
            "expires",
            "redirect_uri",
            "scope",
            "created",
            "updated",
            "code_challenge",
            "code_challenge_method",
            "nonce",
            "claims",
            "resource",
        ),
        _("De eenmalige code waarmee een dienst u ophaalt"),
        _("Om u bij een dienst in te loggen."),
        Ground.INTEREST,
        _("minuten: tot de dienst hem gebruikt of hij verloopt"),
        NOBODY,
        SERVICES,
    ),
    Entry(
        "oauth2_provider.AccessToken",
        (
            "user",
            "source_refresh_token",
            "token",
            "token_checksum",
            "id_token",
            "application",
            "expires",
            "scope",
            "resource",
            "created",
            "updated",
        ),
        _("De toegang die een dienst namens u heeft (alleen als hash)"),
        _("Zodat de dienst uw gegevens kan opvragen zolang u er bent ingelogd."),
        Ground.INTEREST,
        EXPIRED_TONIGHT,
        NOBODY,
        SERVICES,
    ),
    Entry(
        "oauth2_provider.RefreshToken",
        (
            "user",
            "token",
            "token_checksum",
            "application",
            "access_token",
            "token_family",
            "resource",
            "created",
            "updated",
            "revoked",
        ),
        _("De verlenging van die toegang (alleen als hash)"),
        _("Zodat u bij de dienst ingelogd blijft zonder opnieuw in te loggen."),
        Ground.INTEREST,
        EXPIRED_TONIGHT,
        NOBODY,
        SERVICES,
    ),
    Entry(
        "oauth2_provider.IDToken",
        ("user", "jti", "application", "expires", "scope", "created", "updated"),
        _("Het bewijs van uw inlog dat een dienst kreeg"),
        _("Zodat de dienst weet wie u bent."),
        Ground.INTEREST,
        EXPIRED_TONIGHT,
        NOBODY,
        SERVICES,
    ),
    Entry(
        "oauth2_provider.DeviceGrant",
        (
            "user",
            "device_code",
            "user_code",
            "scope",
            "interval",
            "expires",
            "status",
            "client_id",
            "last_checked",
        ),
        _("Niet in gebruik (inloggen op een apparaat zonder browser)"),
        _("Het portaal biedt dit niet aan; de tabel blijft leeg."),
        Ground.INTEREST,
        _("niet van toepassing"),
        NOBODY,
        SERVICES,
    ),
    # The audit trail
    Entry(
        "zorgportaal.AuditEvent",
        (
            "created_at",
            "event",
            "outcome",
            "actor",
            "actor_email",
            "actor_role",
            "subject",
            "subject_email",
            "client_ip",
            "request_id",
            "details",
        ),
        _(
            "Wat er met uw account gebeurde en wat u deed: inloggen, wijzigingen, controles door "
            "de helpdesk, met tijd en IP-adres (nooit wachtwoorden, codes of geheimen)"
        ),
        _("Om misbruik te kunnen onderzoeken en aan te tonen wie wat deed."),
        Ground.OBLIGATION,
        _(
            "vijf jaar (NEN 7513); ook na het wissen van uw account, zonder dat het portaal het "
            "kan wijzigen"
        ),
        AUDITORS,
        AUDIT,
    ),
    Entry(
        "admin.LogEntry",
        (
            "action_time",
            "user",
            "content_type",
            "object_id",
            "object_repr",
            "action_flag",
            "change_message",
        ),
        _("Wat een beheerder in het beheer wijzigde, en aan welk account"),
        _("Om wijzigingen door beheerders na te gaan."),
        Ground.OBLIGATION,
        _(
            "zolang het account van de beheerder bestaat; wat over uw account gaat, tot uw "
            "account wordt gewist"
        ),
        ADMINS,
        AUDIT,
    ),
)

# Fields of every other kind, and the technical ones beside the personal data above: none of
# them says anything about a person.
NOT_PERSONAL: dict[str, tuple[str, ...]] = {
    "auth.Permission": ("name", "content_type", "codename"),
    "auth.Group": ("name", "permissions"),
    "contenttypes.ContentType": ("app_label", "model"),
    "accounts.Organisation": ("name", "passkeys_allowed", "passkey_aaguids"),
    "accounts.Role": ("name",),
    "tokens.HardwareToken": (
        "serial",
        "organisation",
        "encrypted_seed",
        "interval",
        "manufacturer",
        "model",
    ),
    "portal.Service": (
        "name",
        "description",
        "url",
        "icon",
        "order",
        "audience_version",
        "application",
        "first_party",
        "initiate_login_uri",
        "backchannel_logout_uri",
        "organisations",
        "roles",
    ),
    "oauth2_provider.Application": (
        "user",
        "redirect_uris",
        "post_logout_redirect_uris",
        "client_id",
        "client_type",
        "authorization_grant_type",
        "client_secret",
        "hash_client_secret",
        "name",
        "skip_authorization",
        "created",
        "updated",
        "algorithm",
        "allowed_origins",
        "registration_source",
        "cimd_expires_at",
    ),
}


def entries_by_topic() -> list[tuple[str, list[Entry]]]:
    """The register as the privacy page shows it: per topic, in order."""
    return [(topic, [e for e in REGISTER if e.topic == topic]) for topic in TOPICS]


def model_fields(model) -> set[str]:
    """A model's own fields and many-to-many relations, without its automatic `id`."""
    return {
        field.name
        for field in model._meta.get_fields()
        if (field.concrete or field.many_to_many) and not field.auto_created and field.name != "id"
    }


def named_fields() -> dict[str, list[str]]:
    """Per model, every field the register names (a field named twice appears twice)."""
    named: dict[str, list[str]] = {}
    for entry in REGISTER:
        named.setdefault(entry.model, []).extend(entry.fields)
    for model, fields in NOT_PERSONAL.items():
        named.setdefault(model, []).extend(fields)
    return named


def register_markdown() -> str:
    """The register as a Markdown table (PRIVACY.md): per topic, the fields and their facts."""
    lines = [
        "| data | model: fields | why | legal ground | kept | who can read it |",
        "|---|---|---|---|---|---|",
    ]
    for topic, entries in entries_by_topic():
        lines.append(f"| **{topic}** | | | | | |")
        for entry in entries:
            cells = [
                entry.what,
                f"`{entry.model}`: {', '.join(entry.fields)}",
                entry.why,
                entry.ground.name_,
                entry.kept,
                entry.readers,
            ]
            lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"

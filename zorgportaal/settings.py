"""Settings for ZorgPortaal, read from the environment with safe development defaults.

Every variable is documented in README.md ("Configuration").
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: str) -> bool:
    """Read a boolean strictly: anything but true/false is a configuration error."""
    value = env(name, default).strip().lower()
    if value not in ("true", "false"):
        raise ImproperlyConfigured(f"{name} must be 'true' or 'false', not {value!r}")
    return value == "true"


def envint(name: str, default: int) -> int:
    value = env(name, str(default)).strip()
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def envmatch(name: str, pattern: str, what: str) -> str:
    """Read an optional value that must have a given form (a link in every page must work)."""
    value = env(name).strip()
    if value and not re.fullmatch(pattern, value):
        raise ImproperlyConfigured(f"{name} must be {what}, not {value!r}")
    return value


# The web server refuses to start with this key when DEBUG is false (see wsgi.py).
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-never-use-in-production"  # noqa: S105

DEBUG = envbool("DEBUG", "false")
SECRET_KEY = env("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
SECRET_KEY_FALLBACKS = envlist("SECRET_KEY_FALLBACKS", "")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1")
SITE_URL = env("SITE_URL", "http://localhost:8000").rstrip("/")
# How many reverse proxies in front of the app append to X-Forwarded-For (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)

INSTALLED_APPS = [
    "zorgportaal.apps.ZorgPortaalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "oauth2_provider",
    # Bottom to top (ARCHITECTURE.md): shared machinery, people, factors, flows, reports.
    "zorgportaal",
    "accounts",
    "tokens",
    # Passkeys and FIDO2 keys: the library's device model (tokens/webauthn.py). After tokens,
    # so django-otp asks for an app or token first and their logins cost no extra query.
    "django_otp_webauthn",
    "signin",
    "registration",
    "myaccount",
    "portal",
    "sso",
    "verification",
    "helpdesk",
    "reports",
    "privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, right after security
    "zorgportaal.requests.RequestIdMiddleware",
    "csp.middleware.CSPMiddleware",
    "zorgportaal.security.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "zorgportaal.gate.JourneyGateMiddleware",
    "sso.middleware.ServiceFormActionMiddleware",  # before CSP's on the way out
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "zorgportaal.urls"
WSGI_APPLICATION = "zorgportaal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zorgportaal.site.site",  # site_name, helpdesk_contact
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
# Django's ModelBackend, loading the organisation and role with the person (accounts.backends).
AUTHENTICATION_BACKENDS = ["accounts.backends.AccountBackend"]
LOGIN_URL = "signin:login"
LOGIN_REDIRECT_URL = "portal:dashboard"

# Argon2id first. Parameters: see accounts.hashers and README ("Passwords").
PASSWORD_HASHERS = [
    "accounts.hashers.ZorgPortaalArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "accounts.validators.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "first_name", "last_name")},
    },
    {
        "NAME": "accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "accounts.validators.CommonPasswordValidator"},
    {"NAME": "accounts.validators.MaximumLengthValidator"},
]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = envint("SESSION_ABSOLUTE_SECONDS", 12 * 3600)
SESSION_IDLE_SECONDS = envint("SESSION_IDLE_SECONDS", 30 * 60)
LOGIN_CODE_STEP_SECONDS = 10 * 60  # a half-logged-in session must give its code within this
PASSWORD_RESET_TIMEOUT = envint("PASSWORD_RESET_SECONDS", 3600)

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", "Nederlands"), ("en", "English")]  # each in its own language
# locale/en: our English. locale_django/nl: Dutch for the few admin texts (the multi-select
# widget's "Choose all %s") that Django's own Dutch catalogue lacks.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_django"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(BASE_DIR / "sent-mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "ZorgPortaal <noreply@localhost>")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10)
# SMTP (EMAIL_BACKEND django.core.mail.backends.smtp.EmailBackend): the provider's host and port,
# a login, and STARTTLS (usually port 587) or TLS from the first byte (usually port 465).
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "false")
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", "false")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "EMAIL_USE_TLS (STARTTLS) and EMAIL_USE_SSL (TLS from the start) exclude each other"
    )
# django-anymail reads ESP credentials from ANYMAIL_* variables (ANYMAIL_POSTMARK_SERVER_TOKEN).
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in os.environ.items()
    if key.startswith("ANYMAIL_")
}

INVITATION_VALID_DAYS = envint("INVITATION_VALID_DAYS", 14)
# A deactivated account is erased this long after its deactivation (issue 17, privacy/).
ACCOUNT_RETENTION_DAYS = envint("ACCOUNT_RETENTION_DAYS", 90)
# Who answers privacy questions ("Privacy" page): an address, and how to name them.
PRIVACY_EMAIL = envmatch(
    "PRIVACY_EMAIL", r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+", "an e-mail address"
)
PRIVACY_CONTACT_NAME = env("PRIVACY_CONTACT_NAME").strip()
OTP_SEED_KEY = env("OTP_SEED_KEY")
OTP_SEED_KEY_FALLBACKS = envlist("OTP_SEED_KEY_FALLBACKS", "")
# Passkeys and FIDO2 security keys as a factor (issue 16; tokens/webauthn.py), on unless
# switched off; each organisation may still refuse them (Organisation.passkeys_allowed). Our
# own pages run the ceremonies (the library's JSON views are not mounted); the relying party is
# SITE_URL's host and origin, which must be https (or http://localhost) while they are on.
PASSKEYS_ENABLED = envbool("PASSKEYS_ENABLED", "true")
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_TIMEOUT_SECONDS = 120  # the browser's prompt, and how long a challenge lives
HELPDESK_OPENING_HOURS = env("HELPDESK_OPENING_HOURS", "mon-fri 08:30-17:00")
HELPDESK_HOLIDAYS = env("HELPDESK_HOLIDAYS", "NL")
# The environment's name in titles, the header, buttons and mails ("ZorgPortaal Acceptatie").
SITE_NAME = env("SITE_NAME").strip() or "ZorgPortaal"  # emails.DEFAULT_SITE_NAME
# How a person reaches the helpdesk ("Vragen? We helpen graag!"; zorgportaal/site.py). None
# set: the box says to contact one's own organisation. A phone number without a country code
# is Dutch.
HELPDESK_PHONE = envmatch("HELPDESK_PHONE", r"\+?[0-9][0-9 ()./-]{1,30}", "a phone number")
HELPDESK_EMAIL = envmatch(
    "HELPDESK_EMAIL", r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+", "an e-mail address"
)
HELPDESK_URL = envmatch("HELPDESK_URL", r"https?://[^\s<>\"]+", "an http(s):// URL")
# "Token instellen" (manual 2.4.2): where to buy a supported TOTP token, and the link's text
# (default: the shop's host name). No shop: the page says to ask one's organisation.
TOKEN_SHOP_URL = envmatch("TOKEN_SHOP_URL", r"https?://[^\s<>\"]+", "an http(s):// URL")
TOKEN_SHOP_TEXT = env("TOKEN_SHOP_TEXT").strip() or urlsplit(TOKEN_SHOP_URL).hostname or ""
VERIFICATION_CODE_VALID_HOURS = envint("VERIFICATION_CODE_VALID_HOURS", 24)
VERIFICATION_RETENTION_DAYS = envint("VERIFICATION_RETENTION_DAYS", 90)
# How long `manage.py purge` (nightly) keeps the rest (zorgportaal.retention; README, "Retention"):
# unaccepted invitations after they expired or were revoked, reset mails after the request,
# logins and the services they reached after they ended, tokens nobody linked and CSV imports
# after the import.
INVITATION_RETENTION_DAYS = envint("INVITATION_RETENTION_DAYS", 90)
PASSWORD_RESET_RETENTION_DAYS = envint("PASSWORD_RESET_RETENTION_DAYS", 7)
LOGIN_RETENTION_DAYS = envint("LOGIN_RETENTION_DAYS", 90)
UNCLAIMED_TOKEN_RETENTION_DAYS = envint("UNCLAIMED_TOKEN_RETENTION_DAYS", 365)
CSV_IMPORT_RETENTION_DAYS = envint("CSV_IMPORT_RETENTION_DAYS", 365)
# What one helpdesk agent may check, counted on the audit trail (SECURITY.md: guessing codes).
VERIFICATION_AGENT_CHECKS_PER_HOUR = envint("VERIFICATION_AGENT_CHECKS_PER_HOUR", 30)
VERIFICATION_AGENT_WRONG_CHECKS_PER_HOUR = envint("VERIFICATION_AGENT_WRONG_CHECKS_PER_HOUR", 10)
VERIFICATION_AGENT_WRONG_CHECKS_PER_DAY = envint("VERIFICATION_AGENT_WRONG_CHECKS_PER_DAY", 50)

# The name an authenticator app lists the account under: "ZorgPortaal Acceptatie" apart.
OTP_TOTP_ISSUER = SITE_NAME

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A database outage: one line a minute instead of a traceback per request.
    "filters": {"database_outage": {"()": "zorgportaal.outages.DatabaseOutageFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["database_outage"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}

# Azure CSV import (tokens): end users upload at most 200 token lines (manual 2.4.2).
AZURE_CSV_USER_MAX_ROWS = 200
AZURE_CSV_USER_MAX_BYTES = 64 * 1024
# A person's uploads in 24 hours: files tried (accepted or not) and tokens added.
AZURE_CSV_USER_UPLOADS_PER_DAY = envint("AZURE_CSV_USER_UPLOADS_PER_DAY", 10)
AZURE_CSV_USER_TOKENS_PER_DAY = envint("AZURE_CSV_USER_TOKENS_PER_DAY", 400)
AZURE_CSV_ADMIN_MAX_ROWS = envint("AZURE_CSV_ADMIN_MAX_ROWS", 50_000)
AZURE_CSV_ADMIN_MAX_BYTES = envint("AZURE_CSV_ADMIN_MAX_BYTES", 10 * 1024 * 1024)

# Languages
# The language switch in the header (Django's set_language) keeps the choice in this cookie for
# a year, so it is remembered on the next visit; without it the browser's language decides.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE


# Production: serving, shared state, mail queue
# (README: "Production", "Scaling"). gunicorn reads gunicorn.conf.py; `make serve` collects the
# static files into STATIC_ROOT and WhiteNoise serves them. With DEBUG off their names carry a
# hash of their content and are cached for a year; the test suite swaps in the plain storage
# (tests/conftest.py), so tests need no collected files and never see a stale manifest.
STATIC_ROOT = Path(env("STATIC_ROOT", str(STATIC_ROOT)))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Sessions: with REDIS_URL read from Redis and written through to the database, so any app
# server can serve any request of a journey; without it, in the database (Django's stores,
# following each login's session key: zorgportaal/sessionstores). Throttling counts stay in
# the database either way (zorgportaal/throttle.py): a Redis outage cannot lift them.
if REDIS_URL:
    SESSION_ENGINE = "zorgportaal.sessionstores.cached_db"
    # Fail fast, never hang a worker on a hung Redis: a wait is at most a quarter second, and
    # after one the cache skips Redis for REDIS_BREAKER_SECONDS (zorgportaal/cache.py).
    CACHES["default"].setdefault("OPTIONS", {}).update(
        socket_connect_timeout=envint("REDIS_CONNECT_TIMEOUT_MS", 250) / 1000,
        socket_timeout=envint("REDIS_TIMEOUT_MS", 250) / 1000,
        breaker_seconds=envint("REDIS_BREAKER_SECONDS", 30),
    )
else:
    SESSION_ENGINE = "zorgportaal.sessionstores.db"
# PostgreSQL in production: keep connections a minute (checked before reuse, see above).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if not DEBUG and "CONN_MAX_AGE" not in os.environ:
        DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
# Invitation and password-reset mails: "immediate" sends after the request's transaction
# commits; "worker" leaves them queued for `manage.py send_invitations --loop` (`make worker`).
MAIL_QUEUE = env("MAIL_QUEUE", "immediate" if DEBUG else "worker").strip().lower()
if MAIL_QUEUE not in ("immediate", "worker"):
    raise ImproperlyConfigured(f"MAIL_QUEUE must be 'immediate' or 'worker', not {MAIL_QUEUE!r}")
# A load balancer probes /healthz over plain HTTP behind TLS termination: never redirect it.
if "SECURE_REDIRECT_EXEMPT" not in globals():
    SECURE_REDIRECT_EXEMPT = [r"^healthz(/details)?$"]

# Security headers and cookies
# SECURITY.md maps these to OWASP ASVS and NIST SP 800-63B. Behind a TLS proxy set
# SECURE_PROXY_SSL_HEADER (e.g. X-Forwarded-Proto) so that Django knows the request was https.
SITE_IS_HTTPS = SITE_URL.startswith("https://") and not DEBUG
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "true" if SITE_IS_HTTPS else "false")
_proxy_ssl_header = env("SECURE_PROXY_SSL_HEADER").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https") if _proxy_ssl_header else None
)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if SITE_IS_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "true")
# Preloading binds the whole registrable domain for months: the domain owner's decision.
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "false")
if not SECURE_HSTS_PRELOAD:  # "preload not set" (security.W021): see SECURITY.md
    SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"  # stricter on secret-link views (zorgportaal.security)
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
    }
}
# The __Host- prefix: the browser accepts the cookie only when Secure, Path=/ and no Domain.
SESSION_COOKIE_NAME = "sessionid" if DEBUG else "__Host-sessionid"
CSRF_COOKIE_NAME = "csrftoken" if DEBUG else "__Host-csrftoken"
LANGUAGE_COOKIE_NAME = "django_language" if DEBUG else "__Host-django_language"
CSRF_COOKIE_HTTPONLY = True  # forms carry the token; no script reads the cookie
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_PATH = CSRF_COOKIE_PATH = LANGUAGE_COOKIE_PATH = "/"
SESSION_COOKIE_DOMAIN = CSRF_COOKIE_DOMAIN = LANGUAGE_COOKIE_DOMAIN = None
# Request bodies: fields at most 2.5 MB in memory; files above 256 KiB go to a temporary file;
# a body announced larger than MAX_REQUEST_BYTES is refused unread (413).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 5
FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
MAX_REQUEST_BYTES = envint("MAX_REQUEST_BYTES", AZURE_CSV_ADMIN_MAX_BYTES + 1024 * 1024)
if REDIS_URL:  # Redis away: a cache miss and a warning, not an error page (zorgportaal/cache.py)
    CACHES["default"]["BACKEND"] = "zorgportaal.cache.TolerantRedisCache"


# Single sign-on: ZorgPortaal is the OpenID Connect provider of the Diensten (sso/, README
# "Single sign-on"), built on django-oauth-toolkit. Keys, lifetimes and the issuer come from here.
def oidc_signing_keys() -> tuple[str, list[str]]:
    """The key that signs (PEM), and the others the JWKS publishes beside it: the next key
    before it signs, and previous ones until the tokens they signed have expired.

    A variable may hold its PEM with real newlines or with "\\n". Without OIDC_SIGNING_KEY
    (development, tests) a key is made once and kept in a file beside the code, so every process
    on this machine signs with the same key; `check --deploy` warns about it.
    """
    current = env("OIDC_SIGNING_KEY").replace("\\n", "\n").strip()
    previous = PEM_BLOCK.findall(env("OIDC_PUBLISHED_KEYS").replace("\\n", "\n"))
    if current:
        return current, previous
    from zorgportaal.devkeys import development_signing_key  # only without a configured key

    return development_signing_key(BASE_DIR / ".oidc-dev-key.pem"), previous


PEM_BLOCK = re.compile(r"-----BEGIN [A-Z ]+-----.+?-----END [A-Z ]+-----", re.DOTALL)
OIDC_SIGNING_KEY, OIDC_PUBLISHED_KEYS = oidc_signing_keys()
OIDC_SIGNING_KEY_IS_DEVELOPMENT_KEY = not env("OIDC_SIGNING_KEY").strip()
OIDC_ISSUER = SITE_URL + "/oidc"
OTP_WEBAUTHN_RP_ID = urlsplit(SITE_URL).hostname or ""
OTP_WEBAUTHN_ALLOWED_ORIGINS = [f"{urlsplit(SITE_URL).scheme}://{urlsplit(SITE_URL).netloc}"]
OTP_WEBAUTHN_RP_NAME = SITE_NAME
if not PASSKEYS_ENABLED:
    # The library checks that its origin is secure (https, or http://localhost): with passkeys
    # off there is no relying party to check, and a plain-http SITE_URL is no mistake.
    SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "otp_webauthn.E031"]
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": OIDC_ISSUER,
    "OIDC_RSA_PRIVATE_KEY": OIDC_SIGNING_KEY,
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": OIDC_PUBLISHED_KEYS,
    "OAUTH2_VALIDATOR_CLASS": "sso.validators.ZorgPortaalValidator",
    "SCOPES": {
        "openid": "Inloggen met uw Topicus Zorg Account",
        "profile": "Uw naam, organisatie en rol",
        "email": "Uw e-mailadres",
    },
    "DEFAULT_SCOPES": ["openid"],
    "PKCE_REQUIRED": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"] if DEBUG else ["https"],
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": envint("OIDC_ACCESS_TOKEN_SECONDS", 300),
    "ID_TOKEN_EXPIRE_SECONDS": envint("OIDC_ID_TOKEN_SECONDS", 300),
    "REFRESH_TOKEN_EXPIRE_SECONDS": envint("OIDC_REFRESH_TOKEN_SECONDS", 8 * 3600),
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    "OIDC_RP_INITIATED_LOGOUT_ACCEPT_EXPIRED_TOKENS": True,
    "OIDC_RP_INITIATED_LOGOUT_DELETE_TOKENS": True,
    "OIDC_SUBJECT_TYPES_SUPPORTED": ["pairwise"],
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OIDC_JWKS_MAX_AGE_SECONDS": 3600,
    # RFC 9700 (OAuth security best current practice), each one on:
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": not DEBUG,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

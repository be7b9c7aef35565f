"""The demo service's own settings: a separate Django project on its own port."""

import os

SECRET_KEY = os.environ.get("DEMO_SECRET_KEY", "demo-service-development-only")
DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
ROOT_URLCONF = "demo_service.urls"
INSTALLED_APPS = ["django.contrib.sessions"]
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]
# One process: sessions in its memory, so a back-channel logout can end one by its `sid`.
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_COOKIE_NAME = "demo_sessionid"  # the same host as ZorgPortaal, another cookie
USE_TZ = True
LOGGING = {"version": 1, "disable_existing_loggers": False}

SITE_URL = os.environ.get("DEMO_SITE_URL", "http://localhost:8001").rstrip("/")
ZORGPORTAAL_ISSUER = os.environ.get("ZORGPORTAAL_ISSUER", "http://localhost:8000/oidc")
CLIENT_ID = os.environ.get("DEMO_CLIENT_ID", "calculus-viplive-demo")
CLIENT_SECRET = os.environ.get("DEMO_CLIENT_SECRET", "demo-geheim-alleen-voor-make-run")

"""WSGI entry point for gunicorn, runserver and other WSGI servers."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zorgportaal.settings")

application = get_wsgi_application()

from zorgportaal.startup import refuse_development_key_in_production  # noqa: E402

refuse_development_key_in_production()

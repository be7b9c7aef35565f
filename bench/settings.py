"""Settings for `make bench` only: the production settings, plus the bare-Django baselines.

Same middleware, database, cache and gunicorn as production; only the URLconf adds the
baseline views (bench/baseline_urls.py) and their template folder.
"""

from zorgportaal.settings import *  # noqa: F403
from zorgportaal.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "bench.baseline_urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]

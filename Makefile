# Two commands for a newcomer: `make run` and `make test`. Everything else is reachable from here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py

.PHONY: loadtest install run test demo-service test-fast lint format browser-deps bench clean serve worker static

install: $(STAMP) gettext-deps
	$(MANAGE) compilemessages --locale en $(MESSAGES_IGNORE) --verbosity 0

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Debian's Chromium for the browser tests; Playwright never downloads a browser here.
browser-deps:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

run: install
	DEBUG=true $(MANAGE) migrate --noinput
	DEBUG=true $(MANAGE) load_demo_data
	DEBUG=true $(MANAGE) load_demo_service
	DEBUG=true $(MANAGE) runserver 127.0.0.1:8000

# The demo service "Calculus VIPLive" (demo_service/, Authlib) on http://localhost:8001: it
# logs people in through the ZorgPortaal of `make run` (README, Single sign-on).
demo-service: install
	exec $(BIN)/python -m demo_service

# Production (README "Production"): gunicorn (gunicorn.conf.py) with WhiteNoise; DEBUG is false,
# so SECRET_KEY must be set. Run `make worker` beside it for the invitation mails.
static: install
	$(MANAGE) collectstatic --noinput --verbosity 0

serve: static
	$(MANAGE) migrate --noinput
	exec $(BIN)/gunicorn -c gunicorn.conf.py

worker: install
	exec $(MANAGE) send_invitations --loop

# ZorgPortaal against bare Django on this machine: loopback only, each figure a few seconds.
bench: install
	@$(BIN)/python -c "import pyinstrument" 2>/dev/null || $(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.run $(BENCH_ARGS)

test: install browser-deps
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -c pyproject.toml -r . --severity-level medium --quiet
	$(BIN)/lint-imports
	$(MANAGE) makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache

# Languages (README "Languages"): the Dutch texts are the source; locale/en holds the English.
.PHONY: gettext-deps messages screenshots
MESSAGES_IGNORE := --ignore=.venv --ignore=tests --ignore=bench --ignore=staticfiles \
	--ignore=screenshots --ignore=sent-mail --ignore='*.egg-info'

# Debian's GNU gettext (xgettext, msgfmt) for makemessages and compilemessages.
gettext-deps:
	@command -v msgfmt >/dev/null && command -v xgettext >/dev/null || { \
	  echo "Installing Debian's gettext for the translations"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq gettext; }

# After changing a text: collect the texts into locale/en/LC_MESSAGES/django.po, translate the
# new entries there, then run this again to compile django.mo (both are committed).
messages: $(STAMP) gettext-deps
	$(MANAGE) makemessages --locale en --no-obsolete --add-location file $(MESSAGES_IGNORE)
	$(MANAGE) compilemessages --locale en $(MESSAGES_IGNORE)

# A PNG of every screen of every journey, Dutch and English, desktop and phone, in screenshots/.
screenshots: install browser-deps
	rm -rf screenshots
	$(BIN)/pytest tests/browser/screenshots.py -p no:randomly -q

# A bounded load test (bench/loadtest.py): gunicorn on PostgreSQL (127.0.0.1:5432), 50 clients
# of mixed traffic on 127.0.0.1 for two minutes; fails on a server error or a lost write.
# LOADTEST_ARGS="--url http://127.0.0.1:8000 --people FILE" loads a running deployment instead.
LOADTEST_ARGS ?= --seconds 120 --clients 50
loadtest: install
	$(BIN)/python -m bench.loadtest $(LOADTEST_ARGS)

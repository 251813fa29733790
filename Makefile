# The README's commands. `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(PY) -m flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint bench translations

$(VENV)/.app-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip>=25.1"
	$(PY) -m pip install -q --group app
	touch $@

$(VENV)/.test-installed: pyproject.toml $(VENV)/.app-installed
	$(PY) -m pip install -q --group test
	@if [ ! -x /usr/bin/chromium ]; then $(PY) -m playwright install chromium; fi
	touch $@

run: $(VENV)/.app-installed
	$(FLASK) migrate
	$(FLASK) seed-demo --if-empty
	$(FLASK) run --host $(HOST) --port $(PORT)

test: $(VENV)/.test-installed
	$(PY) -m pytest

lint: $(VENV)/.test-installed
	$(PY) -m ruff check .

bench: $(VENV)/.app-installed
	$(PY) bench.py

# Gather every word the kiosk and tablet show into translations/messages.pot and merge it into
# each language's .po file (new words arrive empty, for a translator). `make translations
# NEW=ro` starts a new language; the app picks it up on restart, nothing to compile.
PYBABEL := PYTHONPATH=. $(VENV)/bin/pybabel -q
translations: $(VENV)/.app-installed
	$(PYBABEL) extract -F babel.cfg --ignore-dirs=".* ._ tests deploy static instance" \
		-w 100 --add-location=file --sort-by-file --omit-header -o translations/messages.pot .
	@if [ -n "$(NEW)" ] && [ ! -f translations/$(NEW)/LC_MESSAGES/messages.po ]; then \
		$(PYBABEL) init -i translations/messages.pot -d translations -l $(NEW); fi
	$(PYBABEL) update -i translations/messages.pot -d translations -w 100 --no-fuzzy-matching \
		--ignore-obsolete

# The two commands the README opens with: `make demo` and `make test`. Each sets itself up first.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Written by npm ci: GOV.UK Frontend, served by the web service from node_modules/ (package-lock.json).
NODE_STAMP := node_modules/.package-lock.json

.PHONY: setup demo test lint bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

# GOV.UK Frontend's CSS built with this service's settings (Arial, no GOV.UK font files): web/scss/.
GOVUK_CSS := web/static/build/govuk-frontend.min.css

$(GOVUK_CSS): web/scss/govuk-frontend.scss $(NODE_STAMP)
	npm run --silent build:css

setup: $(STAMP) $(NODE_STAMP) $(GOVUK_CSS)

demo: setup
	$(VENV)/bin/chronology demo

test: setup
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q -n auto --dist loadgroup

bench: setup
	$(PY) bench/import_template.py
	$(PY) bench/import_formats.py

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache web/static/build

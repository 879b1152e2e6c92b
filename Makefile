# The two commands the README opens with: `make demo` and `make test`. Each sets itself up first.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(VENV)/bin/chronology demo

test: setup
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

bench: setup
	$(PY) bench/import_template.py
	$(PY) bench/import_formats.py

clean:
	rm -rf $(VENV) instance .pytest_cache

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo test conformance bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/deconfliction demo

test: $(STAMP)
	$(PY) -m pytest

# The InterUSS F3548 DSS probing suite, then the f3548_21 pool suite (three mock_uss), each against
# a fresh `deconfliction serve` (see conformance/run_conformance.py; about 5 minutes).
conformance: $(STAMP)
	$(PY) conformance/run_conformance.py

clean:
	rm -rf $(VENV) build src/*.egg-info

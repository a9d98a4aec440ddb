# Two commands set up a fresh clone: `make plan` (the main job) and `make test`.
# Both create .venv once and reuse it; it is rebuilt only when pyproject.toml changes.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: plan validate test bench graph readme mutation clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m infra.sdk_loading
	touch $(STAMP)

plan: $(STAMP)
	$(BIN)/fabric plan --all

validate: $(STAMP)
	$(BIN)/fabric validate --all

graph: $(STAMP)
	$(BIN)/fabric graph --all --format mermaid

test: $(STAMP)
	$(BIN)/python -m pytest -n auto

bench: $(STAMP)
	$(BIN)/python -m bench

# Mutation testing of the rule code (tools/mutation/config.toml): before a release, not in CI.
# MODULES=infra/invariants/compute.py (space- or comma-separated) runs some modules only.
mutation: $(STAMP)
	$(BIN)/python -m tools.mutation $(if $(MODULES),--modules $(MODULES)) $(if $(FAIL_UNDER),--fail-under $(FAIL_UNDER))

readme: $(STAMP)
	$(BIN)/python -m infra.spec.introspect README.md

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mutation

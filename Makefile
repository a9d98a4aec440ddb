# Two commands set up a fresh clone: `make plan` (the main job) and `make test`.
# Both create .venv once and reuse it. It is rebuilt when pyproject.toml changes, and also when it was made
# by another Python than $(PYTHON) (or its interpreter is gone), which would otherwise stick until `make clean`.
# Recipes are silent, so `make graph > fabric.mmd` holds only the diagram; setup messages go to stderr.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

WANT_PY := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
HAVE_PY := $(shell $(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
ifneq ($(WANT_PY),$(HAVE_PY))
  # A venv of another Python (or a broken one): rebuild it from scratch.
  $(shell rm -f $(STAMP))
  REBUILD := 1
endif

.PHONY: plan validate test bench graph readme mutation clean

$(STAMP): pyproject.toml
	@echo "Setting up $(VENV) with Python $(WANT_PY) (once; about a minute)..." >&2
	@if [ -n "$(REBUILD)" ] && [ -d $(VENV) ]; then echo "  $(VENV) was made by Python '$(HAVE_PY)': rebuilding it" >&2; rm -rf $(VENV); fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --progress-bar off --upgrade pip >&2
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --progress-bar off -e '.[dev]' >&2
	@$(BIN)/python -m infra.sdk_loading >&2
	@touch $(STAMP)

plan: $(STAMP)
	@$(BIN)/fabric plan --all

validate: $(STAMP)
	@$(BIN)/fabric validate --all

graph: $(STAMP)
	@$(BIN)/fabric graph --all --format mermaid

test: $(STAMP)
	@$(BIN)/python -m pytest -n auto

# About 7.5 minutes on a 2-core machine (451 s measured idle); it prints each step as it starts (README,
# "How the offline engine works").
bench: $(STAMP)
	@$(BIN)/python -m bench

# Mutation testing of the rule code (tools/mutation/config.toml): before a release, not in CI.
# MODULES=infra/invariants/compute.py (space- or comma-separated) runs some modules only.
mutation: $(STAMP)
	$(BIN)/python -m tools.mutation $(if $(MODULES),--modules $(MODULES)) $(if $(FAIL_UNDER),--fail-under $(FAIL_UNDER))

readme: $(STAMP)
	@$(BIN)/python -m infra.spec.introspect README.md
	@$(BIN)/python -m infra.invariants.reference README.md
	@$(BIN)/python -m tools.mutation.readme README.md

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mutation

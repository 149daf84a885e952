# The two commands a new user needs: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test demo bench install clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make: $(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	@echo "make: creating $(VENV) with $(PYTHON)"
	@$(PYTHON) -m venv $(VENV)

# pip and setuptools print hundreds of warnings while building; they go to a log, shown on failure.
PIP := $(BIN)/pip install --quiet --disable-pip-version-check
LOG := $(VENV)/install.log
$(STAMP): $(BIN)/python pyproject.toml
	@echo "make: installing Nudge and its dependencies (log: $(LOG))"
	@$(PIP) --upgrade pip > $(LOG) 2>&1 || { tail -n 30 $(LOG); exit 1; }
	@$(PIP) -e '.[dev]' >> $(LOG) 2>&1 || { tail -n 30 $(LOG); exit 1; }
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@$(BIN)/nudge run

# One pytest worker per core (pytest-xdist); each worker gets its own scratch databases.
test: $(STAMP)
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

demo: $(STAMP)
	$(BIN)/nudge demo

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_segments.py
	$(BIN)/python benchmarks/bench_send.py
	$(BIN)/python benchmarks/bench_report.py

clean:
	rm -rf $(VENV) build *.egg-info

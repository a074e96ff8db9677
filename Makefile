# Every target sets itself up: a fresh clone needs only Python 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast bench lint fuzz load clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/python -m pip install --upgrade pip >/dev/null
	$(BIN)/python -m pip install -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/streamlit run app.py --server.port 8501 --server.address localhost

test: $(STAMP)
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not browser"

bench: $(STAMP)
	$(BIN)/python -m optim_lab bench

lint: $(STAMP)
	$(BIN)/ruff check .

# the long fuzz run of the formula parser (≥ 100 000 inputs; FUZZ_N=… FUZZ_SEED=… to change)
fuzz: $(STAMP)
	$(BIN)/python -m pytest -q -s tests/fuzz_formula.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

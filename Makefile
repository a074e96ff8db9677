# Every target sets itself up: a fresh clone needs only Python 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast bench bench-ui lint fuzz load load-class worst clean

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

# live controls in headless Chromium: input → chart p50/p95 of the live control against the classic
# slider's rerun (same run), websocket frames while the thumb moves, reruns after release, payload per view
bench-ui: $(STAMP)
	$(BIN)/python -m tests.load.live_bench

lint: $(STAMP)
	$(BIN)/ruff check .

# the long fuzz run of the formula parser (≥ 100 000 inputs; FUZZ_N=… FUZZ_SEED=… to change)
fuzz: $(STAMP)
	$(BIN)/python -m pytest -q -s tests/surfaces/fuzz_formula.py

# a class of 10 on one server: the server's share (websocket clients replaying a recorded demo), real
# headless browsers on this machine, then 10 trainings on the training lab, then 10 students on uncached
# views of the real network and large maps, while others race on the 2-D pages; latency p50/p95, server
# memory, errors (needs Debian chromium or chromium-headless-shell; THINK=0 ARRIVE=0 for the burst where
# everybody clicks at once; TRAINERS=0 skips the trainings, HEAVY=0 the heavy pages)
load: $(STAMP)
	$(BIN)/python -m tests.load.class_demo --sessions 10 --think $(or $(THINK),3) --arrive $(or $(ARRIVE),10) --trainers $(or $(TRAINERS),10) --heavy $(or $(HEAVY),10)

# a class that follows its teacher: 1 teacher + 60 followers + 10 free students (websocket clients), follow latency,
# free students' latency, CPU per follower, memory; then the same with Redis and two server processes (Debian redis-server)
load-class: $(STAMP)
	$(BIN)/python -m tests.load.classroom --followers $(or $(FOLLOWERS),60) --free $(or $(FREE),10)
	$(BIN)/python -m tests.load.classroom --followers $(or $(FOLLOWERS),60) --free $(or $(FREE),10) --redis

# the worst allowed reruns of the pages: server time and extra memory (2-D pages ≤ 2 s; the training
# lab's worst allowed run ≤ 10 s)
worst: $(STAMP)
	$(BIN)/python -m tests.load.worst_case

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

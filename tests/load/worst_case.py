"""The worst allowed rerun: server time and extra memory of real page runs.

Each case is a URL built from the largest values the controls allow (8
optimizers, 2000 steps, 200 samples with batch size 1, the surfaces whose
critical-point search is most expensive).  Every case runs in a fresh process
through Streamlit's AppTest (the real page scripts): one warm-up run with the
page's defaults, then the worst URL, timed; memory is the process's peak RSS
(VmHWM) minus its RSS after the warm-up.  Targets: ≤ 2 s for the 2-D pages and
≤ 200 MB; each case prints its own time target.

The training lab's runs are jobs of the worker pool (`optim_lab.jobs`): its page's own run is
held to the 2-D pages' 2 s, and each run it asks for to its own target: the worst allowed
training run takes ≤ 10 s in its worker process.  Its URL is the bench's
`train-worst` run (`optim_lab.training.bench.worst_config`) in the page's own
controls: the largest batch size the page offers below the bench's, the samples
slider set so that every epoch still makes MAX_UPDATES / epochs updates: one run alone, and
every run the page allows (each a different learning rate, so none is a cache hit, plus the BN
view's counterpart), queued on the pool's workers.

Run: `make worst` (or `python -m tests.load.worst_case`).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_EIGHT = {f"o{i}": o for i, o in enumerate(["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "nadam", "adadelta"], 1)}


def training_worst_query(n_runs: int, twin: bool) -> dict[str, str]:
    """The page's URL for `n_runs` copies of the worst run its controls allow, learning rates apart."""
    from dataclasses import replace

    from optim_lab.training.bench import worst_config
    from optim_lab.training.presets import TrainPreset
    from ui.sections.training_lab.calc import BATCH_OPTIONS, preset_params

    base = worst_config(tuple(int(b) for b in BATCH_OPTIONS if b != "full")).checked()
    lr = base.racer.resolved_lr()
    runs = tuple(replace(base, racer=replace(base.racer, lr=lr * f)).checked() for f in (1, 0.5, 2, 3)[:n_runs])
    q = preset_params(TrainPreset("worst", runs, ("",) * n_runs, lambda recs: {}))
    if twin:
        q["bnv"] = "1"  # the BN view trains run 1's counterpart as well
    return q


# name → (page, URL query, time target in seconds; for the full training lab: per trained run)
CASES = {
    "playground · logreg N=200, 8 optimizers, B=1, 2000 steps": (
        "pages/playground.py",
        {"surface": "logreg", "s_n": "200", "steps": "2000", "n": "8", **_EIGHT, **{f"o{i}_bs": "1" for i in range(1, 9)}}, 2.0,
    ),
    "playground · ackley (400 critical points), 8 optimizers, 2000 steps": (
        "pages/playground.py", {"surface": "ackley", "steps": "2000", "n": "8", **_EIGHT}, 2.0,
    ),
    "playground · rastrigin, 8 optimizers, 2000 steps, 3-D": (
        "pages/playground.py", {"surface": "rastrigin", "steps": "2000", "n": "8", "view3d": "1", **_EIGHT}, 2.0,
    ),
    "batches · logreg N=200, B=1, 2000 steps": (
        "pages/batch-momentum.py", {"part": "batches", "surface": "logreg", "s_n": "200", "steps": "2000", "bs": "1", "k": "1999"}, 2.0,
    ),
    "momentum · rastrigin, 2000 steps, book + PyTorch": (
        "pages/batch-momentum.py", {"part": "momentum", "surface": "rastrigin", "steps": "2000", "m_pt": "1", "k": "1000"}, 2.0,
    ),
    "adaptive · every optimizer on, 2000 steps": (
        "pages/adaptive-lr.py", {"surface": "long-valley", "gd": "1", "agb": "1", "agd": "1", "agt": "1", "rmb": "1", "rmt": "1",
                                 "adam": "1", "steps": "2000", "k": "1999"}, 2.0,
    ),
    "schedule · one-cycle, 2000 steps": ("pages/lr-schedule.py", {"steps": "2000"}, 2.0),
    "classification · 2 optimizers, 2000 steps": ("pages/classification.py", {"steps": "2000", "n": "2"}, 2.0),
    "normalization · BN B=128 × 100 batches": ("pages/normalization.py", {"bn_bs": "128", "bn_n": "100", "steps": "2000"}, 2.0),
    "critical points · escape, 2 × 2000 steps": (
        "pages/critical-points.py", {"surface": "textbook-saddle", "x0": "-0.5", "y0": "0.5", "steps": "2000", "esc": "1"}, 2.0,
    ),
    "training lab · the worst allowed run (bench's train-worst), alone": (
        "pages/training-lab.py", training_worst_query(1, twin=False), 10.0,
    ),
    "training lab · 4 worst runs + the BN view's counterpart": (
        "pages/training-lab.py", training_worst_query(4, twin=True), 10.0,
    ),
}


def _rss(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _trained_runs() -> dict:
    """The training runs the worker pool of this process has finished (the shared cache), by key."""
    from optim_lab.jobs import POOL
    from optim_lab.training.train import RunRecord

    with POOL._cond:
        return {k: j.result for k, j in POOL._finished.items() if isinstance(j.result, RunRecord)}


def _drain() -> None:
    """Wait until the pool has run every job the page asked for (nobody polls here, so nobody may
    leave: the queue's abandonment is switched off for this process)."""
    from optim_lab.jobs import POOL

    POOL.abandon_after = float("inf")
    with POOL._cond:
        while POOL._queue or POOL._running:
            POOL._cond.wait(0.5)


def child(page: str, query: dict) -> None:
    """Runs in a fresh process; prints one JSON line."""
    from streamlit.testing.v1 import AppTest

    def make(q):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        at.query_params["lang"] = "zh"
        for k, v in q.items():
            at.query_params[k] = v
        at.switch_page(page)
        return at

    make({}).run()  # warm-up: imports, torch, one default run
    _drain()  # (and the default run's jobs, so that they are not counted as the case's)
    base = _rss("VmRSS")
    before = _trained_runs()
    at = make(query)
    t0, c0 = time.perf_counter(), time.process_time()
    at.run()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    _drain()
    # runs this URL trained (none was in the cache before it): each one's own time and whether it ran to the end
    runs = [{"seconds": r.seconds, "updates": r.updates, "planned": r.config.total_updates, "epochs": len(r.epochs),
             "batch": r.config.batch_size, "finished": r.finished and r.diverged_at is None}
            for key, r in _trained_runs().items() if key not in before]
    print(json.dumps({"seconds": seconds, "cpu": cpu, "extra_mb": _rss("VmHWM") - base, "runs": runs,
                      "exceptions": [e.value for e in at.exception], "errors": [e.value for e in at.error],
                      "ignored": [w.value for w in at.warning if "ignored" in w.value or "无效" in w.value]}))


def verdict(page: str, query: dict, target: float, r: dict) -> tuple[bool, str]:
    """(within target, what is shown after the time).  A training-lab case must train every run
    its URL asks for, to the end; with one run the page's time is held to the target, with
    several each run's own time is."""
    if not page.endswith("training-lab.py"):
        return r["seconds"] <= target, f"target ≤ {target:g} s"
    page_ok = r["seconds"] <= 2.0
    runs = r["runs"]
    wanted = int(query.get("n", 1)) + (1 if query.get("bnv") == "1" else 0)
    slowest = max((x["seconds"] for x in runs), default=float("nan"))
    full = len(runs) == wanted and all(x["finished"] and x["updates"] == x["planned"] for x in runs)
    shape = ", ".join(sorted({f"{x['epochs']} epochs × {x['updates'] // max(1, x['epochs'])} updates of B={x['batch']}"
                              for x in runs}))
    each = " + ".join(f"{x['seconds']:.1f}" for x in runs)
    note = f"{len(runs)}/{wanted} runs trained ({shape}): {each} s, slowest {slowest:.2f} s"
    return page_ok and full and slowest <= target, f"target page ≤ 2 s, each run ≤ {target:g} s; {note}"


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], json.loads(sys.argv[3]))
        return 0
    print("worst allowed reruns (fresh process each; time of the run and the process's CPU time in it, "
          "peak RSS above the warmed process)")
    ok = True
    for name, (page, query, target) in CASES.items():
        out = subprocess.run([sys.executable, "-m", "tests.load.worst_case", "--child", page, json.dumps(query)],
                             cwd=ROOT, capture_output=True, text=True, timeout=600)
        line = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
        if not line:
            print(f"  {name}: FAILED\n{out.stderr[-2000:]}")
            ok = False
            continue
        r = json.loads(line[-1])
        fast, note = verdict(page, query, target, r)
        good = fast and r["extra_mb"] <= 200 and not r["exceptions"] and not r["ignored"]
        ok &= good
        print(f"  {name:<70} {r['seconds']:5.2f} s (CPU {r['cpu']:5.2f} s)  +{r['extra_mb']:5.0f} MB  {'ok' if good else 'OVER'}  ({note})"
              + (f"  exceptions: {r['exceptions']}" if r["exceptions"] else "") + (f"  errors: {r['errors']}" if r["errors"] else "") + (f"  URL not understood: {r['ignored']}" if r["ignored"] else ""),
              flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""The worst allowed rerun: server time and extra memory of real page runs.

Each case is a URL built from the largest values the controls allow (8
optimizers, 2000 steps, 200 samples with batch size 1, the surfaces whose
critical-point search is most expensive).  Every case runs in a fresh process
through Streamlit's AppTest (the real page scripts): one warm-up run with the
page's defaults, then the worst URL, timed; memory is the process's peak RSS
(VmHWM) minus its RSS after the warm-up.  Targets: ≤ 2 s and ≤ 200 MB.

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
CASES = {
    "playground · logreg N=200, 8 optimizers, B=1, 2000 steps": (
        "pages/playground.py",
        {"surface": "logreg", "s_n": "200", "steps": "2000", "n": "8", **_EIGHT, **{f"o{i}_bs": "1" for i in range(1, 9)}},
    ),
    "playground · ackley (400 critical points), 8 optimizers, 2000 steps": (
        "pages/playground.py", {"surface": "ackley", "steps": "2000", "n": "8", **_EIGHT},
    ),
    "playground · rastrigin, 8 optimizers, 2000 steps, 3-D": (
        "pages/playground.py", {"surface": "rastrigin", "steps": "2000", "n": "8", "view3d": "1", **_EIGHT},
    ),
    "batches · logreg N=200, B=1, 2000 steps": (
        "pages/batch-momentum.py", {"part": "batches", "surface": "logreg", "s_n": "200", "steps": "2000", "bs": "1", "k": "1999"},
    ),
    "momentum · rastrigin, 2000 steps, book + PyTorch": (
        "pages/batch-momentum.py", {"part": "momentum", "surface": "rastrigin", "steps": "2000", "m_pt": "1", "k": "1000"},
    ),
    "adaptive · every optimizer on, 2000 steps": (
        "pages/adaptive-lr.py", {"surface": "long-valley", "gd": "1", "agb": "1", "agd": "1", "agt": "1", "rmb": "1", "rmt": "1",
                                 "adam": "1", "steps": "2000", "k": "1999"},
    ),
    "schedule · one-cycle, 2000 steps": ("pages/lr-schedule.py", {"steps": "2000"}),
    "classification · 2 optimizers, 2000 steps": ("pages/classification.py", {"steps": "2000", "n": "2"}),
    "normalization · BN B=128 × 100 batches": ("pages/normalization.py", {"bn_bs": "128", "bn_n": "100", "steps": "2000"}),
    "critical points · escape, 2 × 2000 steps": (
        "pages/critical-points.py", {"surface": "textbook-saddle", "x0": "-0.5", "y0": "0.5", "steps": "2000", "esc": "1"},
    ),
}


def _rss(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child(page: str, query: dict) -> None:
    """Runs in a fresh process; prints one JSON line."""
    from streamlit.testing.v1 import AppTest

    def make(q):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.query_params["lang"] = "zh"
        for k, v in q.items():
            at.query_params[k] = v
        at.switch_page(page)
        return at

    make({}).run()  # warm-up: imports, torch, one default run
    base = _rss("VmRSS")
    at = make(query)
    t0 = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "extra_mb": _rss("VmHWM") - base,
                      "exceptions": [e.value for e in at.exception], "errors": [e.value for e in at.error],
                      "ignored": [w.value for w in at.warning if "ignored" in w.value or "无效" in w.value]}))


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], json.loads(sys.argv[3]))
        return 0
    print("worst allowed reruns (fresh process each; time of the run, peak RSS above the warmed process)")
    ok = True
    for name, (page, query) in CASES.items():
        out = subprocess.run([sys.executable, "-m", "tests.load.worst_case", "--child", page, json.dumps(query)],
                             cwd=ROOT, capture_output=True, text=True, timeout=600)
        line = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
        if not line:
            print(f"  {name}: FAILED\n{out.stderr[-2000:]}")
            ok = False
            continue
        r = json.loads(line[-1])
        good = r["seconds"] <= 2.0 and r["extra_mb"] <= 200 and not r["exceptions"] and not r["ignored"]
        ok &= good
        print(f"  {name:<70} {r['seconds']:5.2f} s  +{r['extra_mb']:5.0f} MB  {'ok' if good else 'OVER'}"
              + (f"  exceptions: {r['exceptions']}" if r["exceptions"] else "") + (f"  errors: {r['errors']}" if r["errors"] else "") + (f"  URL not understood: {r['ignored']}" if r["ignored"] else ""))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

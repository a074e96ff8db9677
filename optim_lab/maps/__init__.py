"""Maps: thousands of runs in one batched call, drawn as one picture.

- `basins`  — a grid of starts over the view box: which minimum each start ends in, and how fast;
- `sweep`   — a grid of two hyper-parameters from one start: final loss, divergence, speed;
- `fractal` — the trainability boundary of a tiny real network (two learning rates);
- `bench`   — how much the batching buys (`bench_rows`).

Pure: torch, numpy and the standard library; the page and the command line call the same functions.
"""

"""Inside the real network (issue #12): the chapter's 2-D quantities measured on real networks.

`hessian` (Hessian-vector products, λ_max by power iteration, the full spectrum),
`sharpness` (λ_max every k updates, a hook of the one training loop), `trace` (a run with
the hooks these views need), `runs` (a training-lab run traced), `experiments` (edge of
stability, sharp vs flat minima), `ratio` (the minimum
ratio of many small networks driven to ‖g‖ ≈ 0), `landscape` (2-D slices of the loss
around trained weights), `bench` (rows for `python -m optim_lab bench`).
Pure: torch, numpy and the standard library only.
"""

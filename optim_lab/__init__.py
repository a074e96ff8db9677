"""Optimizer Lab's stepping engine.

θ_{t+1} = θ_t − (η_t/σ_t) ⊙ m_t, written once (`optim_lab.engine`) and run on a
(K, 2) tensor of K trajectories.  Pure: imports torch, numpy and the standard
library only, never prints, never caches.
"""

"""A race as the downloads hand it out: the engine's one CSV/JSON writer
(`optim_lab.export`, the same as `run --format csv|json`), fed with the page's names,
its surface's axes and each racer's settings."""

from __future__ import annotations

from optim_lab import export
from ui.common.result import Race


def _trajectories(race: Race) -> list[export.Trajectory]:
    trajs = export.trajectories(race.result, race.names, cut=True)
    for traj, cfg in zip(trajs, race.configs, strict=True):
        traj.extra = {"config": cfg.as_dict()}
    return trajs


def race_csv(race: Race) -> str:
    """One line per racer and usable step: θ_k, L(θ_k), ‖∇L(θ_k)‖, η_k (empty for k = 0)."""
    return export.to_csv(_trajectories(race), axes=race.spec.axes)


def race_json(race: Race) -> str:
    """The settings of the race and every trajectory up to its divergence."""
    meta = {"surface": race.surface, "params": race.params, "start": list(race.start), "steps": race.steps, "seed": race.seed}
    return export.to_json(meta, _trajectories(race))

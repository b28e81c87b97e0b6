"""Theory against a user's own runs: each stored configuration beside its theory.

``compare(results)`` takes what ``superdyn train --out DIR`` (or ``reproduce``) stored and
draws, per model, the seed mean of every configuration (solid), coloured by the parameter
that varies, with

* linear runs: the exact expected loss of online SGD at the run's lr and batch
  (``superdyn.numerics.sgd_loss``; gradient flow, ``superdyn.numerics.exact_loss``, for AdamW, where no
  theory of the optimiser exists, and as the fallback when the lr is unstable);
* superposition runs: the exact no-superposition loss of the same task (dash-dot), and the
  exact linear-superposition loss for the run's own W (dashed; ``superdyn.numerics.linear_superposition``,
  W regenerated from the seed exactly as the trainer draws it on the CPU);

and the fitted exponent with its uncertainty in the legend (``superdyn.verify.analyse.measure``: the Eq. 9
fit on the learning-front window without superposition, the plateau-free window with it).
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from superdyn.theory.errors import InvalidInput

from ...analyse.measure import learning_front_window, mean_loss_curve, measure_exponent
from ...run.config import MODEL_NAMES, RunConfig
from .figures import seed_band
from .style import LOSS_LABEL, MEASURED, THEORY, TIME_LABEL, new_figure, parameter_colours, positive, styled

__all__ = ["compare", "group_runs"]

_CONFIG = [f.name for f in fields(RunConfig) if f.name != "snapshot_times"]
#: line style of the no-superposition theory beside a superposition run's own theory
_OTHER_THEORY = {"ls": "-.", "lw": 0.9, "alpha": 0.8}
_FW_MODELS = ("superposition",)  # models whose W is fixed at its initial draw


def group_runs(frame: pd.DataFrame) -> list:
    """[(RunConfig of seed 0's kind, [(t, loss) per seed])]: completed runs grouped over seeds."""
    done = frame[frame["status"] == "completed"]
    if done.empty:
        raise InvalidInput("no completed run to compare (every run diverged or failed)")
    groups: dict = {}
    for _, run in done.groupby("run", sort=False):
        first = run.iloc[0]
        config = RunConfig(**{name: _plain(first[name]) for name in _CONFIG if name in run.columns})
        key = config.replace(seed=0)
        groups.setdefault(key, []).append((config, (run["t"].to_numpy(float), run["loss"].to_numpy(float))))
    return [(configs[0][0], [curve for _, curve in configs]) for configs in groups.values()]


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def _varying(configs) -> list:
    return [name for name in _CONFIG if name != "seed" and len({getattr(c, name) for c in configs}) > 1]


def _label(config: RunConfig, varying) -> str:
    return (
        ", ".join(
            f"{n}={getattr(config, n):g}"
            if isinstance(getattr(config, n), float | int)
            else f"{n}={getattr(config, n)}"
            for n in varying
        )
        or config.model
    )


def own_theory(config: RunConfig, t):
    """(loss, label) of the theory of a run's own configuration, or None where there is none."""
    from superdyn.numerics import exact_loss, linear_superposition, sgd_loss

    from ...run.models.superposition import run_embedding  # torch, only for W

    task = config.task
    if config.model == "linear":
        if config.optimizer == "sgd" and config.weight_decay == 0:
            covariance = "exact" if config.n_features <= 2048 else "diagonal"
            try:
                return sgd_loss(
                    task, t, lr=config.lr, batch_size=config.batch_size, covariance=covariance
                ).loss, "exact SGD theory at the run's lr, batch"
            except ValueError:  # an lr beyond the stability limit: the SGD expectation diverges
                pass
        return exact_loss(task, t).loss, "gradient-flow theory (exact)"
    if config.model in _FW_MODELS and config.n_features <= 4096:
        if config.readout == "linear":  # the run's own model: discrete GD, the inputs' exact Sigma
            curve = linear_superposition(task, run_embedding(config), t, covariance="exact", lr=config.lr)
            return curve.loss, "exact linear superposition at the run's lr, same W"
        return linear_superposition(
            task, run_embedding(config), t
        ).loss, "linear superposition, same W (exact)"
    return None


@styled
def compare(results, theory: bool = True, *, by: str | None = None, title: str = "") -> Figure:
    """Each stored configuration's seed-mean loss (solid) beside its theory (dashed).

    Parameters
    ----------
    results : pandas.DataFrame or path
        ``verify.load_results`` output, or a result store / reproduction folder.
    theory : bool
        Draw the theory curves.
    by : str, optional
        The RunConfig field that sets the colour; default: the one field (other than the
        seed) that varies, else each configuration its own colour.
    title : str

    Returns
    -------
    matplotlib.figure.Figure
        One panel per model, sharing the loss axis.

    Raises
    ------
    ValueError
        No completed run, or ``by`` not a RunConfig field.
    """
    if not isinstance(results, pd.DataFrame):
        from ...store import load_results

        results = load_results(Path(results))
    groups = group_runs(results)
    if by is not None and by not in _CONFIG:
        raise InvalidInput(f"by must be a RunConfig field ({', '.join(_CONFIG)}), got {by!r}")
    models = sorted({c.model for c, _ in groups}, key=MODEL_NAMES.index)
    fig, axes = new_figure(len(models), height=2.7, sharey=True)
    for ax, model in zip(axes, models, strict=True):
        mine = [(c, curves) for c, curves in groups if c.model == model]
        varying = [by] if by else _varying([c for c, _ in mine])
        mine.sort(key=lambda group: tuple(getattr(group[0], name) for name in varying))
        keys = [getattr(c, varying[0]) if len(varying) == 1 else i for i, (c, _) in enumerate(mine)]
        drawn = []  # the kinds of theory drawn in this panel, one legend key each
        numeric = all(isinstance(k, int | float) for k in keys)
        colour, mapper = parameter_colours([float(k) for k in keys] if numeric else range(len(keys)))
        for key_index, (config, curves) in enumerate(mine):
            colour_of = colour[float(keys[key_index]) if numeric else float(key_index)]
            drawn.append(_draw_group(ax, config, curves, colour_of, _label(config, varying), theory))
        if mapper is not None:
            fig.colorbar(mapper, ax=ax, label=varying[0] if len(varying) == 1 else "configuration")
        ax.set(
            xscale="log",
            yscale="log",
            xlabel=TIME_LABEL,
            title=title or f"{model} (N = {mine[0][0].n_features})",
        )
        _style_legend(ax, model, theory, [kind for kind in dict.fromkeys(drawn) if kind])
    axes[0].set_ylabel(LOSS_LABEL)
    return fig


def _draw_group(ax, config: RunConfig, curves, colour, label: str, theory: bool) -> str | None:
    """Draw one configuration's seed mean (and its theory); return the theory's label, if any."""
    mean = mean_loss_curve(curves)
    t, loss = mean.t, mean.loss
    window = None  # the plateau-free window: with superposition, or where N is too small for a front
    if config.model == "linear":
        try:
            window = learning_front_window(config.task)
        except ValueError:
            pass
    measured = measure_exponent(curves, window)
    if np.isfinite(measured.alpha):
        label += rf": $\alpha$ = {measured.alpha:.3f} ± {measured.uncertainty:.2g}"
    seeds = f" ({len(curves)} seeds)" if len(curves) > 1 else ""
    ax.plot(*positive(t, loss), color=colour, label=label + seeds, **MEASURED)
    seed_band(ax, mean, colour)
    if not theory:
        return None
    own = own_theory(config, t)
    if own is not None:
        ax.plot(*positive(t, own[0]), color=colour, **THEORY)
    if config.model != "linear":
        from superdyn.numerics import exact_loss

        ax.plot(*positive(t, exact_loss(config.task, t).loss), color=colour, **_OTHER_THEORY)
    return own[1] if own is not None else None


def _style_legend(ax, model: str, theory: bool, kinds) -> None:
    """The panel's legend: its runs, then one black key per kind of theory drawn in it."""
    handles, _ = ax.get_legend_handles_labels()
    for label in kinds:
        handles += ax.plot([], [], "k", label=label, **THEORY)
    if theory and model != "linear":
        handles += ax.plot([], [], "k", label="no superposition, same task (exact)", **_OTHER_THEORY)
    ax.legend(handles=handles, loc="lower left")

"""fig7, fig13 (and fig14): loss against compute, the optimal frontier, the plateau against K.

Paper Section 4.3 and Appendix A.4, a = 1.1, b = 0, a sweep of widths K. Compute is
C = t K^2. Methods (stated before measuring):

* frontier: every curve is interpolated linearly in (ln C, ln L) onto a common grid of C;
  L*(C) = min over K; K_opt(C) by a parabola through ln L at the best K and its two
  neighbours in ln K (only where the best K is not at the edge of the sweep). The exponent
  of K_opt ∝ C^x is the OLS slope of ln K_opt on ln C. Interpolated frontier points are
  not independent, so its uncertainty is a jackknife over widths (the slope recomputed
  with each width left out). Fewer than ``MIN_INTERIOR_WIDTHS`` distinct interior best
  widths cannot fix an exponent: the claim is then inconclusive.
* plateau: the mean loss over the last 20% (in ln t) of each curve. A width counts only
  once its plateau is reached: the local exponent over that stretch is below
  ``FLAT_EXPONENT``. K = N is left out (a square W has no capacity floor). beta is minus
  the OLS slope of ln L_plateau on ln K over the widths that count; with fewer than three
  the claim is inconclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from superdyn.numerics import local_exponent_profile
from superdyn.numerics.fit import ols
from superdyn.theory.errors import InvalidInput
from superdyn.theory.paper_values import PAPER

from ..analyse.local import seed_local_exponent
from ..analyse.registered import ClaimSpec, Measurement, NotMeasured
from ..present import plots
from .base import Analysis, Experiment, StoredRuns
from .setup import count, setting
from .superposition import SCALES_SUPERPOSITION, SuperpositionScale, superposition_configs

__all__ = ["FIG7", "FIG13", "SCALES_COMPUTE", "ComputeScale", "frontier", "plateau_losses"]


@dataclass(frozen=True)
class ComputeScale:
    """The width sweep at one scale. N, batch and evaluation set are those of the superposition
    runs of the same scale, so the runs at the widths they share (a = 1.1, b = 0, seed 0) are
    trained once."""

    n: int = setting("N = {}", source=1024)
    point: tuple = setting("(a, b) = {}", show=lambda ab: f"({ab[0]:g}, {ab[1]:g})", source=(1.1, 0.0))
    widths: tuple = setting("K in {}", source=(32, 64, 128, 256, 512, 1024))
    seeds: tuple = setting("{}", show=count("seed"))
    batch: int = setting("batch {}")
    eval: int = setting("evaluation set {}")
    t_end: float = setting("t <= {}")
    lr: float | None = setting("lr = {} (the largest lr-invariance passed)", default=None)

    @classmethod
    def sharing(cls, runs: SuperpositionScale, widths: tuple, t_end: float) -> ComputeScale:
        return cls(
            n=runs.n,
            point=(1.1, 0.0),
            widths=widths,
            seeds=(0,),
            batch=runs.batch,
            eval=runs.eval,
            t_end=t_end,
        )


SCALES_COMPUTE = {
    scale: ComputeScale.sharing(SCALES_SUPERPOSITION[scale], widths, t_end)
    for scale, widths, t_end in (
        ("tiny", (8, 16, 32), 3e3),
        ("quick", (32, 64, 128, 256), 1e4),
        ("medium", (32, 64, 128, 256, 512), 3e4),
        ("paper", (32, 64, 128, 256, 512, 1024), 1e6),
    )
}
#: t to 1e6 on a CPU: nine widths 1.5x apart (three interior optima need at least five), at
#: lr = 2, the largest lr whose loss and exponent the medium lr-invariance check found
#: unchanged at (1.1, 0) for K = 128 and 512 and batches 64 and 1024 (lr = 4 raised the loss
#: 2.7-10x); 5e5 steps per run.
LONG_LR = 2.0
SCALES_COMPUTE["long"] = replace(
    SCALES_COMPUTE["medium"], widths=(32, 48, 64, 96, 128, 192, 256, 384, 512), t_end=1e6, lr=LONG_LR
)
#: superdyn's tolerances and rules, fixed before measuring.
KOPT_TOLERANCE, BETA_TOLERANCE = 0.05, 0.1
PLATEAU_SHARE, FLAT_EXPONENT = 0.2, 0.1
MIN_INTERIOR_WIDTHS, MIN_PLATEAU_WIDTHS = 3, 3


def _plan(setup: ComputeScale):
    runs = superposition_configs(
        setup, widths=setup.widths, grid=(setup.point,), seeds=setup.seeds, lr=setup.lr
    )
    return {"runs": runs}


def _claims_frontier(plan) -> list:
    quoted = PAPER["fig14_kopt_exponent"]
    return [
        ClaimSpec.quoting(
            quoted,
            experiment="fig7",
            key="kopt-exponent",
            statement="The compute-optimal width grows as K_opt ∝ C^x",
            criterion=f"superdyn's tolerance {KOPT_TOLERANCE} (or 2 sigma, jackknife over widths); at least "
            f"{MIN_INTERIOR_WIDTHS} distinct interior optima",
            tolerance=KOPT_TOLERANCE,
        )
    ]


def _claims_plateau(plan) -> list:
    quoted = PAPER["fig13_beta"]
    return [
        ClaimSpec.quoting(
            quoted,
            experiment="fig13",
            key="beta",
            statement="The final plateau loss scales as K^-beta",
            criterion=f"superdyn's tolerance {BETA_TOLERANCE} (or 2 sigma), over at least "
            f"{MIN_PLATEAU_WIDTHS} widths K < N whose plateau is reached",
            tolerance=BETA_TOLERANCE,
        )
    ]


def frontier(curves, n_grid=60):
    """The optimal-compute frontier of curves {K: (C, L)}.

    On a log grid over the union of the compute ranges, the frontier is
    L*(C) = min_K min_{C' <= C} L_K(C'): with compute C a width reaches the lowest loss it
    had at any compute up to C (training can stop; its run ends at its last loss), so L* is
    a lower envelope and never rises. K_opt is interpolated where the best width, among
    those measured at C, and both its neighbours were measured (NaN elsewhere, and at the
    sweep's edges).

    Returns
    -------
    grid, best_loss, k_opt : ndarray
        C grid, L*(C), and the interpolated K_opt.
    """
    widths = sorted(curves)
    if len(widths) < 2:
        raise InvalidInput(f"a frontier needs at least two widths, got {len(widths)}")
    spans = [np.log(curves[k][0][[0, -1]]) for k in widths]
    grid = np.linspace(min(s[0] for s in spans), max(s[1] for s in spans), n_grid)
    logs = np.full((len(widths), n_grid), np.nan)
    for row, k in enumerate(widths):
        inside = (grid >= spans[row][0]) & (grid <= spans[row][1])
        logs[row, inside] = np.interp(grid[inside], np.log(curves[k][0]), np.log(curves[k][1]))
    best = np.nanargmin(np.where(np.isnan(logs), np.inf, logs), axis=0)
    reached = np.full_like(logs, np.inf)  # the lowest loss each width has reached by compute C
    for row in range(len(widths)):
        started = ~np.isnan(logs[row]) | (grid > spans[row][1])
        held = np.where(np.isnan(logs[row]), np.inf, logs[row])
        reached[row, started] = np.minimum.accumulate(held[started])
    envelope = np.exp(reached.min(axis=0))
    ln_k = np.log(widths)
    k_opt = np.full(n_grid, np.nan)
    for j, i in enumerate(best):
        if 0 < i < len(widths) - 1 and np.all(np.isfinite(logs[i - 1 : i + 2, j])):
            x, y = ln_k[i - 1 : i + 2], logs[i - 1 : i + 2, j]
            c2, c1, _ = np.polyfit(x, y, 2)
            k_opt[j] = np.exp(-c1 / (2 * c2)) if c2 > 0 else np.exp(x[1])
    return np.exp(grid), envelope, k_opt


def plateau_losses(t, loss):
    """(mean loss over the last PLATEAU_SHARE of ln t, local exponent there)."""
    keep = t > 0
    t, loss = t[keep], loss[keep]
    late = np.log(t) >= np.log(t[-1]) - PLATEAU_SHARE * (np.log(t[-1]) - np.log(t[0]))
    profile = local_exponent_profile(t, loss)
    return float(loss[late].mean()), float(np.mean(profile.alpha[profile.t >= t[late][0]]))


def _curves(results, plan):
    """{K: (t, L)}: each width's mean loss over its completed seeds (arithmetic: the expected loss)."""
    out = {}
    for width, seeds in group_widths(results.completed(plan.configs)).items():
        mean = results.loss_curve(seeds, mean="arithmetic")
        out[width] = (mean.t, mean.loss)
    return out


def group_widths(configs) -> dict:
    """Configurations keyed by width (order kept)."""
    groups: dict = {}
    for config in configs:
        groups.setdefault(config.width, []).append(config)
    return groups


def kopt_exponent(compute) -> tuple:
    """(slope, intercept, distinct interior best widths, grid, best loss, K_opt) of the frontier."""
    grid, best, k_opt = frontier(compute)
    inside = np.isfinite(k_opt)
    widths = sorted(compute)

    def best_width(c):
        logs = [
            np.interp(np.log(c), np.log(compute[k][0]), np.log(compute[k][1]), left=np.inf, right=np.inf)
            for k in widths
        ]
        return int(np.argmin(logs))

    best_index = [best_width(c) for c in grid[inside]]
    distinct = len(set(best_index))
    if inside.sum() >= 3 and np.ptp(np.log(k_opt[inside])) > 0:
        slope, intercept, _, _ = ols(np.log(grid[inside]), np.log(k_opt[inside]))
    else:
        slope, intercept = np.nan, np.nan
    return slope, intercept, distinct, grid, best, k_opt


def _jackknife(compute) -> float:
    """Jackknife standard error of the K_opt exponent over widths (inf if a subset has no exponent)."""
    slopes = []
    for k in compute:
        rest = {w: v for w, v in compute.items() if w != k}
        if len(rest) < 3:
            return float("inf")
        slopes.append(kopt_exponent(rest)[0])
    slopes = np.array(slopes)
    if not np.all(np.isfinite(slopes)):
        return float("inf")
    n = slopes.size
    return float(np.sqrt((n - 1) / n * np.sum((slopes - slopes.mean()) ** 2)))


def _analyse_compute_frontier(results: StoredRuns, plan) -> Analysis:
    analysis = Analysis()
    curves = _curves(results, plan)
    if len(curves) < 3:
        analysis.measurements["kopt-exponent"] = NotMeasured("fewer than three widths completed; no frontier")
        return analysis
    compute = {k: (t * k**2, loss) for k, (t, loss) in curves.items()}
    slope, intercept, distinct, grid, best, k_opt = kopt_exponent(compute)
    inside = np.isfinite(k_opt)
    c_range = (grid[inside][0], grid[inside][-1]) if inside.any() else (np.nan, np.nan)
    undecided = ""
    if distinct < MIN_INTERIOR_WIDTHS:
        undecided = (
            f"the optimum is interior at only {distinct} distinct width(s) of {len(curves)} "
            f"(at least {MIN_INTERIOR_WIDTHS} are needed to fix an exponent)."
        )
    analysis.measurements["kopt-exponent"] = Measurement(
        value=slope,
        uncertainty=_jackknife(compute),
        method=f"parabolic K_opt on the frontier of {len(curves)} widths, OLS in ln C over "
        f"C in [{c_range[0]:.3g}, {c_range[1]:.3g}], jackknife over widths",
        undecided=undecided,
        context=f"The frontier has an interior optimum at {int(inside.sum())} of {grid.size} compute "
        f"values, at {distinct} distinct best width(s).",
    )
    analysis.figures.update(_frontier_figures(compute, grid, best, k_opt, slope, intercept))
    return analysis


def _frontier_figures(compute, grid, best, k_opt, slope, intercept) -> dict:
    """Fig. 7a (loss against compute, the frontier drawn) and, where an optimum is interior, Fig. 14."""
    inside = np.isfinite(k_opt)
    measured = [(c, loss, k) for k, (c, loss) in compute.items()]
    figures = {
        "fig7": plots.curves_figure(
            measured,
            colour_label="K",
            envelope=(grid, best),
            xlabel=r"compute $C = t K^2$",
            log_colour=True,
            title="Fig. 7a: loss against compute, a = 1.1, b = 0",
        )
    }
    if inside.any():
        fit = None
        if np.isfinite(slope):
            fit = (grid[inside], np.exp(intercept) * grid[inside] ** slope, f"slope {slope:.3f}")
        figures["fig14"] = plots.scaling_figure(
            grid[inside],
            k_opt[inside],
            fit=fit,
            xlabel=r"compute $C = t K^2$",
            ylabel=r"$K_{opt}$",
            title="Fig. 14: optimal width against compute",
        )
    return figures


def _analyse_plateau_scaling(results: StoredRuns, plan) -> Analysis:
    analysis = Analysis()
    curves = _curves(results, plan)
    n = plan.setup.n
    rows = []
    for k, (t, loss) in sorted(curves.items()):
        plateau, late_alpha = plateau_losses(t, loss)
        rows.append(
            {
                "K": k,
                "plateau_loss": plateau,
                "late_local_exponent": late_alpha,
                "plateau reached": bool(late_alpha < FLAT_EXPONENT),
                "counts": bool(late_alpha < FLAT_EXPONENT and k < n),
            }
        )
    analysis.tables["fig13 plateaus"] = rows
    if len(rows) < 2:
        analysis.measurements["beta"] = NotMeasured("fewer than two widths completed")
        return analysis
    counted = [r for r in rows if r["counts"]]
    slope = intercept = stderr = np.nan
    if len(counted) >= 2:
        slope, intercept, stderr, _ = ols(
            np.log([r["K"] for r in counted]), np.log([r["plateau_loss"] for r in counted])
        )
    waiting = [r["K"] for r in rows if not r["plateau reached"]]
    undecided = ""
    if len(counted) < MIN_PLATEAU_WIDTHS:
        undecided = (
            f"only {len(counted)} width(s) reached a plateau (local exponent < {FLAT_EXPONENT} over "
            f"the last {PLATEAU_SHARE:.0%} of ln t); still decaying: {waiting}."
        )
    analysis.measurements["beta"] = Measurement(
        value=-slope,
        uncertainty=stderr,
        method=f"OLS of ln L_plateau on ln K, K in {[r['K'] for r in counted]}, plateau = mean over "
        f"the last {PLATEAU_SHARE:.0%} of ln t",
        undecided=undecided,
    )
    analysis.figures["fig13"] = _plateau_figure(rows, slope, intercept)
    analysis.figures["fig13-local"] = _local_figure(results, plan)
    return analysis


def _local_figure(results, plan):
    """The window-free view: each width's local exponent against t, seed band where it has seeds."""
    lines = [
        (k, seed_local_exponent([results.curve(c) for c in seeds]), f"K = {k}")
        for k, seeds in sorted(group_widths(results.completed(plan.configs)).items())
    ]
    return plots.local_exponent_figure(
        [("", lines)],
        colour_label="width",
        reference=FLAT_EXPONENT,
        title=f"Local exponent per width (plateau: < {FLAT_EXPONENT})",
    )


def _plateau_figure(rows, slope, intercept):
    """Fig. 13: each width's plateau loss, with the fitted K^-beta line where there is one."""
    ks = np.array([r["K"] for r in rows], float)
    plateaus = np.array([r["plateau_loss"] for r in rows])
    line = None
    if np.isfinite(slope):
        line = (ks, np.exp(intercept) * ks**slope, f"beta = {-slope:.3f}")
    return plots.scaling_figure(
        ks,
        plateaus,
        fit=line,
        xlabel="width K",
        ylabel="plateau loss (last 20% of ln t)",
        title="Fig. 13: plateau loss vs K",
    )


FIG7 = Experiment(
    "fig7",
    "Optimal-compute frontier and K_opt(C) (with Fig. 14)",
    ("fig7", "fig14"),
    SCALES_COMPUTE,
    _plan,
    _claims_frontier,
    _analyse_compute_frontier,
)
FIG13 = Experiment(
    "fig13",
    "Plateau loss against width",
    ("fig13",),
    SCALES_COMPUTE,
    _plan,
    _claims_plateau,
    _analyse_plateau_scaling,
)

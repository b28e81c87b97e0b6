"""fig3: no superposition (K = N, W = I). SGD curves against the exact theory; exponents.

Paper Section 3 and Fig. 3: the linear student y = B x learns the diagonal teacher with
L(t) = sum_i A_ii^2 p_i m2 / 2 exp(-2 p_i m2 t) (Eq. 7), so alpha = (a + 2b - 1)/a (Eq. 8)
in the mid-training window 1 << z_c << N (Appendix A.1.1). superdyn measures alpha by
``superdyn.verify.analyse.measure`` (the Eq. 9 fit on the window where the learning front is in
[10, N/10]) and compares the seed-mean SGD curve with the exact theory of the SGD the runs
perform: ``superdyn.numerics.sgd_loss`` (online mini-batch SGD at the run's lr and batch, the exact
input covariance, the same N). The paper's own theory, gradient flow, differs from it by
the SGD noise; the distance of the seed mean from gradient descent at the run's lr
(``superdyn.numerics.spectral_loss`` with ``lr``) is reported beside it.

The paper states no number for "the curves track the theory" (Fig. 3a). superdyn's
criterion, fixed before measuring: the seed mean of the SGD loss stays within three of its
standard errors of the exact SGD theory at every measured time of the last two decades of
the run, i.e. the theory and the runs differ by no more than the seeds can tell.
"""

from __future__ import annotations

import numpy as np
from superdyn.numerics import sgd_loss, spectral_loss
from superdyn.numerics.exponent_table import FIG3_A, FIG3_B
from superdyn.theory import alpha_power_law
from superdyn.theory.paper_values import QUOTES

from ..analyse.claims import Claim
from ..analyse.measure import eq9_alpha, learning_front_window
from ..present import plots
from ..run.config import RunConfig
from .base import Analysis, Experiment, StoredRuns, exponent_claim, group_seeds, stable_lr, steps_for

__all__ = ["FIG3", "SCALES_FIG3"]

#: Per scale: N, (a, b) grid, batch size, end time, seeds (all superdyn's choices: the paper
#: states N = 1024 and the ranges a in [1.1, 2], b in [0, 0.5], nothing else).
SCALES_FIG3 = {
    "tiny": dict(n=64, grid=((1.1, 0.0), (2.0, 0.5)), batch=32, t_end=1e3, seeds=(0, 1)),
    "quick": dict(
        n=1024,
        grid=((1.1, 0.0), (1.5, 0.0), (2.0, 0.0), (1.5, 0.25), (1.1, 0.5)),
        batch=128,
        t_end=1e4,
        seeds=(0, 1, 2, 3),
    ),
    "paper": dict(
        n=1024,
        grid=tuple((a, b) for a in FIG3_A for b in FIG3_B),
        batch=1024,
        t_end=1e5,
        seeds=(0, 1, 2, 3),
    ),
}
#: lr * lambda_max for the linear model (gradient descent is stable below 2).
LR_FRACTION, LR_CEILING = 0.5, 10.0
#: Stated before measuring: exponents within 0.05 of Eq. 8 ("match precisely"); the seed mean
#: within CURVE_SIGMAS standard errors of gradient descent over the last CURVE_DECADES decades.
EXPONENT_TOLERANCE, CURVE_SIGMAS, CURVE_DECADES = 0.05, 3.0, 2.0


def linear_configs(scale: str, grid=None, **extra) -> list:
    """Linear-model runs of ``scale`` (the stability rule sets lr, and lr the steps)."""
    s = SCALES_FIG3[scale]
    configs = []
    for a, b in grid or s["grid"]:
        base = RunConfig(
            model="linear",
            n_features=s["n"],
            width=s["n"],
            a=a,
            b=b,
            batch_size=s["batch"],
            eval_samples=256,
            **extra,
        )
        lr = stable_lr(base, LR_FRACTION, LR_CEILING)
        for seed in s["seeds"]:
            configs.append(base.replace(lr=lr, steps=steps_for(s["t_end"], lr), seed=seed))
    return configs


def _plan(scale):
    return linear_configs(scale)


def _front_window(config):
    return learning_front_window(config.task)


def _curve_deviation(results, seeds, exact_of):
    """(worst |mean/GD - 1|, its standard error, the t where it is, max relative SE) over the late stretch."""
    t, _ = results.curve(seeds[0])
    losses = np.array([results.curve(c)[1] for c in seeds])
    late = (t > 0) & (t >= t[-1] / 10**CURVE_DECADES)
    t, losses = t[late], losses[:, late]
    exact = exact_of(t)
    deviation = losses.mean(0) / exact - 1
    if len(seeds) > 1:
        rel_se = losses.std(0, ddof=1) / np.sqrt(len(seeds)) / exact
    else:
        rel_se = np.full(t.size, np.nan)  # one seed: no noise estimate, the claim stays undecided
    worst = int(np.argmax(np.abs(deviation)))
    return float(abs(deviation[worst])), float(rel_se[worst]), float(t[worst]), float(np.max(rel_se))


def _analyse(results: StoredRuns, scale: str) -> Analysis:
    s = SCALES_FIG3[scale]
    analysis = Analysis()
    measured, theory_curves, rows = [], [], []
    found = results.exponents(_plan(scale), _front_window)
    measured_bases = {b for b, _, _ in found}
    for base in (b for b in group_seeds(_plan(scale)) if b not in measured_bases):
        analysis.notes.append(f"fig3: a={base.a}, b={base.b} diverged for every seed; left out")
    for base, m, seeds in found:
        curves, row, claims = _analyse_point(results, base, m, seeds)
        measured.append(curves[0])
        theory_curves.append(curves[1])
        rows.append(row)
        analysis.claims += claims
    analysis.tables["fig3 exponents"] = rows
    if rows:
        analysis.figures.update(_figures(measured, theory_curves, rows, s["n"]))
    return analysis


def _analyse_point(results, base, m, seeds):
    """One (a, b): its curves for Fig. 3a, its table row, and its exponent and curve claims."""
    t, _loss = results.curve(seeds[0])
    t = t[t > 0]
    modes = base.task.modes()  # the exact discrete theory: gradient descent at the run's lr

    def exact_of(times, modes=modes, lr=base.lr):
        return spectral_loss(modes.rates, modes.weights, times, lr=lr).loss

    # the exact expected loss of the runs' own SGD, once at every measured t
    expected = sgd_loss(base.task, t, lr=base.lr, batch_size=base.batch_size).loss
    sgd_at = dict(zip(t, expected, strict=True))

    def sgd_of(times, sgd_at=sgd_at):
        return np.array([sgd_at[x] for x in times])

    exact = exact_of(t)
    alpha_inf = alpha_power_law(base.a, base.b)
    exact_m = eq9_alpha(t, exact, m.window)
    against_sgd = _curve_deviation(results, seeds, sgd_of)
    against_gd = _curve_deviation(results, seeds, exact_of)
    mean_loss = np.mean([results.curve(c)[1][1:] for c in seeds], axis=0)  # row 0 is t = 0
    curves = ((t, mean_loss, alpha_inf, f"a = {base.a:g}, b = {base.b:g}"), (t, sgd_of(t), alpha_inf))
    row = {
        "a": base.a,
        "b": base.b,
        "seeds": len(seeds),
        "alpha_eq8": alpha_inf,
        "alpha_exact_N": exact_m,
        **m.row(),
        "max |mean/sgd_loss - 1|": against_sgd[0],
        "its standard error": against_sgd[1],
        "max |mean/GD - 1|": against_gd[0],
    }
    claims = [
        _exponent_claim(base, m, alpha_inf, exact_m),
        _curve_claim(base, seeds, t, against_sgd, against_gd),
    ]
    return curves, row, claims


def _exponent_claim(base, m, alpha_inf, exact_m) -> Claim:
    label = f"a={base.a:g}, b={base.b:g}"
    cutoff = 1.0 / base.task.rate_min
    return exponent_claim(
        experiment="fig3",
        key=f"alpha[{label}]",
        statement=f"Without superposition the fitted exponent is (a+2b-1)/a ({label})",
        paper=alpha_inf,
        paper_quote=QUOTES["fig3_law"],
        criterion=f"the headline exponent within {EXPONENT_TOLERANCE} (or 2 sigma) of Eq. 8",
        measured=m,
        tolerance=EXPONENT_TOLERANCE,
        theory=exact_m,
        context=(
            f"The exact discrete sum at N={base.n_features} gives {exact_m:.3f} by the same fit on "
            "the "
            f"same window: the finite-N cutoff (modes with t > 1/lambda_min = {cutoff:.3g} are "
            f"exhausted) steepens the curve; the SGD fit is {m.alpha - exact_m:+.3f} from it."
        ),
    )


def _curve_claim(base, seeds, t, against_sgd, against_gd) -> Claim:
    label = f"a={base.a:g}, b={base.b:g}"
    deviation, dev_se, dev_t, max_se = against_sgd
    gd_deviation, gd_se, gd_t, _ = against_gd
    tolerance = CURVE_SIGMAS * max_se
    return Claim(
        experiment="fig3",
        key=f"curve[{label}]",
        statement=f"SGD tracks the exact theory ({label}; worst relative deviation of the seed mean)",
        paper=None,
        paper_quote=QUOTES["fig3_curves"],
        criterion=f"superdyn's: the mean of {len(seeds)} seeds within {CURVE_SIGMAS:g} standard "
        f"errors (largest over t) of the exact SGD theory (superdyn.numerics.sgd_loss at the run's lr and "
        f"batch), at every measured t in the last {CURVE_DECADES:g} decades",
        threshold=0.0,
        measured=deviation,
        uncertainty=0.0 if np.isnan(dev_se) else dev_se,
        method=f"max |mean_seeds L / sgd_loss - 1| over t in [{t[-1] / 10**CURVE_DECADES:.3g}, "
        f"{t[-1]:.3g}] (worst at t = {dev_t:.3g}), {len(seeds)} seed(s)",
        tolerance=0.0 if np.isnan(tolerance) else tolerance,
        kind="at_most",
        undecided="" if len(seeds) > 1 else "one seed gives no standard error.",
        context=f"Against gradient descent at the same lr (the paper's theory in t = lr * steps) "
        f"the seed mean deviates by up to {gd_deviation:.3g} ± {gd_se:.2g} (at t = {gd_t:.3g}): "
        f"online SGD at batch {base.batch_size} raises the expected loss of rarely seen features, "
        "which sgd_loss accounts for and gradient descent does not.",
    )


def _figures(measured, theory_curves, rows, n) -> dict:
    """Fig. 3a (seed means against the exact SGD theory) and Fig. 3b (fitted against predicted alpha)."""
    x = [r["alpha_eq8"] for r in rows]
    panel = {
        "xlabel": r"predicted $\alpha = (a+2b-1)/a$",
        "series": [
            ("SGD, Eq. 9 fit", x, [r["alpha (Eq. 9, physics window)"] for r in rows], [r["±"] for r in rows]),
            (f"exact sum, N={n}", x, [r["alpha_exact_N"] for r in rows], 0.0),
        ],
        "theory": [("identity", [0, 1.05], [0, 1.05])],
        "title": "Fig. 3b: Eq. 9 fits",
    }
    return {
        "fig3a": plots.curves_figure(
            measured,
            theory_curves,
            colour_label=r"$\alpha = (a+2b-1)/a$",
            title=f"Fig. 3a: no superposition, N = K = {n}",
            labels=("SGD, seed mean", "exact SGD theory"),
        ),
        "fig3b": plots.exponents_figure([panel]),
    }


FIG3 = Experiment(
    "fig3",
    "No superposition: SGD against the exact theory",
    ("fig3",),
    _plan,
    _analyse,
    {
        "tiny": "N = 64, two (a, b), two seeds, t <= 1e3",
        "quick": "N = 1024 (the paper's); superdyn's choices: five (a, b), batch 128, four seeds, t <= 1e4",
        "paper": "N = 1024 (the paper's); superdyn's choices: a 4 x 3 grid over the paper's ranges, "
        "batch 1024, four seeds, t <= 1e5",
    },
)

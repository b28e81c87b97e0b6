"""lr-invariance: does the superposition model's loss depend on lr and steps only through t = lr * steps?

The paper measures time as t = eta * steps (Section 3) and states no learning rate. The
sgd-noise experiment checks this grouping for the linear model against its exact theory; here
the ReLU model of Section 4.2 (N = 1024, fixed W) is trained at several learning rates, at two
widths, two tasks and two batch sizes, and each learning rate's seed-mean curve is compared
with the smallest one's, at the same t. The largest learning rate that agrees is the one a
long run may use to reach a large t in few steps.

Method and thresholds (superdyn's, fixed before measuring; the paper states none):

* ``loss[...]``: the largest |L_lr(t) / L_ref(t) - 1| over the measured times of the last two
  decades of the reference run (L_lr interpolated in ln t), at most ``LOSS_TOLERANCE`` = 0.1.
  Reason: the long width sweep compares losses of widths 1.5x apart, whose plateaus differ by
  1.5^1.3 = 1.69x if the paper's beta holds; a 10% shift is a sixth of that gap.
* ``alpha[...]``: the headline exponent (``superdyn.verify.analyse.measure``) at lr against
  the reference's, |alpha_lr - alpha_ref| at most ``ALPHA_TOLERANCE`` = 0.05 (fig3's tolerance
  for exponents that "match precisely"), with the two uncertainties added in quadrature.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from superdyn.theory.paper_values import QUOTES

from ..analyse.registered import ClaimSpec, Measurement, NotMeasured
from ..present import plots
from ..run.config import RunConfig
from .base import Analysis, Experiment, StoredRuns, steps_for
from .setup import count, setting

__all__ = ["LR_INVARIANCE", "LrScale", "largest_invariant_lr"]


@dataclass(frozen=True)
class LrScale:
    """The learning-rate sweep at one scale (the paper states N = 1024 and K in {128, 256, 512})."""

    n: int = setting("N = {}", source=1024)
    widths: tuple = setting("K in {}")
    grid: tuple = setting("(a, b) in {}")
    batches: tuple = setting("batches {}")
    lrs: tuple = setting("lr in {} (the first is the reference)")
    seeds: tuple = setting("{} each", show=count("seed"))
    eval: int = setting("evaluation set {}")
    t_end: float = setting("t <= {}")


SCALES_LR = {
    "tiny": LrScale(
        n=64,
        widths=(16,),
        grid=((1.1, 0.0),),
        batches=(32,),
        lrs=(0.5, 1.0, 2.0),
        seeds=(0, 1),
        eval=512,
        t_end=1e3,
    ),
    "quick": LrScale(
        n=1024,
        widths=(128,),
        grid=((1.1, 0.0),),
        batches=(64,),
        lrs=(1.0, 2.0, 4.0),
        seeds=(0, 1),
        eval=4096,
        t_end=3e3,
    ),
    "medium": LrScale(
        n=1024,
        widths=(128, 512),
        grid=((1.1, 0.0), (2.0, 0.5)),
        batches=(64, 1024),
        lrs=(1.0, 2.0, 4.0, 8.0, 16.0),
        seeds=(0, 1, 2),
        eval=4096,
        t_end=1e4,
    ),
    "paper": LrScale(
        n=1024,
        widths=(128, 256, 512),
        grid=((1.1, 0.0), (2.0, 0.5)),
        batches=(64, 1024),
        lrs=(1.0, 2.0, 4.0, 8.0, 16.0),
        seeds=(0, 1, 2),
        eval=8192,
        t_end=1e5,
    ),
}
#: superdyn's tolerances (see the module docstring), fixed before measuring.
LOSS_TOLERANCE, ALPHA_TOLERANCE, LATE_DECADES = 0.1, 0.05, 2.0


def _cell(k, a, b, batch) -> str:
    return f"K={k}, a={a:g}, b={b:g}, batch={batch}"


def _plan(setup: LrScale):
    """Seed groups keyed by (K, a, b, batch, lr)."""
    groups = {}
    for k in setup.widths:
        for a, b in setup.grid:
            for batch in setup.batches:
                base = RunConfig(
                    model="superposition",
                    n_features=setup.n,
                    width=k,
                    a=a,
                    b=b,
                    batch_size=batch,
                    eval_samples=setup.eval,
                )
                for lr in setup.lrs:
                    steps = steps_for(setup.t_end, lr)
                    groups[(k, a, b, batch, lr)] = [
                        base.replace(lr=lr, steps=steps, seed=s) for s in setup.seeds
                    ]
    return {"groups": groups}


def _claims(plan) -> list:
    """Per (K, a, b, batch) and each learning rate above the reference: the loss and the exponent."""
    setup = plan.setup
    reference = setup.lrs[0]
    specs = []
    for k, a, b, batch, lr in plan["groups"]:
        if lr == reference:
            continue
        cell = _cell(k, a, b, batch)
        specs.append(
            ClaimSpec(
                experiment="lr-invariance",
                key=f"loss[{cell}, lr={lr:g}]",
                statement=f"The loss depends on lr and steps only through t = lr * steps ({cell}; lr {lr:g} "
                f"against {reference:g}, largest relative difference at equal t)",
                paper=None,
                paper_quote=QUOTES["time_grouping"],
                criterion=f"superdyn's: the seed means at lr = {lr:g} and {reference:g} within "
                f"{LOSS_TOLERANCE:.0%} (or 2 sigma) at every measured t of the last {LATE_DECADES:g} decades "
                "(a sixth of the loss gap between widths 1.5x apart if beta = 1.3)",
                threshold=0.0,
                tolerance=LOSS_TOLERANCE,
                kind="at_most",
            )
        )
        specs.append(
            ClaimSpec(
                experiment="lr-invariance",
                key=f"alpha[{cell}, lr={lr:g}]",
                statement=f"The fitted exponent does not depend on lr ({cell}; lr {lr:g} against "
                f"{reference:g})",
                paper=None,
                paper_quote=QUOTES["time_grouping"],
                criterion=f"superdyn's: |alpha(lr) - alpha({reference:g})| within {ALPHA_TOLERANCE} (fig3's "
                "tolerance for exponents) or 2 sigma, each by the headline method",
                threshold=0.0,
                tolerance=ALPHA_TOLERANCE,
                kind="at_most",
            )
        )
    return specs


def _loss_difference(reference, other) -> Measurement:
    """The largest |L_other / L_reference - 1| at the reference's late times (other interpolated in ln t)."""
    t = reference.t
    late = (t >= t[-1] / 10**LATE_DECADES) & (t <= other.t[-1]) & (t >= other.t[0])
    t = t[late]
    moved = np.exp(np.interp(np.log(t), np.log(other.t), other.log_loss))
    ratio = moved / reference.loss[late] - 1
    se_ref = _relative_error(reference)[late]
    se_other = np.interp(np.log(t), np.log(other.t), _relative_error(other))
    se = np.hypot(se_ref, se_other)
    worst = int(np.argmax(np.abs(ratio)))
    return Measurement(
        value=float(abs(ratio[worst])),
        uncertainty=float(se[worst]),
        method=f"max |L(lr, t) / L(lr_ref, t) - 1| over t in [{t[0]:.3g}, {t[-1]:.3g}] (worst at t = "
        f"{t[worst]:.3g}, where it is {ratio[worst]:+.3g}); geometric seed means, L(lr) interpolated in ln t",
    )


def _ratio(reference, other):
    """(t, L_other / L_reference - 1) at the reference's times inside the other's range."""
    inside = (reference.t >= other.t[0]) & (reference.t <= other.t[-1])
    t = reference.t[inside]
    return t, np.exp(np.interp(np.log(t), np.log(other.t), other.log_loss) - reference.log_loss[inside]) - 1


def _relative_error(curve) -> np.ndarray:
    if curve.error_estimate is None:
        return np.zeros_like(curve.t)
    return curve.error_estimate / curve.loss


def _alpha_difference(m_ref, m_lr) -> Measurement:
    failure = m_ref.failure or m_lr.failure
    return Measurement(
        value=float(abs(m_lr.alpha - m_ref.alpha)),
        uncertainty=float(np.hypot(m_lr.uncertainty, m_ref.uncertainty)),
        method=f"|alpha(lr) - alpha(lr_ref)|: {m_lr.alpha:.3f} ± {m_lr.uncertainty:.2g} against "
        f"{m_ref.alpha:.3f} ± {m_ref.uncertainty:.2g} ({m_lr.method})",
        undecided=failure,
    )


def _analyse(results: StoredRuns, plan) -> Analysis:
    setup, groups = plan.setup, plan["groups"]
    analysis = Analysis()
    reference, rows, panels = setup.lrs[0], [], {}
    for (k, a, b, batch, lr), seeds in groups.items():
        if lr == reference:
            continue
        cell = _cell(k, a, b, batch)
        keys = (f"loss[{cell}, lr={lr:g}]", f"alpha[{cell}, lr={lr:g}]")
        ref_done = results.completed(groups[(k, a, b, batch, reference)])
        done = results.completed(seeds)
        if not (ref_done and done):
            stopped = f"{len(seeds) - len(done)} of {len(seeds)} seeds at lr = {lr:g} were stopped"
            reason = stopped if ref_done else f"every seed at the reference lr = {reference:g} was stopped"
            analysis.measurements.update(dict.fromkeys(keys, NotMeasured(reason)))
            rows.append(
                {"K": k, "a": a, "b": b, "batch": batch, "lr": lr, "seeds": len(done), "stopped": True}
            )
            continue
        ref_curve, curve = results.loss_curve(ref_done), results.loss_curve(done)
        m_ref, m_lr = results.exponent(ref_done), results.exponent(done)
        loss, alpha = _loss_difference(ref_curve, curve), _alpha_difference(m_ref, m_lr)
        analysis.measurements.update({keys[0]: loss, keys[1]: alpha})
        panels.setdefault(batch, []).append((lr, *_ratio(ref_curve, curve), f"K={k}, a={a:g}, b={b:g}"))
        rows.append(
            {
                "K": k,
                "a": a,
                "b": b,
                "batch": batch,
                "lr": lr,
                "seeds": len(done),
                "max |L/L_ref - 1|": loss.value,
                "alpha": m_lr.alpha,
                "±": m_lr.uncertainty,
                "alpha_ref": m_ref.alpha,
            }
        )
    analysis.tables["lr-invariance"] = rows
    if panels:
        analysis.figures["lr-invariance"] = plots.ratio_figure(
            [(f"batch {batch}", lines) for batch, lines in sorted(panels.items())],
            tolerance=LOSS_TOLERANCE,
            reference_label=f"lr = {reference:g}",
            title="Seed means against the smallest lr at equal t",
        )
    return analysis


def largest_invariant_lr(claims, batch: int, point=None) -> float | None:
    """The largest lr whose loss and exponent claims are reproduced at every K (and every (a, b),
    or only at ``point``) of ``batch``, with every smaller lr reproduced too (None: none is).

    A claim left unmeasured (every seed stopped) is no evidence of invariance: its lr and the
    larger ones do not count.
    """
    cell = f"batch={batch},"
    if point is not None:
        cell = f"a={point[0]:g}, b={point[1]:g}, " + cell
    by_lr: dict = {}
    for claim in claims:
        if cell in claim.key:
            lr = float(claim.key.rsplit("lr=", 1)[1].rstrip("]"))
            by_lr.setdefault(lr, []).append(claim.verdict == "reproduced")
    best, cells = None, max((len(v) for v in by_lr.values()), default=0)
    for lr in sorted(by_lr):
        if len(by_lr[lr]) < cells or not all(by_lr[lr]):  # a cell left unmeasured counts against it
            break
        best = lr
    return best


LR_INVARIANCE = Experiment(
    "lr-invariance",
    "Learning-rate invariance of the superposition model (t = lr * steps)",
    ("lr-invariance",),
    SCALES_LR,
    _plan,
    _claims,
    _analyse,
)

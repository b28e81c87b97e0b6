"""The paper's figures: one function per kind of figure, each returning a Figure.

Every function draws inside superdyn's style with its conventions
(:mod:`superdyn.verify.present.plots.style`):
measured solid (or markers with error bars), theory dashed, fits dotted, panel letters,
one- or two-column sizes. ``save(figure, stem)`` writes PNG and vector PDF.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure
from superdyn.theory.curve import LossCurve

from .style import (
    FIT,
    LOSS_LABEL,
    MEASURED,
    THEORY,
    TIME_LABEL,
    WINDOW,
    new_figure,
    parameter_colours,
    positive,
    readable_log_ticks,
    styled,
)

__all__ = [
    "curves_figure",
    "exponents_figure",
    "matrices_figure",
    "per_feature_figure",
    "phase_figure",
    "scaling_figure",
    "sgd_noise_figure",
]

#: line style of a second set of measured curves compared with the first (not theory)
COMPARED = {"ls": "-.", "lw": 1.0}


def _split(item):
    """(x, y, value, label or None) from a curve given as (x, y, value[, label]) or
    (LossCurve, value[, label])."""
    if isinstance(item[0], LossCurve):
        curve, value, *label = item
        x, y = curve.t, curve.loss
    else:
        x, y, value, *label = item
    return x, y, value, (label[0] if label else None)


def seed_band(ax, curve, colour) -> None:
    """Shade a measured LossCurve's seed band, L ± its standard error (where it has one)."""
    if not isinstance(curve, LossCurve) or curve.error_estimate is None:
        return
    low, high = curve.loss - curve.error_estimate, curve.loss + curve.error_estimate
    keep = low > 0
    ax.fill_between(curve.t[keep], low[keep], high[keep], color=colour, alpha=0.2, lw=0)


@styled
def curves_figure(
    measured,
    theory=(),
    *,
    colour_label,
    title="",
    xlabel=TIME_LABEL,
    ylabel=LOSS_LABEL,
    fits=(),
    envelope=None,
    window=None,
    log_colour=False,
    labels=("measured", "theory"),
    second="theory",
) -> Figure:
    """Loss curves coloured by a parameter: measured solid, theory dashed, fits dotted.

    Parameters
    ----------
    measured, theory : sequence of (x, y, value[, label]) or (LossCurve, value[, label])
        Curves and the parameter value they are coloured by (a measured LossCurve with an
        error estimate is drawn with its seed band, ± one standard error); a legend entry reads ``label``
        or "``colour_label`` = value". A theory curve whose value no measured curve has
        (or None) is drawn black and named by its label.
    colour_label : str
        The parameter's name (legend entries or colour bar).
    fits : sequence of (x, y)
        Fitted power laws.
    envelope : (x, y), optional
        A thick black line (the optimal-compute frontier).
    window : (float, float), optional
        The fit window, shaded.
    log_colour : bool
        A colour bar (more than ``MAX_LEGEND_VALUES`` values) on a log scale.
    labels : (str, str)
        What the solid and the dashed lines are.
    second : {"theory", "measured"}
        Whether ``superdyn.theory`` is theory (dashed) or a second measurement (dash-dot).
    """
    fig, (ax,) = new_figure()
    values = [_split(c)[2] for c in measured]
    colour, mapper = parameter_colours([v for v in values if v is not None], log=log_colour)
    handles = []
    if all(v is not None for v in values):  # legend entries in parameter order, whatever the input order
        measured = sorted(measured, key=lambda item: float(_split(item)[2]))
    for item in measured:
        x, y, value, label = _split(item)
        (line,) = ax.loglog(*positive(x, y), color=colour[float(value)], **MEASURED)
        seed_band(ax, item[0], colour[float(value)])
        if mapper is None and label is None:
            label = f"{colour_label} = {value:g}"
        if mapper is None and label not in [h.get_label() for h in handles]:
            line.set_label(label)
            handles.append(line)
    second_style = THEORY if second == "theory" else COMPARED
    for item in theory:
        x, y, value, label = _split(item)
        own = value is not None and float(value) in colour
        (line,) = ax.loglog(*positive(x, y), color=colour[float(value)] if own else "k", **second_style)
        if not own:
            line.set_label(label or labels[1])
            handles.append(line)
    for index, (x, y) in enumerate(fits):
        (line,) = ax.loglog(*positive(x, y), **FIT)
        if index == 0:
            line.set_label("fit")
            handles.append(line)
    if envelope is not None:
        (line,) = ax.loglog(*positive(*envelope), "k-", lw=2.2, alpha=0.8, label="optimal frontier", zorder=1)
        handles.append(line)
    if window is not None:
        handles.append(ax.axvspan(*window, **WINDOW, label="fit window"))
    if theory and any(_split(c)[2] is not None and float(_split(c)[2]) in colour for c in theory):
        handles += ax.plot([], [], "k", **MEASURED, label=labels[0])
        handles += ax.plot([], [], "k", **second_style, label=labels[1])
    if mapper is not None:
        fig.colorbar(mapper, ax=ax, label=f"log10 {colour_label}" if log_colour else colour_label)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if handles:
        ax.legend(handles=handles, loc="lower left")
    return fig


@styled
def exponents_figure(panels, *, ylabel=r"fitted exponent $\alpha$", title="") -> Figure:
    """Measured exponents (markers, error bars) against a parameter; theory dashed.

    Parameters
    ----------
    panels : sequence of dict
        Each with ``xlabel``, ``series``: list of (label, x, alpha, error), and optional
        ``superdyn.theory``: list of (label, x, alpha) and ``title``. Panels share the alpha axis.
    """
    fig, axes = new_figure(len(panels), sharey=True)
    labels = sorted({label for panel in panels for label, *_ in panel["series"]}, key=_natural)
    colour = dict(zip(labels, (f"C{i}" for i in range(len(labels))), strict=True))
    for ax, panel in zip(axes, panels, strict=True):
        for label, x, y, err in panel["series"]:
            ax.errorbar(x, y, yerr=err, fmt="o", ms=3.5, color=colour[label], label=label, **MEASURED)
        for label, x, y in panel.get("theory", ()):
            ax.plot(x, y, "k", label=label, **THEORY)
        ax.set(xlabel=panel["xlabel"], title=panel.get("title", "" if len(panels) > 1 else title))
    # the series share their colours across panels: one legend, in the last panel
    handles = {h.get_label(): h for ax in axes for h in ax.get_legend_handles_labels()[0]}
    axes[-1].legend(handles=list(handles.values()))
    axes[0].set_ylabel(ylabel)
    if len(panels) > 1 and title:
        fig.suptitle(title)
    return fig


def _natural(label: str):
    """Sort "K=64" before "K=128"."""
    digits = "".join(ch for ch in label if ch.isdigit() or ch == ".")
    try:
        return (0, float(digits), label)
    except ValueError:
        return (1, 0.0, label)


@styled
def scaling_figure(x, y, *, fit=None, xlabel, ylabel, title="", groups=None) -> Figure:
    """Measured points y(x) on log-log axes (markers joined by lines), a fitted power law dotted.

    Parameters
    ----------
    x, y : array_like
    fit : (x, y, label), optional
    groups : sequence of (label, x, y), optional
        Several measured series instead of (x, y), coloured in turn.
    """
    fig, (ax,) = new_figure()
    if groups:
        for index, (label, gx, gy) in enumerate(groups):
            ax.loglog(*positive(gx, gy), "o", color=f"C{index}", label=label, **MEASURED)
    else:
        ax.loglog(*positive(x, y), "o", color="C0", label="measured", **MEASURED)
    if fit is not None:
        ax.loglog(*positive(fit[0], fit[1]), label=fit[2], **FIT)
    readable_log_ticks(ax)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend()
    return fig


@styled
def per_feature_figure(panels, *, title="", noise_above=0.3) -> Figure:
    """Per-feature losses L_i(t) / L_i(0) as heat maps over (log10 t, feature index i).

    Panels share both axes. Where a per-feature estimate has a relative standard error
    above ``noise_above`` the cell is grey: estimator noise, not signal.

    Parameters
    ----------
    panels : sequence of (label, t, losses) or (label, t, losses, stderr)
        ``losses`` (and ``stderr``) have shape (T, N); rows at t <= 0 are dropped.
    """
    fig, axes = new_figure(len(panels), height=2.6, sharex=True, sharey=True)
    cmap = mpl.colormaps["magma"].with_extremes(bad="0.75")
    span = [np.inf, -np.inf]
    image, noisy_any, largest = None, False, 0.0
    for ax, (label, t, losses, *stderr) in zip(axes, panels, strict=True):
        t = np.asarray(t, float)
        keep = t > 0
        relative = losses / np.clip(losses[:1], 1e-30, None)
        shown = np.log10(np.clip(relative[keep].T, 1e-4, 10))
        if stderr and stderr[0] is not None:
            relative_error = (stderr[0] / np.clip(losses, 1e-300, None))[keep].T
            noisy = relative_error > noise_above
            largest = max(largest, float(np.nanmax(relative_error)))
            shown = np.ma.masked_where(noisy, shown)
            noisy_any |= bool(noisy.any())
        lo, hi = np.log10(t[keep][[0, -1]])
        span = [min(span[0], lo), max(span[1], hi)]
        image = ax.imshow(
            shown,
            aspect="auto",
            extent=(lo, hi, losses.shape[1] + 0.5, 0.5),
            cmap=cmap,
            vmin=-4,
            vmax=0.5,
            interpolation="nearest",
        )
        ax.set(xlabel=r"$\log_{10} t$", title=label)
    axes[0].set(xlim=span, ylabel="feature index i")
    label = r"$\log_{10} L_i(t) / L_i(0)$"
    if noisy_any:
        label += f"; grey: s.e. > {noise_above:g} L"
    elif largest:  # every cell is signal: say how precise the estimates are
        label += f"; every s.e. ≤ {largest:.2g} L"
    fig.colorbar(image, ax=axes, label=label, shrink=0.95)
    if title:
        fig.suptitle(title)
    return fig


def _pooled(matrix, pixels=256):
    """Keep, in each block of a grid of about ``pixels`` squared, the entry of largest magnitude.

    A screen sub-samples or averages a large matrix, and either hides a sparse diagonal;
    the signed maximum keeps it.
    """
    block = max(1, int(np.ceil(max(matrix.shape) / pixels)))
    if block == 1:
        return matrix, 1
    rows, cols = (-(-n // block) * block for n in matrix.shape)
    padded = np.zeros((rows, cols))
    padded[: matrix.shape[0], : matrix.shape[1]] = matrix
    tiles = padded.reshape(rows // block, block, cols // block, block).transpose(0, 2, 1, 3)
    tiles = tiles.reshape(rows // block, cols // block, block * block)
    index = np.abs(tiles).argmax(axis=2)
    return np.take_along_axis(tiles, index[..., None], axis=2)[..., 0], block


@styled
def matrices_figure(panels, *, title="") -> Figure:
    """Matrices as signed heat maps (the student snapshots of paper Fig. 9).

    Parameters
    ----------
    panels : sequence of (label, matrix)
        Large matrices show the largest-magnitude entry of each block (the colour bar says so).
    """
    fig, axes = new_figure(len(panels), height=2.9 if len(panels) > 1 else 2.8)
    for ax, (label, matrix) in zip(axes, panels, strict=True):
        shown, block = _pooled(np.asarray(matrix, dtype=float))
        scale = float(np.quantile(np.abs(shown), 0.999)) or 1.0
        extent = (0, np.shape(matrix)[1], np.shape(matrix)[0], 0)
        image = ax.imshow(
            shown, cmap="RdBu_r", vmin=-scale, vmax=scale, interpolation="nearest", extent=extent
        )
        ax.set(title=label, xlabel="column", ylabel="row")
        bar = fig.colorbar(image, ax=ax, shrink=0.85)
        if block > 1:
            bar.set_label(f"entry (largest |entry| per {block}x{block} block)")
    if title:
        fig.suptitle(title)
    return fig


@styled
def phase_figure(a, classes, *, points=(), title="") -> Figure:
    """alpha(a) of the decay classes (paper Fig. 10): closed forms dashed, exact-sum fits as points.

    Parameters
    ----------
    a : array_like
    classes : sequence of (label, a, alpha, colour)
        ``colour``: a matplotlib colour (a format string's colour letter is accepted).
    points : sequence of (label, a, alpha, error)
    """
    fig, (ax,) = new_figure()
    for label, x, y, colour in classes:
        ax.plot(x, y, color=colour.strip("-:.") or "k", label=label, **{**THEORY, "lw": 1.4})
    for label, x, y, err in points:
        ax.errorbar(x, y, yerr=err, fmt="o", color="k", ms=3.5, label=label)
    ax.axhline(1.0, color="0.7", lw=0.6, zorder=0)
    ax.set(xlabel="decay parameter a", ylabel=r"exponent $\alpha$", title=title, ylim=(0, 4))
    ax.legend()
    return fig


@styled
def sgd_noise_figure(curves, stability, *, n_features) -> Figure:
    """SGD against gradient descent: (a) L / L_GD measured and exact, (b) stopped seeds against lr.

    Parameters
    ----------
    curves : sequence of ((batch, fraction), t, ratio, ratio_se, theory_ratio)
        Seed mean of L / L_GD with its standard error, and sgd_loss / L_GD.
    stability : dict of batch -> (lr / eta_max, share of seeds stopped)
    n_features : int
    """
    fig, axes = new_figure(2, height=3.2)
    batches = sorted({b for (b, _), *_ in curves} | set(stability))
    colour = {b: f"C{i % 8}" for i, b in enumerate(batches)}
    fractions = sorted({f for (_, f), *_ in curves})
    markers = dict(zip(fractions, "osD^v", strict=False))
    ax = axes[0]
    for (batch, fraction), t, ratio, se, theory in curves:
        ax.errorbar(t, ratio, yerr=se, fmt=markers[fraction], ms=2.5, color=colour[batch], lw=0.6, alpha=0.8)
        ax.plot(t, theory, color=colour[batch], **THEORY)
    ax.set_xscale("log")
    ax.axhline(1.0, color="0.5", lw=0.8)
    for batch in batches:
        ax.plot([], [], "s", color=colour[batch], label=f"batch {batch}")
    for fraction in fractions:
        ax.plot([], [], markers[fraction], color="0.4", label=rf"$\eta = {fraction:g}\,\eta_{{max}}$")
    ax.plot([], [], "k", label="exact SGD theory", **THEORY)
    ax.plot([], [], color="0.5", lw=0.8, label="gradient descent")
    ax.set(
        xlabel=TIME_LABEL,
        ylabel=r"$\mathcal{L}_{SGD} / \mathcal{L}_{GD}$ (same $\eta$)",
        title=f"seed means, N = {n_features}",
    )
    ax = axes[1]
    for batch, (grid, share) in sorted(stability.items()):
        ax.plot(grid, share, "o", color=colour[batch], label=f"batch {batch}", **MEASURED)
    limit = ax.axvline(1.0, color="k", **THEORY)
    ax.axhline(0.5, color="0.7", lw=0.6)
    ax.set(
        xlabel=r"$\eta / \eta_{max}$",
        ylabel="share of seeds stopped",
        ylim=(-0.05, 1.05),
        title="stopped runs against the limit",
    )
    handles, labels = axes[0].get_legend_handles_labels()
    handles.append(limit)
    labels.append(r"predicted $\eta_{max}$")
    fig.legend(handles, labels, loc="outside lower center", ncol=5)
    return fig

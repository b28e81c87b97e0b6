"""Figures in the style of the paper: one function per figure, each returning a Figure.

Built on ``matplotlib.figure.Figure`` (no pyplot state, no display needed). Conventions:
log-log axes, measured curves solid, theory dashed, colour by a parameter with a colour
bar, time axis t = eta * steps. ``save(figure, stem)`` writes PNG and PDF.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure

__all__ = [
    "curves_figure",
    "exponents_figure",
    "matrices_figure",
    "per_feature_figure",
    "phase_figure",
    "save",
    "scaling_figure",
    "sgd_noise_figure",
]

TIME_LABEL = r"time $t = \eta \cdot$ steps"
LOSS_LABEL = r"loss $\mathcal{L}(t)$"
_STYLE = {"font.size": 9, "axes.titlesize": 9, "axes.labelsize": 9, "legend.fontsize": 7}


def _figure(ncols=1, width=4.2, height=3.2) -> tuple[Figure, list]:
    with mpl.rc_context(_STYLE):
        fig = Figure(figsize=(width * ncols, height), layout="constrained")
        axes = [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]
    return fig, axes


def _wrap(title: str, width: int = 46) -> str:
    """Titles wrapped to the width of one panel."""
    return textwrap.fill(title, width) if title else title


def _colours(values, cmap="viridis"):
    values = np.asarray(values, dtype=float)
    lo, hi = (values.min(), values.max()) if values.size else (0.0, 1.0)
    norm = mpl.colors.Normalize(lo, hi if hi > lo else lo + 1.0)
    mapper = ScalarMappable(norm=norm, cmap=mpl.colormaps[cmap])
    return mapper, [mapper.to_rgba(v) for v in values]


def _positive(t, y):
    t, y = np.asarray(t, float), np.asarray(y, float)
    keep = (t > 0) & (y > 0) & np.isfinite(y)
    return t[keep], y[keep]


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
) -> Figure:
    """Loss curves, measured solid and theory dashed, coloured by a parameter.

    Parameters
    ----------
    measured, theory : sequence of (x, y, value)
        Curves and the parameter they are coloured by.
    colour_label : str
        Label of the colour bar.
    fits : sequence of (x, y)
        Fitted power laws, drawn black dashed.
    envelope : (x, y), optional
        A black solid line (the optimal-compute frontier).
    window : (float, float), optional
        Shaded fit window.
    log_colour : bool
        Colour by log10 of the parameter.
    labels : (str, str)
        Legend entries of the solid and the dashed curves.
    """
    fig, (ax,) = _figure()
    values = [v for *_, v in measured] + [v for *_, v in theory]
    values = np.log10(values) if log_colour else np.asarray(values, float)
    mapper, colours = _colours(values)
    for (x, y, _), colour in zip(measured, colours, strict=False):
        ax.loglog(*_positive(x, y), "-", color=colour, lw=1.3)
    for (x, y, _), colour in zip(theory, colours[len(measured) :], strict=True):
        ax.loglog(*_positive(x, y), "--", color=colour, lw=1.0)
    for x, y in fits:
        ax.loglog(*_positive(x, y), "k--", lw=0.9)
    if envelope is not None:
        ax.loglog(*_positive(*envelope), "k-", lw=2.0, label="optimal frontier")
        ax.legend(loc="lower left")
    if window is not None:
        ax.axvspan(*window, color="0.9", zorder=0)
    label = f"log10 {colour_label}" if log_colour else colour_label
    fig.colorbar(mapper, ax=ax, label=label)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=_wrap(title))
    if theory:
        ax.plot([], [], "k-", label=labels[0])
        ax.plot([], [], "k--", label=labels[1])
        ax.legend(loc="lower left")
    return fig


def exponents_figure(panels, *, ylabel=r"fitted exponent $\alpha$", title="") -> Figure:
    """Measured exponents with error bars against a parameter, theory as dashed lines.

    Parameters
    ----------
    panels : sequence of dict
        Each with ``x`` label ``xlabel``, ``series``: list of (label, x, alpha, error), and
        optional ``theory``: list of (label, x, alpha) drawn dashed.
    """
    fig, axes = _figure(len(panels))
    for ax, panel in zip(axes, panels, strict=True):
        _, colours = _colours(np.arange(max(len(panel["series"]), 1)), "plasma")
        for (label, x, y, err), colour in zip(panel["series"], colours, strict=False):
            ax.errorbar(x, y, yerr=err, fmt="o-", color=colour, ms=4, capsize=2, label=label)
        for label, x, y in panel.get("theory", ()):
            ax.plot(x, y, "k--", lw=1.0, label=label)
        ax.set(xlabel=panel["xlabel"], ylabel=ylabel, title=_wrap(panel.get("title", title)))
        ax.legend()
    return fig


def scaling_figure(x, y, *, fit=None, xlabel, ylabel, title="", groups=None) -> Figure:
    """Points y(x) on log-log axes with a fitted power law (black dashed).

    Parameters
    ----------
    x, y : array_like
    fit : (x, y, label), optional
    groups : sequence of (label, x, y), optional
        Further series, coloured in turn.
    """
    fig, (ax,) = _figure()
    if groups:
        _, colours = _colours(np.arange(len(groups)), "plasma")
        for (label, gx, gy), colour in zip(groups, colours, strict=True):
            ax.loglog(*_positive(gx, gy), "o-", color=colour, ms=4, label=label)
    else:
        ax.loglog(*_positive(x, y), "o", color="C0", ms=5, label="measured")
    if fit is not None:
        ax.loglog(*_positive(fit[0], fit[1]), "k--", lw=1.0, label=fit[2])
    ax.set(xlabel=xlabel, ylabel=ylabel, title=_wrap(title))
    ax.legend()
    return fig


def per_feature_figure(panels, *, title="") -> Figure:
    """Per-feature losses L_i(t) / L_i(0) as heat maps over (t, feature index i).

    Parameters
    ----------
    panels : sequence of (label, t, losses)
        ``losses`` has shape (T, N); t > 0.
    """
    fig, axes = _figure(len(panels), height=3.0)
    image = None
    for ax, (label, t, losses) in zip(axes, panels, strict=True):
        relative = losses / np.clip(losses[:1], 1e-30, None)
        keep = np.asarray(t) > 0
        extent = (np.log10(t[keep][0]), np.log10(t[keep][-1]), losses.shape[1] + 0.5, 0.5)
        image = ax.imshow(
            np.log10(np.clip(relative[keep].T, 1e-4, 10)),
            aspect="auto",
            extent=extent,
            cmap="magma",
            vmin=-4,
            vmax=0.5,
            interpolation="nearest",
        )
        ax.set(xlabel=r"$\log_{10} t$", ylabel="feature index i", title=_wrap(label))
    fig.colorbar(image, ax=axes, label=r"$\log_{10} L_i(t) / L_i(0)$")
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


def matrices_figure(panels, *, title="") -> Figure:
    """Matrices as signed heat maps (the student snapshots of paper Fig. 9).

    Parameters
    ----------
    panels : sequence of (label, matrix)
    """
    fig, axes = _figure(len(panels), width=3.6, height=3.2)
    for ax, (label, matrix) in zip(axes, panels, strict=True):
        shown, block = _pooled(np.asarray(matrix, dtype=float))
        scale = float(np.quantile(np.abs(shown), 0.999)) or 1.0
        extent = (0, np.shape(matrix)[1], np.shape(matrix)[0], 0)
        image = ax.imshow(
            shown, cmap="RdBu_r", vmin=-scale, vmax=scale, interpolation="nearest", extent=extent
        )
        if block > 1:
            label = f"{label} (largest |entry| per {block}x{block} block)"
        ax.set(title=_wrap(label, 40), xlabel="column", ylabel="row")
        fig.colorbar(image, ax=ax, shrink=0.8)
    if title:
        fig.suptitle(title)
    return fig


def phase_figure(a, classes, *, points=(), title="") -> Figure:
    """alpha(a) of the decay classes (paper Fig. 10), with exact-sum measurements as points.

    Parameters
    ----------
    a : array_like
    classes : sequence of (label, a, alpha, style)
    points : sequence of (label, a, alpha, error)
    """
    fig, (ax,) = _figure()
    for label, x, y, style in classes:
        ax.plot(x, y, style, lw=1.5, label=label)
    for label, x, y, err in points:
        ax.errorbar(x, y, yerr=err, fmt="ko", ms=4, capsize=2, label=label)
    ax.axhline(1.0, color="0.6", lw=0.8, zorder=0)
    ax.set(xlabel="decay parameter a", ylabel=r"exponent $\alpha$", title=_wrap(title), ylim=(0, 4))
    ax.legend()
    return fig


def sgd_noise_figure(curves, stability, *, n_features) -> Figure:
    """SGD against gradient descent: (a) L / L_GD measured and exact, (b) stopped seeds against lr.

    Parameters
    ----------
    curves : sequence of ((batch, fraction), t, ratio, ratio_se, theory_ratio)
        Seed mean of L / L_GD with its standard error, and sgd_loss / L_GD.
    stability : dict of batch -> (lr / eta_max, share of seeds stopped)
    n_features : int
    """
    fig, axes = _figure(2, width=3.6)
    batches = sorted({b for (b, _), *_ in curves} | set(stability))
    colour = {b: mpl.colormaps["tab10"](i % 10) for i, b in enumerate(batches)}
    fractions = sorted({f for (_, f), *_ in curves})
    markers = dict(zip(fractions, "osD^v", strict=False))
    ax = axes[0]
    for (batch, fraction), t, ratio, se, theory in curves:
        ax.errorbar(t, ratio, yerr=se, fmt=markers[fraction], ms=2.5, color=colour[batch], lw=0.6, alpha=0.8)
        ax.plot(t, theory, "-", color=colour[batch], lw=1.0)
    ax.set_xscale("log")
    ax.axhline(1.0, color="k", ls="--", lw=0.8)
    for batch in batches:
        ax.plot([], [], "-", color=colour[batch], label=f"b = {batch}")
    for fraction in fractions:
        ax.plot([], [], markers[fraction], color="0.4", ms=3, label=rf"$\eta = {fraction:g}\,\eta_{{max}}$")
    ax.plot([], [], "k-", lw=1.0, label="exact SGD theory")
    ax.plot([], [], "k--", lw=0.8, label="gradient descent")
    ax.set(
        xlabel=TIME_LABEL,
        ylabel=r"$\mathcal{L}_{SGD} / \mathcal{L}_{GD}$ (same $\eta$)",
        title=f"(a) seed means (markers), N = {n_features}",
    )
    ax.legend(fontsize=6, ncol=2)
    ax = axes[1]
    for batch, (grid, share) in sorted(stability.items()):
        ax.plot(grid, share, "o-", color=colour[batch], ms=3, label=f"b = {batch}")
    ax.axvline(1.0, color="k", ls="--", lw=0.8, label=r"predicted $\eta_{max}$")
    ax.axhline(0.5, color="0.7", lw=0.6)
    ax.set(
        xlabel=r"$\eta / \eta_{max}$",
        ylabel="share of seeds stopped",
        ylim=(-0.05, 1.05),
        title="(b) runs stopped against the limit",
    )
    ax.legend(fontsize=6)
    return fig


def save(figure: Figure, stem) -> list:
    """Write ``stem``.png (150 dpi) and ``stem``.pdf; return the paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    figure.savefig(paths[0], dpi=150)
    figure.savefig(paths[1])
    return paths

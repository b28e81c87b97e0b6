"""What every superdyn figure shares: the style file, journal sizes, one encoding of data kinds.

Conventions (the same in every figure):

* measured data: solid lines, or filled markers with error bars;
* theory: dashed lines, in the colour of the measurement it belongs to, black when it
  belongs to none;
* fits: black dotted lines; the fit window: a light grey band;
* a parameter with at most :data:`MAX_LEGEND_VALUES` values is a legend of distinct colours,
  more values a colour bar whose range is that of the curves drawn;
* panels carry bold letters a, b, ...; titles are one line.

Figures are ``matplotlib.figure.Figure`` objects (no pyplot state, no display needed), drawn
inside ``superdyn.mplstyle`` (:func:`styled`).
"""

from __future__ import annotations

import functools
from pathlib import Path

import matplotlib as mpl
import matplotlib.style
import numpy as np
from matplotlib import ticker
from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure

STYLE = Path(__file__).with_name("superdyn.mplstyle")
#: widths in inches of one and two columns of a journal page
ONE_COLUMN, TWO_COLUMNS = 3.4, 7.0
MAX_LEGEND_VALUES = 8
MEASURED = {"ls": "-"}
THEORY = {"ls": "--", "lw": 1.0}
FIT = {"color": "k", "ls": ":", "lw": 1.0}
WINDOW = {"color": "0.92", "zorder": 0, "lw": 0}
TIME_LABEL = r"time $t = \eta \cdot$ steps"
LOSS_LABEL = r"loss $\mathcal{L}(t)$"


def styled(function):
    """Run a figure function inside superdyn's style (every artist takes its sizes from it)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with mpl.style.context(STYLE):
            return function(*args, **kwargs)

    return wrapper


def new_figure(ncols: int = 1, *, height: float = 2.5, sharex=False, sharey=False) -> tuple[Figure, list]:
    """A figure one column wide (one panel) or two columns wide (several), its axes in a row."""
    width = ONE_COLUMN if ncols == 1 else TWO_COLUMNS
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = list(np.atleast_1d(fig.subplots(1, ncols, sharex=sharex, sharey=sharey, squeeze=False)[0]))
    if ncols > 1:
        letter_panels(axes)
    return fig, axes


def letter_panels(axes) -> None:
    """Bold letters a, b, ... at the top left of each panel, outside the axes."""
    for index, ax in enumerate(axes):
        ax.text(
            -0.02,
            1.02,
            "abcdefgh"[index],
            transform=ax.transAxes,
            fontweight="bold",
            fontsize=9,
            ha="right",
            va="bottom",
        )


def parameter_colours(values, *, log: bool = False, cmap: str = "viridis"):
    """Colours for the distinct ``values`` of a parameter, and the mapper of their colour bar.

    Returns
    -------
    colour : dict
        value -> RGBA.
    mapper : ScalarMappable or None
        A colour bar spanning exactly min..max of ``values`` when there are more than
        ``MAX_LEGEND_VALUES`` of them (None otherwise: a legend names each).
    """
    distinct = sorted(set(float(v) for v in values))
    if not distinct:
        return {}, None
    if len(distinct) <= MAX_LEGEND_VALUES:
        # evenly spaced along the colour map by rank: neighbours stay apart whatever the values
        colours = mpl.colormaps[cmap](np.linspace(0.0, 0.85, len(distinct)) if len(distinct) > 1 else [0.35])
        return dict(zip(distinct, map(tuple, colours), strict=True)), None
    scaled = np.log10(distinct) if log else np.asarray(distinct)
    norm = mpl.colors.Normalize(scaled.min(), scaled.max())
    mapper = ScalarMappable(norm=norm, cmap=mpl.colormaps[cmap])
    return {v: mapper.to_rgba(s) for v, s in zip(distinct, scaled, strict=True)}, mapper


def readable_log_ticks(ax) -> None:
    """Log axes spanning under two decades get labelled ticks at 1, 2, 5 (or more) x 10^k.

    Matplotlib labels only powers of ten there (one label, or crowded minor labels).
    """
    for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        if axis.get_scale() != "log" or not 0 < lo < hi or np.log10(hi / lo) >= 2:
            continue
        decades = np.arange(np.floor(np.log10(lo)), np.ceil(np.log10(hi)) + 1)
        # neighbours at least 0.14 decades apart (5 x 10^6 and 7 x 10^6 do not touch); the densest
        # set only where the span is too short for three of those
        for mantissas in ((1, 2, 5), (1, 2, 3, 5), (1, 1.4, 2, 3, 5, 7), (1, 1.5, 2, 3, 4, 5, 6, 7, 8)):
            ticks = [m * 10**d for d in decades for m in mantissas if lo <= m * 10**d <= hi]
            if len(ticks) >= 3:
                break
        axis.set_major_locator(ticker.FixedLocator(ticks))
        axis.set_major_formatter(ticker.FuncFormatter(_plain_or_scientific))
        axis.set_minor_formatter(ticker.NullFormatter())


def _plain_or_scientific(value: float, _position=None) -> str:
    """0.02, 50, 600; 3 x 10^6 where a plain number would be long."""
    if 1e-3 <= abs(value) < 1e4:
        return f"{value:g}"
    exponent = int(np.floor(np.log10(abs(value))))
    mantissa = value / 10**exponent
    return rf"${mantissa:g}\times 10^{{{exponent}}}$" if round(mantissa, 6) != 1 else rf"$10^{{{exponent}}}$"


def positive(x, y):
    """(x, y) restricted to x > 0, y > 0 and finite y (log axes)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = (x > 0) & (y > 0) & np.isfinite(y)
    return x[keep], y[keep]


def save(figure: Figure, stem) -> list:
    """Write ``stem``.png (200 dpi) and ``stem``.pdf (vector); return the paths."""
    return [save_as(figure, Path(stem).with_suffix(suffix)) for suffix in (".png", ".pdf")]


def save_as(figure: Figure, path) -> Path:
    """Write ``figure`` to ``path`` in the format its suffix names, inside superdyn's style."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with mpl.style.context(STYLE):
        figure.savefig(path)
    return path

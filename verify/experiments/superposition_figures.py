"""fig5's figures: alpha against a, b and K (Fig. 5), the curves with their fits (Fig. 6), and the
window-free view: each (a, b, K)'s local exponent against t with its seed band, and the fitted
alpha against K/N."""

from __future__ import annotations

import numpy as np
from superdyn.numerics import fit_power_law_with_floor

from ..analyse.local import seed_local_exponent
from ..present import plots

__all__ = ["alpha_figures", "window_free_view"]


def alpha_figures(found, results, k_max) -> dict:
    """Fig. 5 (alpha against a at b = 0 and against b at a = 1.1, per K) and Fig. 6 (the curves at
    the largest width with their Eq. 9 fits)."""
    figures = {}
    panels = []
    for xname, fixed in (("a", ("b", 0.0)), ("b", ("a", 1.1))):
        series = []
        for k in sorted({b.width for b, _, _ in found}):
            pts = sorted(
                (getattr(b, xname), m.alpha, m.uncertainty)
                for b, m, _ in found
                if b.width == k and getattr(b, fixed[0]) == fixed[1] and np.isfinite(m.alpha)
            )
            if pts:
                series.append((f"K={k}", *map(list, zip(*pts, strict=True))))
        if series:
            xs = [x for _, xs_, _, _ in series for x in xs_]
            theory = [("alpha = 1", [min(xs), max(xs)], [1.0, 1.0])]
            panels.append(
                {"xlabel": f"{xname} ({fixed[0]} = {fixed[1]:g})", "series": series, "theory": theory}
            )
    if panels:
        figures["fig5"] = plots.exponents_figure(panels, title="Fig. 5: Eq. 9 fits")
    curves, fits = [], []
    for b, m, seeds in found:
        if b.width == k_max and m.headline.ok:
            mean = results.loss_curve(seeds)
            curves.append((mean, b.a + 2 * b.b))
            ts = np.logspace(*np.log10(m.window), 12)
            fits.append((ts, eq9_curve(mean.t, mean.loss, m.window)(ts)))
    figures["fig6"] = plots.curves_figure(
        curves,
        colour_label="a + 2b",
        fits=fits,
        title=f"Fig. 6: K = {k_max}, Eq. 9 fits",
    )
    return figures


def eq9_curve(t, loss, window):
    return fit_power_law_with_floor(t, loss, window).predict


def window_free_view(found, results, n_features) -> tuple[dict, list]:
    """(figures, rows): ``fig5-local`` (the local exponent of every (a, b) against t, one panel per K,
    seed band ± one standard error) and ``fig5-width`` (the headline alpha against K/N), and a row per
    (a, b, K) with its local exponent over the last decade."""
    points = list(dict.fromkeys((b.a, b.b) for b, _, _ in found))
    panels, rows, series = {}, [], {}
    for base, m, seeds in found:
        profile = seed_local_exponent([results.curve(c) for c in seeds])
        label = f"a={base.a:g}, b={base.b:g}"
        panels.setdefault(base.width, []).append((points.index((base.a, base.b)), profile, label))
        late, late_se = profile.late()
        rows.append(
            {
                "K": base.width,
                "K/N": base.width / n_features,
                "a": base.a,
                "b": base.b,
                "seeds": profile.n_seeds,
                "local exponent, last decade": late,
                "±": late_se,
                "t range": (float(profile.t[profile.t >= profile.t[-1] / 10][0]), float(profile.t[-1])),
                "alpha (Eq. 9, physics window)": m.alpha,
            }
        )
        if np.isfinite(m.alpha):
            x, y, e = series.setdefault(label, ([], [], []))
            x.append(base.width / n_features)
            y.append(m.alpha)
            e.append(m.uncertainty)
    figures = {
        "fig5-local": plots.local_exponent_figure(
            [(f"K = {k}", lines) for k, lines in sorted(panels.items())],
            colour_label="(a, b)",
            title="Local exponent against t (seed mean ± standard error)",
        )
    }
    if series:
        xs = [x for x, _, _ in series.values() for x in x]
        figures["fig5-width"] = plots.exponents_figure(
            [
                {
                    "xlabel": "K / N",
                    "series": [(label, *values) for label, values in series.items()],
                    "theory": [("alpha = 1", [min(xs), max(xs)], [1.0, 1.0])],
                }
            ],
            title="Fitted alpha against K/N",
        )
    return figures, rows

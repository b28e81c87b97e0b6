"""Every figure function returns a Figure that draws without a display, and saves."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from verify import plots

T = np.logspace(0, 4, 41)


def _curves(n=3):
    return [(T, T ** -(0.5 + i / 4), 1.0 + i) for i in range(n)]


def test_curves_figure_log_axes_theory_dashed_and_colour_bar():
    fig = plots.curves_figure(_curves(), _curves(), colour_label="a", window=(10, 100),
                              fits=[(T, T**-1.0)], title="t")  # fmt: skip
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    styles = [line.get_linestyle() for line in ax.get_lines()]
    assert styles.count("-") >= 3 and styles.count("--") >= 4  # 3 measured solid; 3 theory + 1 fit dashed
    assert len(fig.axes) == 2  # the colour bar
    assert "eta" in ax.get_xlabel()  # the time axis is t = eta * steps
    fig.canvas.draw()


def test_curves_figure_drops_nonpositive_points():
    t = np.concatenate([[0.0], T])
    fig = plots.curves_figure([(t, np.concatenate([[1.0], T**-1.0]), 1.0)], colour_label="K")
    x = fig.axes[0].get_lines()[0].get_xdata()
    assert np.all(x > 0)


def test_other_figures(tmp_path):
    figures = [
        plots.exponents_figure([{"xlabel": "a", "series": [("K=1", [1, 2], [1.0, 0.9], [0.1, 0.1])],
                                 "theory": [("1", [1, 2], [1, 1])]}]),
        plots.scaling_figure([1, 2, 4], [1, 0.5, 0.25], fit=([1, 4], [1, 0.25], "slope 1"), xlabel="K",
                             ylabel="L"),
        plots.scaling_figure(None, None, groups=[("g", [1, 2], [1, 2])], xlabel="m", ylabel="L"),
        plots.per_feature_figure([("none", T, np.exp(-np.outer(T, 1 / np.arange(1, 9))))]),
        plots.matrices_figure([("B", np.eye(8)), ("W^T B W", np.ones((8, 8)))]),
        plots.phase_figure([1, 2], [("algebraic", [1, 2], [2, 1.5], "C3-")], points=[("exact", 1, 2, 0.0)]),
    ]  # fmt: skip
    for index, fig in enumerate(figures):
        assert isinstance(fig, Figure)
        paths = plots.save(fig, tmp_path / f"f{index}")
        assert [p.suffix for p in paths] == [".png", ".pdf"]
        assert all(p.stat().st_size > 1000 for p in paths)
    per_feature = figures[3]
    image = per_feature.axes[0].get_images()[0].get_array()
    # log10 of L_i(t) / L_i(first t), features down the rows, clipped at 1e-4
    assert image.shape == (8, T.size)
    assert np.allclose(image[:, 0], 0.0)
    assert image[0, -1] == pytest.approx(-4.0)
    assert image[-1, 10] == pytest.approx(np.log10(np.exp(-(T[10] - 1) / 8)))


def test_large_matrices_are_pooled_so_a_sparse_diagonal_stays_visible():
    diagonal = np.diag(np.linspace(1.0, 0.5, 1024))
    diagonal[3, 900] = -2.0  # one strong off-diagonal entry keeps its sign and block
    fig = plots.matrices_figure([("B", diagonal)])
    shown = fig.axes[0].get_images()[0].get_array()
    assert shown.shape == (256, 256)
    assert np.allclose(np.diag(shown), np.linspace(1.0, 0.5, 1024).reshape(256, 4)[:, 0])
    assert shown[0, 225] == -2.0 and np.count_nonzero(shown) == 257
    assert "4x4 block" in fig.axes[0].get_title()

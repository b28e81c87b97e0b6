"""Every figure function returns a Figure that draws without a display, and saves."""

import numpy as np
import pytest
from matplotlib.figure import Figure
from superdyn.verify.present import plots

T = np.logspace(0, 4, 41)


def _curves(n=3):
    return [(T, T ** -(0.5 + i / 4), 1.0 + i) for i in range(n)]


def test_curves_figure_encodes_measured_theory_and_fits_one_way():
    fig = plots.curves_figure(
        _curves(), _curves(), colour_label="a", window=(10, 100), fits=[(T, T**-1.0)], title="t"
    )
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    drawn = [line for line in ax.get_lines() if len(line.get_xdata())]
    styles = [line.get_linestyle() for line in drawn]
    assert styles.count("-") == 3 and styles.count("--") == 3 and styles.count(":") == 1
    for measured, theory in zip(drawn[:3], drawn[3:6], strict=True):  # a theory takes its run's colour
        assert measured.get_color() == theory.get_color()
    assert len({tuple(line.get_color()) for line in drawn[:3]}) == 3
    assert len(fig.axes) == 1  # three values: a legend names them, no colour bar
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"a = 1", "a = 2", "a = 3", "fit", "fit window", "measured", "theory"} <= set(labels)
    assert "eta" in ax.get_xlabel()  # the time axis is t = eta * steps
    fig.canvas.draw()
    shuffled = plots.curves_figure(_curves()[::-1], colour_label="a")  # legend in parameter order
    assert [t.get_text() for t in shuffled.axes[0].get_legend().get_texts()] == ["a = 1", "a = 2", "a = 3"]


def test_many_values_get_a_colour_bar_over_the_drawn_range_and_lone_theory_is_black():
    measured = [(T, T**-0.5 * (1 + i / 10), 100.0 + 10 * i) for i in range(12)]
    fig = plots.curves_figure(measured, [(T, T**-0.4, None, "exact, no superposition")], colour_label="K")
    bar = fig.axes[1]
    assert bar.get_ylim() == pytest.approx((100.0, 210.0))  # only what is drawn
    theory = [line for line in fig.axes[0].get_lines() if line.get_linestyle() == "--"]
    assert len(theory) == 1 and theory[0].get_color() == "k"
    assert theory[0].get_label() == "exact, no superposition"


def test_curves_figure_drops_nonpositive_points():
    t = np.concatenate([[0.0], T])
    fig = plots.curves_figure([(t, np.concatenate([[1.0], T**-1.0]), 1.0)], colour_label="K")
    x = fig.axes[0].get_lines()[0].get_xdata()
    assert np.all(x > 0)


def test_other_figures(tmp_path):
    figures = [
        plots.exponents_figure(
            [
                {
                    "xlabel": "a",
                    "series": [("K=1", [1, 2], [1.0, 0.9], [0.1, 0.1])],
                    "theory": [("1", [1, 2], [1, 1])],
                }
            ]
        ),
        plots.scaling_figure(
            [1, 2, 4], [1, 0.5, 0.25], fit=([1, 4], [1, 0.25], "slope 1"), xlabel="K", ylabel="L"
        ),
        plots.scaling_figure(None, None, groups=[("g", [1, 2], [1, 2])], xlabel="m", ylabel="L"),
        plots.per_feature_figure([("none", T, np.exp(-np.outer(T, 1 / np.arange(1, 9))))]),
        plots.matrices_figure([("B", np.eye(8)), ("W^T B W", np.ones((8, 8)))]),
        plots.phase_figure([1, 2], [("algebraic", [1, 2], [2, 1.5], "C3")], points=[("exact", 1, 2, 0.0)]),
    ]
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
    assert "4x4 block" in fig.axes[1].get_ylabel()  # said on the colour bar, not in a wrapped title


def test_per_feature_panels_share_time_and_grey_out_estimator_noise():
    losses = np.exp(-np.outer(T, 1 / np.arange(1, 9)))
    stderr = np.where(np.arange(8) >= 6, 0.5, 0.01) * losses  # the last two features: noise
    short = T[:21]
    fig = plots.per_feature_figure([("none", T, losses), ("sup", short, losses[:21], stderr[:21])])
    left, right = fig.axes[0], fig.axes[1]
    assert left.get_xlim() == right.get_xlim() == pytest.approx((0.0, 4.0))
    image = right.get_images()[0].get_array()
    assert image.mask[6:].all() and not image.mask[:6].any()
    assert [t.get_text() for t in fig.texts] == [] and left.texts[0].get_text() == "a"


def _all_figures():
    matrix = np.eye(600) + 0.01
    losses = np.exp(-np.outer(T, 1 / np.arange(1, 9)))
    sgd = [((1, 0.25), T, 1 + 0 * T, 0.01 + 0 * T, 1 + 0 * T)]
    return [
        plots.curves_figure(
            _curves(), _curves(), colour_label="a", title="Fig. 3a: no superposition, N = K = 1024"
        ),
        plots.exponents_figure(
            [
                {
                    "xlabel": "a (b = 0)",
                    "series": [("K=128", [1, 2], [1, 0.9], [0.1, 0.1])],
                    "theory": [("alpha = 1", [1, 2], [1, 1])],
                }
            ]
            * 2,
            title="Fig. 5: Eq. 9 fits",
        ),
        plots.per_feature_figure([("no superposition (K = N)", T, losses)] * 2),
        plots.matrices_figure(
            [("no superposition: B", matrix), ("$W^T B W$, K = 512", matrix)],
            title="Fig. 9: the student at t = 1000",
        ),
        plots.sgd_noise_figure(sgd, {1: ([0.7, 1.1], [0, 1])}, n_features=256),
    ]


def test_figures_fit_a_journal_column_and_no_text_leaves_the_figure():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from superdyn.verify.present.plots.style import ONE_COLUMN, TWO_COLUMNS

    for fig in _all_figures():
        assert fig.get_figwidth() in (ONE_COLUMN, TWO_COLUMNS)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        drawn = fig.get_tightbbox(renderer)  # every drawn artist, in inches
        page = fig.bbox_inches
        assert drawn.x0 >= page.x0 - 0.01 and drawn.x1 <= page.x1 + 0.01, (drawn, page)
        assert drawn.y0 >= page.y0 - 0.01 and drawn.y1 <= page.y1 + 0.01, (drawn, page)
        titles = [ax.get_title() for ax in fig.axes] + [t.get_text() for t in fig.texts]
        assert not any("\n" in title for title in titles), titles


def test_labelled_ticks_of_a_short_log_axis_do_not_overlap():
    # under one decade (Fig. 14's compute axis): at least three labels, none touching its neighbour
    import itertools

    import matplotlib.pyplot as plt
    from superdyn.verify.present.plots.style import readable_log_ticks

    fig, ax = plt.subplots(figsize=(3.4, 2.4))
    ax.loglog([2.2e6, 9e6], [45, 60])
    ax.set_xlim(2.2e6, 9e6)
    readable_log_ticks(ax)
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_text()]
    assert len(boxes) >= 3
    assert all(left.x1 < right.x0 for left, right in itertools.pairwise(boxes))
    plt.close(fig)

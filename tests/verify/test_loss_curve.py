"""One loss-curve type: theory, numerics and runs all give a LossCurve, and the figures take one."""

import numpy as np
import pytest
from superdyn.numerics import exact_loss, sgd_loss, spectral_loss
from superdyn.theory import LossCurve, PowerLaw, Task
from superdyn.verify import RunConfig, run_sweep, train
from superdyn.verify.experiments.base import StoredRuns
from superdyn.verify.present.plots import curves_figure

CONFIG = RunConfig(model="linear", n_features=64, width=64, a=1.5, lr=2.0, batch_size=256, steps=400)


def test_every_layer_returns_a_loss_curve_and_theory_meets_experiment_in_one_line():
    (run,) = train([CONFIG], device="cpu", progress=False)
    measured = run.loss_curve()
    assert isinstance(measured, LossCurve) and measured.t[0] > 0 and measured.method.startswith("run ")
    task = CONFIG.task
    modes = task.modes()
    curves = {
        "sgd": sgd_loss(task, measured.t, lr=CONFIG.lr, batch_size=CONFIG.batch_size),
        "gradient flow": exact_loss(task, measured.t),
        "spectral": spectral_loss(modes.rates, modes.weights, measured.t),
        "spectrum": modes.curve(measured.t),
    }
    assert all(isinstance(c, LossCurve) for c in curves.values())
    np.testing.assert_allclose(curves["spectrum"].loss, curves["spectral"].loss, rtol=1e-12)
    np.testing.assert_allclose(
        curves["spectrum"].local_exponent, curves["spectral"].local_exponent, rtol=1e-9
    )
    # the run's own SGD theory is within a few per cent (one seed: SGD noise); gradient flow further
    assert measured.relative_deviation(curves["sgd"]) < 0.1
    assert measured.relative_deviation(curves["sgd"]) < measured.relative_deviation(curves["gradient flow"])


def test_a_law_gives_a_curve_with_its_analytic_local_exponent():
    law = Task(PowerLaw(2.0), n_features=10**6).scaling_law()
    t = np.logspace(1, 3, 5)
    curve = law.curve(t, log_correction=False)
    np.testing.assert_allclose(curve.loss, law.loss(t, log_correction=False), rtol=0)
    np.testing.assert_allclose(curve.local_exponent, law.local_exponent(t, log_correction=False), rtol=0)
    assert curve.local_exponent == pytest.approx(0.5)


def test_from_samples_differentiates_in_log_time_and_refuses_bad_input():
    t = np.logspace(0, 3, 31)
    curve = LossCurve.from_samples(t, 3.0 * t**-0.7 * (1 + 0 * t))
    np.testing.assert_allclose(curve.local_exponent, 0.7, rtol=1e-12)
    bent = LossCurve.from_samples(t, t**-0.5 + 1e-2)  # a floor: the exponent falls towards 0
    assert bent.local_exponent[0] > bent.local_exponent[-1] > 0
    with pytest.raises(ValueError, match="positive and increasing"):
        LossCurve.from_samples([0.0, 1.0], [1.0, 0.5])
    with pytest.raises(ValueError, match="loss must be > 0"):
        LossCurve.from_samples([1.0, 2.0], [1.0, 0.0])
    with pytest.raises(ValueError, match="share no time"):
        curve.relative_deviation(LossCurve.from_samples([5e3, 6e3], [1.0, 1.0]))


def test_stored_seeds_give_their_mean_with_a_standard_error(tmp_path):
    seeds = [CONFIG.replace(seed=s, steps=200) for s in (0, 1, 2)]
    run_sweep(seeds, tmp_path, device="cpu", progress=False)
    stored = StoredRuns(tmp_path)
    mean = stored.loss_curve(seeds)
    logs = np.log([stored.curve(c)[1][1:] for c in seeds])
    np.testing.assert_allclose(mean.loss, np.exp(logs.mean(0)), rtol=1e-12)
    np.testing.assert_allclose(mean.error_estimate, mean.loss * logs.std(0, ddof=1) / np.sqrt(3), rtol=1e-12)
    assert stored.loss_curve(seeds[0]).error_estimate is None  # one run has no spread
    fig = curves_figure([(mean, 1.5)], [(exact_loss(CONFIG.task, mean.t), 1.5)], colour_label="a")
    solid, dashed = fig.axes[0].get_lines()[:2]
    np.testing.assert_allclose(solid.get_ydata(), mean.loss)
    assert dashed.get_linestyle() == "--" and solid.get_color() == dashed.get_color()

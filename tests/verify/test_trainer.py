"""The training loop's conventions, end to end against numerics, and its failure modes."""

import numpy as np
import pytest
import torch
from superdyn.numerics import exact_loss, linear_superposition
from superdyn.verify.run.config import RunConfig, measurement_steps
from superdyn.verify.run.models.superposition import run_embedding
from superdyn.verify.run.trainer import train


def _small(**changes):
    base = dict(
        model="superposition",
        n_features=64,
        width=16,
        a=1.1,
        lr=1.0,
        batch_size=256,
        steps=300,
        eval_samples=1024,
    )
    return RunConfig(**{**base, **changes})


@pytest.mark.parametrize(("a", "lr"), [(1.1, 10.0), (1.5, 5.0)])
def test_linear_sgd_tracks_the_exact_theory(a, lr):
    # The first end-to-end check of the conventions: loss = 1/2 sum over outputs, t = lr * steps.
    config = RunConfig(
        model="linear", n_features=1024, width=1024, a=a, lr=lr, steps=int(1e4 / lr), batch_size=1024
    )
    (result,) = train([config], progress=False)
    curve = result.curve
    window = (curve["t"] >= 1e2) & (curve["t"] <= 1e4)
    theory = exact_loss(config.task, curve["t"][window]).loss
    assert result.loss_measure == "population"
    assert np.max(np.abs(curve["loss"][window] / theory - 1)) < 0.02
    # negative control: reading the time axis as steps (t = steps) misses by far more
    wrong = exact_loss(config.task, curve["step"][window].astype(float)).loss
    assert np.max(np.abs(curve["loss"][window] / wrong - 1)) > 0.1


def test_loss_is_half_the_sum_over_outputs_and_time_is_lr_times_steps():
    config = RunConfig(
        model="linear", n_features=256, width=256, a=1.5, b=0.25, lr=0.5, steps=10, batch_size=4096
    )
    (result,) = train([config], progress=False)
    task = config.task
    start = 0.5 * np.sum(task.importance**2 * task.p * task.m2)  # B = 0: L = 1/2 E||A x||^2
    assert result.curve["loss"][0] == pytest.approx(start, rel=1e-6)
    assert result.curve["train_loss"][0] == pytest.approx(start, rel=0.1)  # one batch of 4096
    assert np.array_equal(result.curve["t"], 0.5 * result.curve["step"])
    assert np.array_equal(result.curve["step"], measurement_steps(10, 10))


def test_same_seed_same_curve_whatever_the_batch():
    alone = train([_small(seed=3)], progress=False)[0]
    again = train([_small(seed=3)], progress=False)[0]
    batched = train([_small(seed=7), _small(seed=3, a=1.5)], progress=False)
    assert np.array_equal(alone.curve["loss"], again.curve["loss"])
    assert not np.array_equal(alone.curve["loss"], batched[0].curve["loss"])  # another seed differs
    shifted = train([_small(seed=7), _small(seed=3)], progress=False)[1]
    assert np.array_equal(alone.curve["loss"], shifted.curve["loss"])


def test_superposition_learns_and_records_its_diagnostics():
    (result,) = train([_small(per_feature=True, snapshot_times=(100.0,))], progress=False)
    curve = result.curve
    assert result.status == "completed"
    assert curve["loss"][-1] < 0.5 * curve["loss"][0]
    assert 0 < curve["active_fraction"][-1] < 1
    assert result.arrays["per_feature_loss"].shape == (curve["step"].size, 64)
    # per-feature losses come from the conditional estimator (superdyn.verify.run.models.feature_loss), which
    # sees every feature; the evaluation-set loss is a second estimate of the same expectation
    total = result.arrays["per_feature_loss"].sum(1)
    assert np.allclose(total, curve["loss"], rtol=0.05)
    task = _small().task
    assert total[0] == pytest.approx(
        np.sum(task.p * task.m2 * task.importance**2) / 2, rel=1e-2
    )  # B(0) small
    assert result.arrays["B@step=100"].shape == (16, 16)
    assert result.arrays["frame_spectrum"].shape == (16,)
    assert result.extra["phi_half"] == 1.0  # unit columns
    assert result.extra["mean_sq_overlap"] == pytest.approx(1 / 16, rel=0.2)  # random directions: 1/K


@pytest.mark.parametrize("model", ["linear", "superposition"])
def test_a_snapshot_is_the_state_at_its_step_not_a_view_of_the_final_one(model):
    # the same seed trained for exactly 100 steps ends where the longer run's snapshot was taken
    long = _small(model=model, width=64 if model == "linear" else 16, steps=300, snapshot_times=(100.0,))
    (result,) = train([long], progress=False)
    (short,) = train([long.replace(steps=100, snapshot_times=(100.0, 99.0))], progress=False)
    for name in ("B", "effective") if model == "superposition" else ("B",):
        early, final = result.arrays[f"{name}@step=100"], short.arrays[f"{name}@step=100"]
        assert np.array_equal(early, final)
        assert not np.array_equal(early, short.arrays[f"{name}@step=99"])
    assert result.arrays["B@step=100"].shape == ((64, 64) if model == "linear" else (16, 16))


def test_learnable_and_autoencoder_run_and_track_their_embedding():
    (learnable,) = train([_small(model="learnable")], progress=False)
    assert learnable.status == "completed" and "phi_half" in learnable.curve
    config = _small(
        model="autoencoder",
        optimizer="adamw",
        lr=0.01,
        warmup_steps=20,
        weight_decay=-0.1,
        init_scale=0.1,
        a=1.2,
    )
    (auto,) = train([config], progress=False)
    assert auto.status == "completed"
    assert auto.curve["loss"][-1] < auto.curve["loss"][0]
    assert {"phi_half", "mean_sq_overlap"} <= set(auto.curve)


def test_a_diverging_run_stops_alone():
    good, bad = train([_small(seed=1), _small(seed=2, lr=1e4)], progress=False)
    assert good.status == "completed" and good.reason == ""
    assert bad.status == "diverged" and ("not finite" in bad.reason or "above" in bad.reason)
    assert bad.curve["step"].size < good.curve["step"].size


def test_dead_start_is_an_error():
    with pytest.raises(ValueError, match="dead start"):
        train([_small(init_scale=0.0)], progress=False)


def test_float64_and_mixed_shapes():
    (result,) = train([_small(dtype="float64", steps=20)], progress=False)
    assert result.curve["loss"].dtype == np.float64
    with pytest.raises(ValueError, match="shape_key"):
        train([_small(), _small(width=8)], progress=False)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"model": "mlp"}, "model must be one of"),
        ({"width": 128}, "width must be <= n_features"),
        ({"width": 0}, "width must be >= 1"),
        ({"lr": 0.0}, "lr must be > 0"),
        ({"batch_size": 0}, "batch_size must be >= 1"),
        ({"model": "linear", "width": 16}, "no bottleneck"),
        ({"dtype": "float16"}, "dtype"),
        ({"readout": "tanh"}, "readout must be one of"),
        ({"model": "learnable", "readout": "linear"}, "readout='linear' has no effect"),
    ],
)
def test_bad_configs(changes, match):
    with pytest.raises(ValueError, match=match):
        _small(**changes)


@pytest.mark.gpu
def test_gpu_matches_cpu_statistically():
    # the same configuration on both devices: different random streams, same physics
    config = _small(steps=300, seed=5)
    cpu = train([config], device="cpu", progress=False)[0]
    gpu = train([config], device="cuda", progress=False)[0]
    assert gpu.device.startswith("cuda")
    assert np.allclose(cpu.curve["loss"][-5:], gpu.curve["loss"][-5:], rtol=0.1)
    assert torch.cuda.is_available()


@pytest.mark.parametrize("model", ["superposition", "learnable", "autoencoder"])
def test_fused_and_unfused_read_outs_train_the_same_curve(model):
    # float32, same seed: the two paths differ only in rounding (summation order)
    extra = {"optimizer": "adamw", "lr": 0.01} if model == "autoencoder" else {}
    config = _small(model=model, steps=100, **extra)
    (fused,) = train([config], progress=False)
    (unfused,) = train([config], progress=False, model_options={"fuse_on_cpu": False})
    assert fused.curve["loss"][-1] < 0.9 * fused.curve["loss"][0]  # it trains
    np.testing.assert_allclose(fused.curve["loss"], unfused.curve["loss"], rtol=1e-5)


def test_a_rise_from_the_lowest_loss_is_divergence_and_no_final_loss(tmp_path):  # issue example: lr 21
    from superdyn.verify.orchestrate.sweep import run_sweep
    from superdyn.verify.store import ResultStore

    config = RunConfig(model="linear", n_features=32, width=32, lr=21.0, steps=12, batch_size=1024, seed=0)
    (result,) = train([config], device="cpu", progress=False)
    assert result.status == "diverged" and "did not come back" in result.reason
    run_sweep([config], tmp_path, device="cpu", progress=False)
    meta = ResultStore(tmp_path).metadata(config)
    assert meta["status"] == "diverged" and meta["final_loss"] is None and meta["last_finite_loss"] > 0


def test_a_spike_of_sgd_noise_that_recovers_is_not_divergence():
    # single samples at a third of the expected loss's stability limit (2.36): the population
    # loss of a run jumps when a rare feature is hit, and comes back
    configs = [
        RunConfig(
            model="linear",
            n_features=8,
            width=8,
            a=1.5,
            b=0.25,
            lr=0.8,
            batch_size=1,
            steps=300,
            seed=s,
            dtype="float64",
        )
        for s in range(64)
    ]
    results = train(configs, device="cpu", progress=False)
    spikes = [r for r in results if np.any(r.curve["loss"] > 1.5 * np.minimum.accumulate(r.curve["loss"]))]
    assert spikes  # the noise is there ...
    assert all(r.status == "completed" for r in results)  # ... and is not called divergence


def test_the_linear_readout_follows_the_exact_linear_superposition_solver():
    # online SGD's mean follows gradient descent exactly (the gradient is linear in B); at batch 512 its
    # noise is small, so the measured population loss is the solver's curve at the same lr. The
    # diagonal second moment (a wrong Sigma for these inputs) is off by 0.25-1% in the median.
    configs = [
        _small(readout="linear", a=1.5, b=0.25, batch_size=512, steps=1000, seed=s, dtype="float64")
        for s in (0, 1)
    ]
    for result in train(configs, progress=False):
        config = result.config
        assert result.loss_measure == "population"
        embedding = run_embedding(config)
        assert np.allclose(
            np.sort(result.arrays["frame_spectrum"]), np.linalg.eigvalsh(embedding @ embedding.T)
        )
        theory = linear_superposition(
            config.task, embedding, result.curve["t"], covariance="exact", lr=config.lr
        )
        deviation = np.abs(result.curve["loss"] / theory.loss - 1.0)
        assert np.median(deviation) < 1e-3 and deviation.max() < 0.05


def test_relu_without_bias_trains_b_only():
    (relu,) = train([_small(readout="relu", steps=200)], progress=False)
    (with_bias,) = train([_small(steps=200)], progress=False)
    assert relu.status == "completed" and relu.curve["loss"][-1] < 0.8 * relu.curve["loss"][0]
    # the same seed, W, B(0) and batches: only the bias differs, and it moves the curve
    assert relu.curve["loss"][0] == with_bias.curve["loss"][0]
    assert not np.allclose(relu.curve["loss"][-5:], with_bias.curve["loss"][-5:], rtol=1e-3)

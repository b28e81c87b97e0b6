"""Every model's hand-written gradient against torch autograd on the dense formula."""

import numpy as np
import pytest
import torch
from superdyn.verify.run.config import RunConfig
from superdyn.verify.run.models import MODELS
from superdyn.verify.run.models.base import RowGradient
from superdyn.verify.run.sampler import SparseSampler


def _options(model_name, scatter=None, fused=True):
    """Code-path choices for the model's constructor (scatter_forward only where the model has one)."""
    options = {"fuse_on_cpu": fused}
    if scatter is not None and model_name in ("superposition", "learnable"):
        options["scatter_forward"] = scatter
    return options


def _setup(model_name, tied=False, configs=2, n=24, k=6, batch=64, readout="relu_bias", **options):
    width = n if model_name == "linear" else k
    # the options a model reads: the linear model starts from B = 0 (moved below), only learnable ties
    own = {} if model_name == "linear" else {"init_scale": 0.3}
    own |= {"tied": tied} if model_name == "learnable" else {}
    own |= {"readout": readout} if model_name == "superposition" else {}
    cfgs = [
        RunConfig(
            model=model_name,
            n_features=n,
            width=width,
            a=0.6 + 0.3 * c,
            b=0.2 * c,
            seed=c,
            dtype="float64",
            density=3.0,
            **own,
        )
        for c in range(configs)
    ]
    gens = [torch.Generator().manual_seed(c.seed) for c in cfgs]
    model = MODELS[model_name].for_runs(cfgs, **options)
    params = model.init(cfgs, gens, torch.device("cpu"), torch.float64)
    if model_name == "linear":  # start away from B = 0 so every term of the gradient is exercised
        params["B_t"].normal_(0, 0.3, generator=gens[0])
    params = {name: value.clone() for name, value in params.items()}
    if "bias" in model.trainable:  # a read-out without a bias keeps it at 0
        params["bias"].normal_(0, 0.2, generator=gens[0])
    tasks = [c.task for c in cfgs]
    sampler = SparseSampler([t.p for t in tasks], [1.0] * configs, torch.device("cpu"), torch.float64)
    channel = torch.as_tensor(np.array([t.importance for t in tasks]))
    return model, params, sampler.sample(batch, gens), channel


def _dense_loss(model_name, params, x, channel, readout="relu_bias"):
    """1/2 sum over outputs, mean over the batch, written densely for autograd."""
    return _dense_feature_losses(model_name, params, x, channel, readout).sum(1)


def _dense_outputs(model_name, params, x, readout="relu_bias"):
    if model_name == "superposition" and readout == "linear":
        enc = params["enc"]
        return x @ enc @ params["B"].transpose(1, 2) @ enc.transpose(1, 2)
    if model_name == "linear":
        y = x @ params["B_t"]  # y_b = B x_b = (x_b^T B^T)
    elif model_name == "autoencoder":
        w = params["W"]
        y = torch.relu(x @ w @ w.transpose(1, 2) + params["bias"][:, None, :])
    else:
        enc = params["enc"]
        dec = params.get("dec", enc)
        h = x @ enc
        z = h @ params["B"].transpose(1, 2)
        y = torch.relu(z @ dec.transpose(1, 2) + params["bias"][:, None, :])
    return y  # (C, batch, N)


def _dense_feature_losses(model_name, params, x, channel, readout="relu_bias"):
    """1/2 mean over the batch of (y - y*)^2 per output: (C, N)."""
    y = _dense_outputs(model_name, params, x, readout)
    return 0.5 * (y - x * channel[:, None, :]).pow(2).mean(1)


@pytest.mark.parametrize("fused", [True, False])  # the fused CPU read-out, or the unfused (GPU) one
@pytest.mark.parametrize("scatter", [True, False])  # the forward by scattered rows, or by a dense product
@pytest.mark.parametrize(
    ("name", "tied"),
    [
        ("linear", False),
        ("superposition", False),
        ("learnable", False),
        ("learnable", True),
        ("autoencoder", False),
    ],
)
def test_gradient_matches_autograd(name, tied, scatter, fused):
    model, params, batch, channel = _setup(name, tied, **_options(name, scatter, fused))
    loss, grads, _, active = model.loss(params, batch, channel, grads=True)
    leaves = {n: p.clone().requires_grad_(True) for n, p in params.items()}
    x = batch.dense(channel.shape[1])
    reference = _dense_loss(name, leaves, x, channel)
    if name == "autoencoder":  # Liu et al. minimise mean (y - x)^2 over outputs and batch: 2/N of superdyn's
        (reference * 2 / x.shape[-1]).sum().backward()
    else:
        reference.sum().backward()
    assert torch.allclose(loss, reference.detach(), rtol=1e-12)
    trained = [n for n in model.trainable if n in params]
    assert set(grads) == set(trained)
    for n in trained:
        grad = grads[n].dense() if isinstance(grads[n], RowGradient) else grads[n]
        assert torch.allclose(grad, leaves[n].grad, rtol=1e-10, atol=1e-13), n
    if model.relu:
        assert 0 < float(active.min()) < 1


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("scatter", [True, False])
@pytest.mark.parametrize("name", ["linear", "superposition", "learnable", "autoencoder"])
def test_evaluation_gives_each_output_its_loss(name, scatter, fused):
    model, params, batch, channel = _setup(name, **_options(name, scatter, fused))
    loss, grads, features, active = model.loss(params, batch, channel, grads=False)
    x = batch.dense(channel.shape[1])
    reference = _dense_feature_losses(name, params, x, channel)
    assert grads is None and features.shape == reference.shape
    assert torch.allclose(features, reference, rtol=1e-10, atol=1e-15)
    assert torch.allclose(loss, reference.sum(1), rtol=1e-12)
    if model.relu:  # exact share of outputs that are on (training only estimates it)
        y = _dense_outputs(name, params, x)
        assert torch.allclose(active, (y > 0).double().mean((1, 2)))


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("readout", ["relu", "linear"])
def test_ablation_readouts_match_autograd(readout, fused):
    # paper A.2's ablation: ReLU with the bias held at 0, and the linear read-out W^T B W x
    model, params, batch, channel = _setup("superposition", readout=readout, fuse_on_cpu=fused)
    assert not torch.any(params["bias"])
    leaves = {n: p.clone().requires_grad_(True) for n, p in params.items()}
    x = batch.dense(channel.shape[1])
    reference = _dense_loss("superposition", leaves, x, channel, readout)
    reference.sum().backward()
    loss, grads, _, _ = model.loss(params, batch, channel, grads=True)
    assert torch.allclose(loss, reference.detach(), rtol=1e-12)
    assert set(grads) == {"B"} and model.trainable == ("B",)
    assert torch.allclose(grads["B"], leaves["B"].grad, rtol=1e-10, atol=1e-13)
    assert model.relu == (readout == "relu")
    loss, _, features, _ = model.loss(params, batch, channel, grads=False)
    assert torch.allclose(features, _dense_feature_losses("superposition", params, x, channel, readout))


def test_linear_readout_population_loss_is_the_sample_mean_in_the_limit():
    # the exact quadratic form against the mean over 200 000 samples, within 4 standard errors
    model, params, _, channel = _setup("superposition", readout="linear", configs=1, n=12, k=4)
    config = RunConfig(model="superposition", n_features=12, width=4, a=0.6, density=3.0, readout="linear")
    task = config.task
    moments = {
        name: torch.as_tensor(np.array([value]))
        for name, value in {"p": task.p, "channel": task.importance, "m1": task.m1, "m2": task.m2}.items()
    }
    exact, per_feature = model.population_loss(params, moments)
    sampler = SparseSampler([task.p], [1.0], torch.device("cpu"), torch.float64)
    batch = sampler.sample(200_000, [torch.Generator().manual_seed(7)])
    x = batch.dense(12)
    samples = 0.5 * (_dense_outputs("superposition", params, x, "linear") - x * channel[:1, None, :]).pow(2)
    per_sample = samples.sum(2).flatten()
    stderr = float(per_sample.std() / np.sqrt(per_sample.numel()))
    assert abs(float(exact[0]) - float(per_sample.mean())) < 4 * stderr
    assert torch.allclose(per_feature.sum(1), exact)
    relu, relu_params, _, _ = _setup("superposition", readout="relu", configs=1, n=12, k=4)
    assert relu.population_loss(relu_params, moments) is None


@pytest.mark.parametrize("name", ["learnable", "autoencoder"])
def test_sparse_and_dense_backward_agree(name):
    # force each branch of the masked products of the unfused read-out, and compare
    always_sparse, params, batch, channel = _setup(name, fuse_on_cpu=False, sparse_below=2.0)
    same_forward = {"scatter_forward": always_sparse.scatter_forward} if name == "learnable" else {}
    always_dense = type(always_sparse)(fuse_on_cpu=False, sparse_below=-1.0, **same_forward)
    _, sparse, _, _ = always_sparse.loss(params, batch, channel, grads=True)
    _, dense, _, _ = always_dense.loss(params, batch, channel, grads=True)
    for n in sparse:
        assert torch.allclose(sparse[n], dense[n], rtol=1e-12, atol=1e-14)


def test_sampler_is_exact_bernoulli():
    # marginals p_i and independence (pairwise co-occurrence p_i p_j), from 200k samples
    p = np.array([[0.5, 0.3, 0.1, 0.05, 0.01]])
    sampler = SparseSampler(p, [2.0], torch.device("cpu"), torch.float64)
    batch = sampler.sample(200_000, [torch.Generator().manual_seed(0)])
    x = batch.dense(5)[0]
    active = (x > 0).double()
    tol = 4 * np.sqrt(p * (1 - p) / 200_000)
    assert np.all(np.abs(active.mean(0).numpy() - p[0]) < tol[0])
    both = (active[:, 0] * active[:, 1]).mean().item()
    assert abs(both - 0.15) < 4 * np.sqrt(0.15 * 0.85 / 200_000)
    values = x[x > 0]
    assert abs(values.mean().item() - 1.0) < 0.01 and values.max().item() <= 2.0


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("name", ["superposition", "learnable", "autoencoder"])
def test_a_nan_parameter_reaches_the_loss(name, fused):
    # the trainer stops a run on a non-finite loss: a NaN must not hide behind the ReLU
    model, params, batch, channel = _setup(name, batch=4, fuse_on_cpu=fused)
    inputs = set(batch.feature[batch.config == 1].tolist())
    quiet = min(set(range(channel.shape[1])) - inputs)  # an output that no input of config 1 targets
    params["bias"][1, quiet] = float("nan")
    loss, _, _, _ = model.loss(params, batch, channel, grads=True)
    assert torch.isfinite(loss[0]) and torch.isnan(loss[1])


def test_compiled_event_placement_matches_the_torch_one():
    # the CPU places events with a numba loop, other devices with torch operations
    from superdyn.verify.run.sampler import _place, place_events

    gen = torch.Generator().manual_seed(3)
    for n, rate in [(5, 4.0), (64, 1.0), (1024, 3.0)]:
        p = torch.rand(n, generator=gen, dtype=torch.float64) ** 3
        cdf = torch.cumsum(p, 0) / p.sum()
        cdf[-1] = 1.0
        counts = torch.poisson(torch.full((500,), rate, dtype=torch.float64), generator=gen).long()
        u = torch.rand(int(counts.sum()), generator=gen, dtype=torch.float64)
        u[:3] = cdf[:3]  # ties with the cdf's steps go to the lower feature, as searchsorted's
        row, feature = place_events(counts, u, cdf)
        compiled = _place(counts.numpy(), u.numpy(), cdf.numpy())
        assert row.numel() < u.numel() and np.array_equal(compiled[0], row.numpy())
        assert np.array_equal(compiled[1], feature.numpy())

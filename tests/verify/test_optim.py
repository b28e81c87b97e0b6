"""Liu et al.'s AdamW: decay on W only, before the Adam step, norms pulled to one when gamma < 0."""

import math

import pytest
import torch
from superdyn.verify import RunConfig
from superdyn.verify.run.optim import AdamW


def _optimiser(gammas, lr=0.1, steps=10, warmup=0, floor=0.05):
    configs = [
        RunConfig(
            model="autoencoder",
            n_features=2,
            width=2,
            lr=lr,
            steps=steps,
            warmup_steps=warmup,
            optimizer="adamw",
            weight_decay=g,
            lr_floor=floor,
        )
        for g in gammas
    ]
    w = torch.tensor([[[3.0, 4.0], [0.3, 0.4]]] * len(gammas), dtype=torch.float64)
    bias = torch.tensor([[1.0, -2.0]] * len(gammas), dtype=torch.float64)
    params = {"W": w, "bias": bias}
    return AdamW(params, ("W", "bias"), configs, decayed=("W",)), params


def test_a_step_with_no_gradient_is_the_decay_alone():
    opt, params = _optimiser([0.5, -0.5])
    zero = {name: torch.zeros_like(p) for name, p in params.items()}
    opt.step(params, zero, torch.ones(2, dtype=torch.float64), 0)
    eta = 0.1  # no warm-up: eta_0 = lr
    # gamma = +0.5: W <- (1 - eta gamma) W
    assert torch.allclose(
        params["W"][0], (1 - eta * 0.5) * torch.tensor([[3.0, 4.0], [0.3, 0.4]], dtype=torch.float64)
    )
    # gamma = -0.5, row norms 5 and 0.5: w <- w + eta gamma w (1 - 1/||w||), by hand
    row_far = torch.tensor([3.0, 4.0]) * (1 + 0.1 * -0.5 * (1 - 1 / 5))  # norm 5 -> 4.8
    row_near = torch.tensor([0.3, 0.4]) * (1 + 0.1 * -0.5 * (1 - 1 / 0.5))  # norm 0.5 -> 0.525
    assert torch.allclose(params["W"][1], torch.stack([row_far, row_near]).double())
    assert torch.allclose(
        torch.linalg.vector_norm(params["W"][1], dim=1), torch.tensor([4.8, 0.525]).double()
    )
    # the bias is never decayed
    assert torch.equal(params["bias"], torch.tensor([[1.0, -2.0]] * 2, dtype=torch.float64))


def test_the_decay_comes_before_the_adam_step_with_the_scheduled_rate():
    opt, params = _optimiser([-1.0], lr=0.1, steps=10, warmup=4)
    w0 = params["W"].clone()
    grads = {"W": torch.full_like(w0, 2.0), "bias": torch.full_like(params["bias"], -3.0)}
    opt.step(params, grads, torch.ones(1, dtype=torch.float64), 0)
    eta = 0.1 * 1 / 4  # first warm-up step
    norms = torch.linalg.vector_norm(w0, dim=2, keepdim=True)
    decayed = w0 + eta * -1.0 * w0 * (1 - 1 / norms)
    adam = 2.0 / (2.0 + 1e-8)  # first Adam step: m_hat / (sqrt(v_hat) + eps)
    assert torch.allclose(params["W"], decayed - eta * adam)
    assert torch.allclose(
        params["bias"], torch.tensor([[1.0, -2.0]], dtype=torch.float64) + eta * 3.0 / (3.0 + 1e-8)
    )


def test_negative_decay_settles_norms_at_one_instead_of_growing_them():
    opt, params = _optimiser([-1.0], lr=0.5, steps=400, floor=1.0)
    zero = {name: torch.zeros_like(p) for name, p in params.items()}
    for k in range(400):
        opt.step(params, zero, torch.ones(1, dtype=torch.float64), k)
    assert torch.allclose(torch.linalg.vector_norm(params["W"][0], dim=1), torch.ones(2, dtype=torch.float64))


def test_the_schedule_warms_up_then_follows_a_cosine_to_the_floor():
    opt, _ = _optimiser([0.0], steps=2000 + 18000, warmup=2000)
    assert opt.schedule(0) == pytest.approx(1 / 2000) and opt.schedule(1999) == pytest.approx(1.0)
    assert opt.schedule(2000 + 9000) == pytest.approx(0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi / 2)))
    assert opt.schedule(20000) == pytest.approx(0.05)


def test_lr_floor_is_validated():
    with pytest.raises(ValueError, match="lr_floor"):
        RunConfig(model="autoencoder", n_features=8, width=2, optimizer="adamw", lr_floor=1.5)

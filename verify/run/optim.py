"""Batched optimisers: one learning rate per configuration, updates in place.

SGD: theta <- theta - eta g (the paper; t = eta * steps).

AdamW as Liu et al.'s published code runs it (their width experiment): Adam(0.9, 0.999,
1e-8) with bias correction; a learning rate eta_k that warms up linearly over
``warmup_steps`` and then follows a cosine from eta to ``lr_floor * eta`` at the last step;
and a weight decay gamma applied, before the Adam step and with the scheduled eta_k, to
the parameters the model names in ``decayed`` only (the autoencoder's W, never its bias).
Each row w_i of a decayed matrix (the embedding of feature i) moves as

    gamma >= 0:  w_i <- (1 - eta_k gamma) w_i,
    gamma < 0:   w_i <- w_i + eta_k gamma w_i (1 - 1 / ||w_i||),

so a negative gamma pulls every row norm towards 1 (strong superposition); it does not
grow the weights.
"""

from __future__ import annotations

import math

import torch

from .models.base import RowGradient

__all__ = ["SGD", "AdamW", "decay_rows", "make_optimizer"]


def _per_config(values, like: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(values, dtype=like.dtype, device=like.device)


def _expand(scale: torch.Tensor, tensor: torch.Tensor) -> torch.Tensor:
    return scale.view(-1, *([1] * (tensor.dim() - 1)))


def decay_rows(weights: torch.Tensor, rate: torch.Tensor, gamma: torch.Tensor) -> None:
    """Liu et al.'s weight decay of a stack of matrices (C, rows, cols), in place.

    Parameters
    ----------
    weights : Tensor (C, n, m)
        Row i of matrix c is the embedding of feature i.
    rate, gamma : Tensor (C,)
        The scheduled learning rate eta_k and the decay gamma of each configuration.

    Examples
    --------
    >>> import torch
    >>> w = torch.tensor([[[3.0, 4.0], [0.3, 0.4]]])  # row norms 5 and 0.5
    >>> decay_rows(w, torch.tensor([0.1]), torch.tensor([-1.0]))
    >>> torch.linalg.vector_norm(w, dim=2)  # 5 -> 5 - 0.1 (5 - 1), 0.5 -> 0.5 + 0.1 (1 - 0.5)
    tensor([[4.6000, 0.5500]])
    """
    step = _expand(rate * gamma, weights)
    shrink = 1.0 - step  # gamma >= 0: (1 - eta gamma) w
    norms = torch.linalg.vector_norm(weights, dim=-1, keepdim=True).clamp_min(1e-30)
    towards_one = 1.0 + step * (1.0 - 1.0 / norms)  # gamma < 0: w + eta gamma w (1 - 1/||w||)
    weights.mul_(torch.where(_expand(gamma, weights) >= 0, shrink, towards_one))


class SGD:
    """theta_c <- theta_c - lr_c * g_c for every configuration c."""

    def __init__(self, params: dict, names, configs, decayed=()):
        self.names = [n for n in names if n in params]
        self.lr = _per_config([c.lr for c in configs], params[self.names[0]])

    def step(self, params: dict, grads: dict, live: torch.Tensor, k: int) -> None:
        rate = self.lr * live
        for name in self.names:
            grad, param = grads[name], params[name]
            if isinstance(grad, RowGradient):  # only the rows it touches
                flat = param.view(-1, param.shape[-1])
                flat.index_add_(0, grad.rows, grad.values * (-rate)[grad.configs][:, None])
            else:
                param.sub_(_expand(rate, grad) * grad)


class AdamW:
    """Adam with warm-up, cosine decay and Liu et al.'s weight decay, batched over configurations."""

    beta1, beta2, eps = 0.9, 0.999, 1e-8

    def __init__(self, params: dict, names, configs, decayed=()):
        self.names = [n for n in names if n in params]
        self.decayed = [n for n in decayed if n in self.names]
        like = params[self.names[0]]
        self.lr = _per_config([c.lr for c in configs], like)
        self.decay = _per_config([c.weight_decay for c in configs], like)
        self.warmup = configs[0].warmup_steps
        self.total = configs[0].steps
        self.floor = configs[0].lr_floor
        self.m = {n: torch.zeros_like(params[n]) for n in self.names}
        self.v = {n: torch.zeros_like(params[n]) for n in self.names}

    def schedule(self, k: int) -> float:
        """eta_k / eta: linear warm-up over ``warmup`` steps, then a cosine to ``lr_floor`` at the end.

        Examples
        --------
        >>> from superdyn.verify import RunConfig
        >>> c = RunConfig(model="autoencoder", n_features=8, width=2, steps=100, warmup_steps=10,
        ...               optimizer="adamw", lr_floor=0.05)
        >>> opt = AdamW({"W": torch.zeros(1, 8, 2)}, ("W",), [c])
        >>> [round(opt.schedule(k), 4) for k in (0, 9, 10, 55, 100)]
        [0.1, 1.0, 1.0, 0.525, 0.05]
        """
        if k < self.warmup:
            return (k + 1) / self.warmup
        span = max(self.total - self.warmup, 1)
        cosine = 0.5 * (1.0 + math.cos(math.pi * min(k - self.warmup, span) / span))
        return self.floor + (1.0 - self.floor) * cosine

    def step(self, params: dict, grads: dict, live: torch.Tensor, k: int) -> None:
        rate = self.lr * live * self.schedule(k)
        for name in self.decayed:  # before the Adam step, with the scheduled rate
            decay_rows(params[name], rate, self.decay)
        correction1 = 1.0 - self.beta1 ** (k + 1)
        correction2 = 1.0 - self.beta2 ** (k + 1)
        for name in self.names:
            g, p = grads[name], params[name]
            g = g.dense() if isinstance(g, RowGradient) else g
            self.m[name].mul_(self.beta1).add_(g, alpha=1 - self.beta1)
            self.v[name].mul_(self.beta2).addcmul_(g, g, value=1 - self.beta2)
            update = (self.m[name] / correction1) / ((self.v[name] / correction2).sqrt() + self.eps)
            p.sub_(_expand(rate, p) * update)


def make_optimizer(name: str, params: dict, names, configs, decayed=()):
    """The optimiser called ``name`` ("sgd" or "adamw"); ``decayed``: the parameters weight decay acts on."""
    return {"sgd": SGD, "adamw": AdamW}[name](params, names, configs, decayed)

"""Batched optimisers: one learning rate per configuration, updates in place.

SGD: theta <- theta - eta g (the paper; t = eta * steps).
AdamW (Liu et al.): Adam moments with bias correction, a learning rate eta_k that warms up
linearly over ``warmup_steps`` and then follows a cosine to 0 at the last step, and
decoupled weight decay theta <- theta - eta_k gamma theta (gamma < 0 grows the weights).
"""

from __future__ import annotations

import math

import torch

__all__ = ["SGD", "AdamW", "make_optimizer"]


def _per_config(values, like: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(values, dtype=like.dtype, device=like.device)


def _expand(scale: torch.Tensor, tensor: torch.Tensor) -> torch.Tensor:
    return scale.view(-1, *([1] * (tensor.dim() - 1)))


class SGD:
    """theta_c <- theta_c - lr_c * g_c for every configuration c."""

    def __init__(self, params: dict, names, configs):
        self.names = [n for n in names if n in params]
        self.lr = _per_config([c.lr for c in configs], params[self.names[0]])

    def step(self, params: dict, grads: dict, live: torch.Tensor, k: int) -> None:
        rate = self.lr * live
        for name in self.names:
            params[name].sub_(_expand(rate, grads[name]) * grads[name])


class AdamW:
    """Adam with warm-up, cosine decay and decoupled weight decay, batched over configurations."""

    beta1, beta2, eps = 0.9, 0.999, 1e-8

    def __init__(self, params: dict, names, configs):
        self.names = [n for n in names if n in params]
        like = params[self.names[0]]
        self.lr = _per_config([c.lr for c in configs], like)
        self.decay = _per_config([c.weight_decay for c in configs], like)
        self.warmup = configs[0].warmup_steps
        self.total = configs[0].steps
        self.m = {n: torch.zeros_like(params[n]) for n in self.names}
        self.v = {n: torch.zeros_like(params[n]) for n in self.names}

    def schedule(self, k: int) -> float:
        """eta_k / eta: linear warm-up over ``warmup`` steps, then cosine to 0 at the end."""
        if k < self.warmup:
            return (k + 1) / self.warmup
        span = max(self.total - self.warmup, 1)
        return 0.5 * (1.0 + math.cos(math.pi * min(k - self.warmup, span) / span))

    def step(self, params: dict, grads: dict, live: torch.Tensor, k: int) -> None:
        rate = self.lr * live * self.schedule(k)
        correction1 = 1.0 - self.beta1 ** (k + 1)
        correction2 = 1.0 - self.beta2 ** (k + 1)
        for name in self.names:
            g, p = grads[name], params[name]
            self.m[name].mul_(self.beta1).add_(g, alpha=1 - self.beta1)
            self.v[name].mul_(self.beta2).addcmul_(g, g, value=1 - self.beta2)
            update = (self.m[name] / correction1) / ((self.v[name] / correction2).sqrt() + self.eps)
            p.sub_(_expand(rate, p) * (update + _expand(self.decay, p) * p))


def make_optimizer(name: str, params: dict, names, configs):
    """The optimiser called ``name`` ("sgd" or "adamw")."""
    return {"sgd": SGD, "adamw": AdamW}[name](params, names, configs)

"""Liu et al.'s toy model: y = ReLU(W W^T x + bias), W (N x m) learned.

The row w_i of W represents feature i. Trained with AdamW, warm-up and cosine decay and
decoupled weight decay gamma (gamma < 0 pushes norms up: strong superposition).
Backward with g = (y - y*) 1[pre > 0] / batch and h = W^T x:

    dW = g^T h + x^T (g W),   dbias = sum_b g_b,

both over the active entries only.
"""

from __future__ import annotations

import torch

from .base import Model, encode, residual_targets, sparse_rows
from .superposition import superposition_diagnostics

__all__ = ["Autoencoder"]


class Autoencoder(Model):
    """y = ReLU(W W^T x + bias)."""

    name = "autoencoder"
    trainable = ("W", "bias")

    def init(self, configs, generators, device, dtype):
        n, m = configs[0].n_features, configs[0].width
        w = torch.stack([torch.randn(n, m, generator=g, device=device, dtype=dtype) * c.init_scale
                         for c, g in zip(configs, generators, strict=True)])  # fmt: skip
        return {"W": w, "bias": torch.zeros(len(configs), n, dtype=dtype, device=device)}

    def loss(self, params, batch, channel, grads):
        w = params["W"]
        c, n, m = w.shape
        h = encode(batch, w).view(c, batch.batch, m)
        pre = torch.baddbmm(params["bias"][:, None, :], h, w.transpose(1, 2))
        on = pre > 0
        residual = torch.relu(pre).view(c * batch.batch, n)
        residual_targets(residual, batch, channel)
        loss = 0.5 * residual.pow(2).sum(1).view(c, batch.batch).mean(1)
        active = on.to(pre.dtype).mean((1, 2))
        if not grads:
            return loss, None, residual, active
        g = residual * on.view(c * batch.batch, n) / batch.batch
        rows, cols, vals = sparse_rows(g)
        config = rows // batch.batch
        grad = torch.zeros(c * n, m, dtype=w.dtype, device=w.device)
        grad.index_add_(0, config * n + cols, h.reshape(-1, m)[rows] * vals[:, None])  # g^T h
        gw = torch.zeros(c * batch.batch, m, dtype=w.dtype, device=w.device)
        gw.index_add_(0, rows, w.reshape(c * n, m)[config * n + cols] * vals[:, None])  # g W
        grad.index_add_(
            0, batch.config * n + batch.feature, gw[batch.row] * batch.value[:, None]
        )  # x^T (g W)
        return loss, {"W": grad.view(c, n, m), "bias": g.view(c, batch.batch, n).sum(1)}, residual, active

    def snapshot(self, params):
        return {"W": params["W"]}

    def diagnostics(self, params):
        return superposition_diagnostics(params["W"])

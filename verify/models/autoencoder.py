"""Liu et al.'s toy model: y = ReLU(W W^T x + bias), W (N x m) learned.

The row w_i of W represents feature i. Trained with AdamW, warm-up and cosine decay and
decoupled weight decay gamma (gamma < 0 pushes norms up: strong superposition).
Backward with g = (y - y*) 1[pre > 0] / batch and h = W^T x:

    dW = g^T h + x^T (g W),   dbias = sum_b g_b,

both over the active entries only.
"""

from __future__ import annotations

import torch

from ._fused import fused_readout
from .base import Model, encode, feature_losses, fused_here, masked_matmul, relu_readout
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
        scale = 1.0 / batch.batch
        if fused_here(w):  # the loss and (with grads) g^T h + x^T (g W) and sum_b g_b in one pass per sample
            if not grads:
                readout = fused_readout(batch, channel, params["bias"], pre=pre)
                return readout.loss, None, readout.feature_loss, readout.active
            readout = fused_readout(
                batch, channel, params["bias"], w, pre=pre, left=h.view(-1, m), gather="left"
            )
            loss, grad, dbias, active = readout.loss, readout.dleft.mul_(scale), readout.dbias, readout.active
        else:
            loss, g, active = relu_readout(pre, batch, channel, grads)
            if not grads:
                return loss, None, feature_losses(g, c), active
            grad = masked_matmul(g, h, active, transpose=True).mul_(scale)  # g^T h
            gw = masked_matmul(g, w, active).reshape(c * batch.batch, m).mul_(scale)  # g W
            inputs = batch.config * n + batch.feature
            grad.view(c * n, m).index_add_(0, inputs, gw[batch.row] * batch.value[:, None])  # + x^T (g W)
            dbias = g.sum(1)
        return loss, {"W": grad, "bias": dbias.mul_(scale)}, None, active

    def snapshot(self, params):
        return {"W": params["W"]}

    def diagnostics(self, params):
        return superposition_diagnostics(params["W"])

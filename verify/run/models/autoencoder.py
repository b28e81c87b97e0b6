"""Liu et al.'s toy model: y = ReLU(W W^T x + bias), W (N x m) learned.

The row w_i of W represents feature i. As in Liu et al.'s published code: W_ij ~ N(0,
init_scale^2) (theirs: 1/m), bias ~ N(0, 1); the loss they minimise is the mean squared
error over all N outputs and the batch, mean (y - x)^2, which is 2/N times superdyn's
1/2 sum; the gradient here is theirs (Adam's epsilon sees its scale), the recorded loss
superdyn's (a constant factor, so width exponents are the same). Trained with
``superdyn.verify.run.optim.AdamW``: warm-up, cosine decay and weight decay on W only (gamma < 0 pulls
row norms to 1: strong superposition). Backward with g = (y - y*) 1[pre > 0] / batch and
h = W^T x:

    dW = g^T h + x^T (g W),   dbias = sum_b g_b,

both over the active entries only, then times 2/N.
"""

from __future__ import annotations

import torch

from ._fused import fused_readout
from .base import Model, encode, feature_losses, relu_readout
from .superposition import frame_spectrum, superposition_diagnostics

__all__ = ["Autoencoder"]


class Autoencoder(Model):
    """y = ReLU(W W^T x + bias)."""

    name = "autoencoder"
    trainable = ("W", "bias")
    decayed = ("W",)

    def init(self, configs, generators, device, dtype):
        n, m = configs[0].n_features, configs[0].width
        pairs = list(zip(configs, generators, strict=True))
        w = torch.stack(
            [torch.randn(n, m, generator=g, device=device, dtype=dtype) * c.init_scale for c, g in pairs]
        )
        bias = torch.stack([torch.randn(n, generator=g, device=device, dtype=dtype) for _, g in pairs])
        return {"W": w, "bias": bias}

    def loss(self, params, batch, channel, grads):
        w = params["W"]
        c, n, m = w.shape
        h = encode(batch, w).view(c, batch.batch, m)
        pre = torch.baddbmm(params["bias"][:, None, :], h, w.transpose(1, 2))
        scale = 2.0 / (batch.batch * n)  # Liu et al.'s loss: the mean over outputs and batch of (y - x)^2
        if self.fused_on(w):  # the loss and (with grads) g^T h + x^T (g W), sum_b g_b in one pass per sample
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
            grad = self.masked_matmul(g, h, active, transpose=True).mul_(scale)  # g^T h
            gw = self.masked_matmul(g, w, active).reshape(c * batch.batch, m).mul_(scale)  # g W
            inputs = batch.config * n + batch.feature
            grad.view(c * n, m).index_add_(0, inputs, gw[batch.row] * batch.value[:, None])  # + x^T (g W)
            dbias = g.sum(1)
        return loss, {"W": grad, "bias": dbias.mul_(scale)}, None, active

    def snapshot(self, params):
        return {"W": params["W"]}

    def diagnostics(self, params):
        return superposition_diagnostics(params["W"])

    def final_arrays(self, params):
        return frame_spectrum(params["W"])

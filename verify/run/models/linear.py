"""No superposition: y = B x with B (N x N), B(0) = 0 (paper Section 3).

Gradient of L = 1/2 mean_b ||(B - A) x_b||^2: dL/dB = mean_b r_b x_b^T with r = (B - A) x,
accumulated over the few active features of each sample. The population loss is the
quadratic form L = 1/2 Tr[D Sigma D^T], D = B - A, with the exact second moment
Sigma = diag(p m2) + (p p^T - diag(p^2)) m1^2 (``quadratic_population_loss``), so no
evaluation noise is needed.
"""

from __future__ import annotations

import torch

from .base import Model, RowGradient, feature_losses, quadratic_population_loss, residual_targets

__all__ = ["Linear"]


class Linear(Model):
    """y = B x; the parameter is stored as B^T ("B_t") so columns of B are contiguous rows."""

    name = "linear"
    trainable = ("B_t",)
    relu = False

    def init(self, configs, generators, device, dtype):
        n = configs[0].n_features
        return {"B_t": torch.zeros(len(configs), n, n, dtype=dtype, device=device)}

    def loss(self, params, batch, channel, grads):
        b = params["B_t"]
        c, n, _ = b.shape
        columns = b.reshape(c * n, n)[batch.config * n + batch.feature]  # B[:, i] = row i of B^T
        residual = torch.zeros(c * batch.batch, n, dtype=b.dtype, device=b.device)
        residual.index_add_(0, batch.row, columns * batch.value[:, None])
        residual_targets(residual, batch, channel)
        loss = 0.5 * residual.pow(2).sum(1).view(c, batch.batch).mean(1)
        grad = None
        if grads:
            # dL/dB[:, i] = mean_b r_b x_bi: scatter r_b * x_bi into column i of config c
            # (only the columns of active features: the optimiser adds them in place)
            contributions = residual[batch.row] * (batch.value / batch.batch)[:, None]
            rows = batch.config * n + batch.feature
            grad = {"B_t": RowGradient(rows, contributions, batch.config, b.shape)}
        features = None if grads else feature_losses(residual, c)
        return loss, grad, features, torch.ones(c, dtype=b.dtype, device=b.device)

    def population_loss(self, params, task_moments):
        d = params["B_t"].transpose(1, 2) - torch.diag_embed(task_moments["channel"])
        return quadratic_population_loss(d, task_moments)

    def snapshot(self, params):
        return {"B": params["B_t"].transpose(1, 2)}

"""The ReLU read-out and its gradient products in one pass per sample (numba, CPU).

For each sample b, with pre_b either given or built as bias + sum over the sample's
active entries of v * rows[j] (the scattered forward), the kernel forms y = ReLU(pre_b),

    L_b = 1/2 ||y_b||^2 + sum over active inputs i of t_i (t_i / 2 - y_bi),   t_i = A_ii x_bi,

and, for every output that is on, the gradient g_bi = y_bi - [i active] t_i enters

    dbias_i += g_bi,   dright_b += g_bi R_i,   dleft_i += g_bi Lft_b,

where R (C, N, K) is the matrix the output gradient multiplies (W_dec, or W for the
autoencoder) and Lft (C * batch, M) the per-sample vector it pairs with (z, h, or none).
Once dright_b is complete it is also summed over the sample's entries, v dright_b, into
the slot of each entry's feature: D = X^T (g R), which gives dB = D^T W_active for the
superposition models and the x^T (g W) term of the autoencoder's tied gradient.
Once training is under way only a few per cent of the outputs are on, so this touches
N + E N + (on) (K + M) numbers per sample instead of the several N-wide passes and the
dense-to-sparse conversion of the unfused path. Serial, so one-thread benchmarks stay fair.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from numba import njit
from superdyn.theory.errors import InvalidInput

__all__ = ["Readout", "fused_readout"]

_GATHER = {None: 0, "entries": 1, "left": 2}
_GATHER_ENTRIES, _GATHER_LEFT = _GATHER["entries"], _GATHER["left"]


class Readout(NamedTuple):
    """What ``fused_readout`` returns; the gradient sums are over the batch, not yet divided by it.

    Attributes
    ----------
    loss : (C,)
    dright : (C, batch, K)
        sum_i g_bi R_i per sample.
    dleft : (C, N, M) or None
        sum_b g_bi Lft_b (plus x_bi dright_b with ``gather="left"``).
    dgather : (U, K) or None
        With ``gather="entries"``: sum over the entries (b, j) of v dright_b, by ``local``.
    dbias : (C, N)
        sum_b g_bi.
    active : (C,)
        Share of outputs that are on.
    feature_loss : (C, N) or None
        Without ``right``: 1/2 mean_b (y_bi - y*_bi)^2, the loss of each output.
    """

    loss: torch.Tensor
    dright: torch.Tensor
    dleft: torch.Tensor | None
    dgather: torch.Tensor | None
    dbias: torch.Tensor
    active: torch.Tensor
    feature_loss: torch.Tensor | None


# One numba kernel of about 65 lines, kept whole on purpose: its point is a single pass per sample
# (ReLU, loss, and the gradient's products read each output once); split into helpers the
# compiled loop would either take more passes over the batch or lean on inlining.
# compiled on first use and cached beside this file (keyed by its path and stamp)
@njit(cache=True)
def _readout(
    pre,
    rows,
    bias,
    row,
    local,
    feature,
    value,
    target,
    batch,
    right,
    left,
    gather,
    loss,
    dright,
    dleft,
    dgather,
    dbias,
    on,
    features,
):
    n_rows, n = loss.shape[0], bias.shape[1]
    per_feature = features.shape[0] > 0
    k_right, k_left = right.shape[2], left.shape[1]
    build = pre.shape[0] == 0
    buf = np.empty(n, dtype=bias.dtype)
    nnz = row.shape[0]
    first = 0
    for r in range(n_rows):
        c = r // batch
        last = first
        while last < nnz and row[last] == r:
            last += 1
        if build:  # (explicit loops: numba's slice assignment is several times slower here)
            for i in range(n):
                buf[i] = bias[c, i]
            for e in range(first, last):
                v, j = value[e], local[e]
                for i in range(n):
                    buf[i] += v * rows[j, i]
        else:
            for i in range(n):
                buf[i] = pre[r, i]
        squares = 0.0
        count = 0
        for i in range(n):
            y = buf[i]
            if not y <= 0:  # on; a NaN counts as on, so that it reaches the loss
                squares += y * y
                count += 1
                if per_feature:
                    features[c, i] += 0.5 * y * y
                dbias[c, i] += y
                for k in range(k_right):
                    dright[r, k] += y * right[c, i, k]
                for k in range(k_left):
                    dleft[c, i, k] += y * left[r, k]
        correction = 0.0
        for e in range(first, last):
            i, t = feature[e], target[e]
            y = max(buf[i], 0.0)
            correction += t * (0.5 * t - y)
            if per_feature:
                features[c, i] += t * (0.5 * t - y)
            if y > 0:
                dbias[c, i] -= t
                for k in range(k_right):
                    dright[r, k] -= t * right[c, i, k]
                for k in range(k_left):
                    dleft[c, i, k] -= t * left[r, k]
        if gather == _GATHER_ENTRIES:  # dgather_j += v dright_b over the entries (b, j)
            for e in range(first, last):
                v, j = value[e], local[e]
                for k in range(k_right):
                    dgather[j, k] += v * dright[r, k]
        elif gather == _GATHER_LEFT:  # dleft_i += x_bi dright_b
            for e in range(first, last):
                v, i = value[e], feature[e]
                for k in range(k_right):
                    dleft[c, i, k] += v * dright[r, k]
        loss[r] = 0.5 * squares + correction
        on[c] += count
        first = last
    if first != nnz:
        raise InvalidInput("the batch's entries must be sorted by row")


def fused_readout(
    batch, channel, bias, right=None, *, pre=None, rows=None, local=None, left=None, gather=None
) -> Readout:
    """Loss, output-gradient products and active share of y = ReLU(pre) against y* = A x.

    Parameters
    ----------
    batch : SparseBatch
        Entries sorted by row (as ``SparseSampler`` draws them).
    channel : Tensor (C, N)
        A_ii.
    bias : Tensor (C, N)
    right : Tensor (C, N, K), optional
        R in dright_b = sum_i g_bi R_i. Without it nothing is differentiated, and the
        per-feature losses 1/2 mean_b (y_bi - y*_bi)^2 are returned instead.
    pre : Tensor (C, batch, N), optional
        The pre-activations; else built from ``rows`` (U, N) and ``local`` (nnz,), the row
        of ``rows`` each entry adds (times its value) on top of the bias.
    local : LongTensor (nnz,), optional
        The slot (0..U-1) of each entry's (configuration, feature).
    left : Tensor (C * batch, M), optional
        Lft in dleft_i = sum_b g_bi Lft_b.
    gather : {None, "entries", "left"}
        Also sum v dright_b over the entries: by ``local`` into ``dgather`` (U, K), or by
        feature into ``dleft`` (then M = K): the x^T (g R) term of a tied encoder.
    """
    if gather not in _GATHER:
        raise InvalidInput(f"gather must be one of {list(_GATHER)}, got {gather!r}")
    if gather == "entries" and local is None:
        raise InvalidInput('gather="entries" needs local, the slot of each entry')
    if gather == "left" and (left is None or left.shape[1] != right.shape[2]):
        raise InvalidInput('gather="left" needs left with as many columns as right')
    evaluate = right is None
    if evaluate and (left is not None or gather is not None):
        raise InvalidInput("left and gather need right (they are gradient products)")
    c, n = bias.shape
    dtype, size = bias.dtype, batch.batch
    right = torch.empty(c, n, 0, dtype=dtype) if evaluate else right
    k = right.shape[2]
    target = channel[batch.config, batch.feature] * batch.value
    empty = np.empty((0, n), dtype=bias.detach().numpy().dtype)
    pre_np = empty if pre is None else pre.detach().reshape(c * size, n).contiguous().numpy()
    rows_np = empty if rows is None else rows.detach().contiguous().numpy()
    local_np = np.empty(0, np.int64) if local is None else local.numpy()
    left_np = np.empty((c * size, 0), empty.dtype) if left is None else left.detach().contiguous().numpy()
    loss = torch.empty(c * size, dtype=dtype)
    dright = torch.zeros(c * size, k, dtype=dtype)
    dleft = torch.zeros(c, n, left_np.shape[1], dtype=dtype)
    dgather = torch.zeros(
        int(local_np.max()) + 1 if gather == "entries" and local_np.size else 0, k, dtype=dtype
    )
    dbias = torch.zeros(c, n, dtype=dtype)
    on = np.zeros(c, np.int64)
    features = torch.zeros(c if evaluate else 0, n, dtype=dtype)
    bias_np, right_np = bias.detach().contiguous().numpy(), right.detach().contiguous().numpy()
    entries = (batch.row.numpy(), local_np, batch.feature.numpy(), batch.value.numpy(), target.numpy())
    outputs = (
        loss.numpy(),
        dright.numpy(),
        dleft.numpy(),
        dgather.numpy(),
        dbias.numpy(),
        on,
        features.numpy(),
    )
    _readout(pre_np, rows_np, bias_np, *entries, size, right_np, left_np, _GATHER[gather], *outputs)
    active = torch.as_tensor(on, dtype=dtype) / (size * n)
    return Readout(
        loss.view(c, size).mean(1),
        dright.view(c, size, k),
        None if left is None else dleft,
        dgather if gather == "entries" else None,
        dbias,
        active,
        features.div_(size) if evaluate else None,
    )

"""The ReLU read-out and its gradient products in one pass per sample (numba, CPU).

For each sample b, with pre_b either given or built as bias + sum over the sample's
active entries of v * rows[j] (the scattered forward), the kernel forms y = ReLU(pre_b),

    L_b = 1/2 ||y_b||^2 + sum over active inputs i of t_i (t_i / 2 - y_bi),   t_i = A_ii x_bi,

and, for every output that is on, the gradient g_bi = y_bi - [i active] t_i enters

    dbias_i += g_bi,   dright_b += g_bi R_i,   dleft_i += g_bi Lft_b,

where R (C, N, K) is the matrix the output gradient multiplies (W_dec, or W for the
autoencoder) and Lft (C * batch, M) the per-sample vector it pairs with (z, h, or none).
Once training is under way only a few per cent of the outputs are on, so this touches
N + E N + (on) (K + M) numbers per sample instead of the several N-wide passes and the
dense-to-sparse conversion of the unfused path. Serial, so one-thread benchmarks stay fair.
"""

from __future__ import annotations

import numpy as np
import torch
from numba import njit

__all__ = ["fused_readout"]


@njit(cache=True)
def _readout(pre, rows, bias, row, local, feature, value, target, batch, right, left,
             loss, dright, dleft, dbias, on):  # fmt: skip
    n_rows, n = loss.shape[0], bias.shape[1]
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
            if y > 0:
                dbias[c, i] -= t
                for k in range(k_right):
                    dright[r, k] -= t * right[c, i, k]
                for k in range(k_left):
                    dleft[c, i, k] -= t * left[r, k]
        loss[r] = 0.5 * squares + correction
        on[c] += count
        first = last
    if first != nnz:
        raise ValueError("the batch's entries must be sorted by row")


def fused_readout(batch, channel, bias, right, *, pre=None, rows=None, local=None, left=None):
    """Loss, output-gradient products and active share of y = ReLU(pre) against y* = A x.

    Parameters
    ----------
    batch : SparseBatch
        Entries sorted by row (as ``SparseSampler`` draws them).
    channel : Tensor (C, N)
        A_ii.
    bias : Tensor (C, N)
    right : Tensor (C, N, K)
        R in dright_b = sum_i g_bi R_i.
    pre : Tensor (C, batch, N), optional
        The pre-activations; else built from ``rows`` (U, N) and ``local`` (nnz,), the row
        of ``rows`` each entry adds (times its value) on top of the bias.
    left : Tensor (C * batch, M), optional
        Lft in dleft_i = sum_b g_bi Lft_b.

    Returns
    -------
    loss : (C,)
    dright : (C, batch, K)
    dleft : (C, N, M) or None
    dbias : (C, N)
        Sums over the batch, not yet divided by it.
    active : (C,)
        Share of outputs that are on.
    """
    c, n, k = right.shape
    dtype, size = right.dtype, batch.batch
    target = channel[batch.config, batch.feature] * batch.value
    empty = np.empty((0, n), dtype=right.numpy().dtype)
    pre_np = empty if pre is None else pre.detach().reshape(c * size, n).contiguous().numpy()
    rows_np = empty if rows is None else rows.detach().contiguous().numpy()
    local_np = np.empty(0, np.int64) if local is None else local.numpy()
    left_np = np.empty((c * size, 0), empty.dtype) if left is None else left.detach().contiguous().numpy()
    loss = torch.empty(c * size, dtype=dtype)
    dright = torch.zeros(c * size, k, dtype=dtype)
    dleft = torch.zeros(c, n, left_np.shape[1], dtype=dtype)
    dbias = torch.zeros(c, n, dtype=dtype)
    on = np.zeros(c, np.int64)
    bias_np, right_np = bias.detach().contiguous().numpy(), right.detach().contiguous().numpy()
    entries = (batch.row.numpy(), local_np, batch.feature.numpy(), batch.value.numpy(), target.numpy())
    outputs = (loss.numpy(), dright.numpy(), dleft.numpy(), dbias.numpy(), on)
    _readout(pre_np, rows_np, bias_np, *entries, size, right_np, left_np, *outputs)
    active = torch.as_tensor(on, dtype=dtype) / (size * n)
    return loss.view(c, size).mean(1), dright.view(c, size, k), None if left is None else dleft, dbias, active

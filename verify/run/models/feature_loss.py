"""Per-feature losses of a ReLU read-out, with a relative error controlled for every feature.

For a student whose pre-activation is linear in the input, pre = M x + bias (superposition:
M = W_dec B W_enc^T), the loss of output i is l_i = 1/2 (ReLU(pre_i) - A_ii x_i)^2 and its
expectation splits on whether feature i is active (the features are independent):

    L_i = p_i E[l_i | x_i = v, v ~ U(0, v_max)] + (1 - p_i) E[l_i | x_i = 0].

Writing c_i = pre_i - M_ii x_i (output i's pre-activation from the other features and the
bias), both terms are averages over the *other* features only, so every sample of an
evaluation set serves every feature, common or rare:

* inactive: 1/2 ReLU(c_i)^2;
* active: the average over v of 1/2 (ReLU(c_i + M_ii v) - A_ii v)^2, done in closed form
  (the integrand is quadratic in v on each side of the ReLU's kink).

A plain average of l_i over an evaluation set sees feature i only in the ~p_i S samples
where it occurs; for rare features that is none, and the estimate is then the inactive
term alone. Here the standard error of each term is that of a mean over all S samples,
and the returned error combines the two.
"""

from __future__ import annotations

import torch

from ..sampler import SparseBatch

__all__ = ["conditional_feature_losses"]


def _quadratic_integral(c, d, lo, hi):
    """∫_lo^hi 1/2 (c + d v)^2 dv, expanded so that d -> 0 is exact."""
    return 0.5 * (c * c * (hi - lo) + c * d * (hi * hi - lo * lo) + d * d * (hi**3 - lo**3) / 3.0)


def _active_term(c, m, a, v_max):
    """(1 / v_max) ∫_0^v_max 1/2 (ReLU(c + m v) - a v)^2 dv, elementwise.

    ``c`` (.., N), ``m`` and ``a`` broadcast against it. On [lo, hi] the ReLU is on
    (c + m v > 0) and the integrand is 1/2 (c + (m - a) v)^2; elsewhere it is 1/2 a^2 v^2.
    """
    zero, top = torch.zeros_like(c), torch.full_like(c, v_max)
    safe_m = torch.where(m == 0, torch.ones_like(m), m)
    edge = (-c / safe_m).clamp(0.0, v_max)
    lo = torch.where(m > 0, edge, zero)
    hi = torch.where(m < 0, edge, top)
    flat_off = (m == 0) & (c <= 0)  # m = 0: on everywhere if c > 0, nowhere otherwise
    lo = torch.where(flat_off, top, lo)
    hi = torch.where(flat_off, top, hi)
    on = _quadratic_integral(c, m - a, lo, hi)
    off = 0.5 * a * a * (v_max**3 - (hi**3 - lo**3)) / 3.0
    return (on + off) / v_max


def conditional_feature_losses(effective, bias, channel, p, value_max, batch: SparseBatch):
    """Per-feature losses L_i and their standard errors from an evaluation batch.

    Parameters
    ----------
    effective : Tensor (C, N, N)
        M with pre = M x + bias.
    bias, channel, p : Tensor (C, N)
        The read-out bias, the teacher's A_ii and the feature frequencies.
    value_max : sequence of float (C,)
        v_max of each configuration (values v ~ U(0, v_max)).
    batch : SparseBatch
        S samples per configuration, drawn from the task's distribution.

    Returns
    -------
    loss, stderr : Tensor (C, N)
        In float64, on the device of ``effective``.

    Examples
    --------
    >>> import torch
    >>> from superdyn.verify.run.sampler import SparseSampler
    >>> n = 4
    >>> p = torch.full((1, n), 0.25, dtype=torch.float64)
    >>> sampler = SparseSampler([p[0].numpy()], [1.0], torch.device("cpu"), torch.float64)
    >>> batch = sampler.sample(64, [torch.Generator().manual_seed(0)])
    >>> eye, ones = torch.eye(n, dtype=torch.float64)[None], torch.ones(1, n, dtype=torch.float64)
    >>> loss, se = conditional_feature_losses(0.5 * eye, 0 * ones, ones, p, [1.0], batch)
    >>> torch.allclose(loss, p * (0.5 - 1) ** 2 / 3 / 2)  # p m2 (d - a)^2 / 2, no interference
    True
    """
    m = effective.to(torch.float64)
    c_count, n, _ = m.shape
    size = batch.batch
    values = batch.value.to(torch.float64)
    pre = bias.to(torch.float64).repeat_interleave(size, dim=0)  # (C * S, N)
    columns = m.transpose(1, 2)[batch.config, batch.feature]  # column j of M_c for each entry: (nnz, N)
    pre.index_add_(0, batch.row, columns * values[:, None])
    diagonal = torch.diagonal(m, dim1=1, dim2=2)  # (C, N)
    pre[batch.row, batch.feature] -= diagonal[batch.config, batch.feature] * values  # c_i: without x_i
    others = pre.view(c_count, size, n)
    inactive = 0.5 * others.clamp_min(0.0).square()
    active = torch.stack(
        [
            _active_term(
                others[c], diagonal[c][None], channel[c].to(torch.float64)[None], float(value_max[c])
            )
            for c in range(c_count)
        ]
    )
    q = p.to(torch.float64)
    loss = q * active.mean(1) + (1 - q) * inactive.mean(1)
    variance = (
        (q**2 * active.var(1) + (1 - q) ** 2 * inactive.var(1)) / size
        if size > 1
        else torch.full_like(loss, float("inf"))
    )
    return loss, variance.sqrt()

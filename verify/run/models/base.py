"""What every model supplies, and the sparse operations they share.

A model owns the maths only: initial parameters, the loss with its gradient for a
batch, and what to record. The loop (``superdyn.verify.run.trainer``) is written once. Parameters
are stacked over C configurations that share shapes: a tensor of shape (C, ...). The
choices between equivalent code paths (fused CPU read-out, sparse products) are
constructor arguments, fixed for the model's life.

Loss convention (paper Eq. 4): L = 1/2 sum over the N outputs of (y - y*)^2, averaged
over the batch; the teacher is y* = A x with A = diag(i^-b).
"""

from __future__ import annotations

import abc

import torch

from ..sampler import SparseBatch

__all__ = [
    "SPARSE_BELOW",
    "ActiveColumns",
    "Model",
    "RowGradient",
    "encode",
    "feature_losses",
    "masked_matmul",
    "quadratic_population_loss",
    "relu_readout",
    "residual_targets",
]

#: The default of ``Model(sparse_below=...)``: below this share of non-zero entries a (batch x N)
#: gradient is multiplied as a sparse matrix.
SPARSE_BELOW = 0.1
_PROBE_ROWS = 64


class RowGradient:
    """A gradient that is non-zero in a few rows of a stack of matrices (C, R, M) only.

    The dense gradient is ``zeros(shape).view(-1, M).index_add_(0, rows, values)``; an
    optimiser applies it without forming that matrix.

    Attributes
    ----------
    rows : LongTensor (nnz,)
        Row of the flattened (C * R, M) stack each value belongs to.
    values : Tensor (nnz, M)
    configs : LongTensor (nnz,)
        The configuration of each row (rows // R).
    shape : tuple
    """

    def __init__(self, rows, values, configs, shape):
        self.rows, self.values, self.configs, self.shape = rows, values, configs, tuple(shape)

    def dense(self) -> torch.Tensor:
        out = torch.zeros(self.shape, dtype=self.values.dtype, device=self.values.device)
        out.view(-1, self.shape[-1]).index_add_(0, self.rows, self.values)
        return out


def encode(batch: SparseBatch, rows_of: torch.Tensor) -> torch.Tensor:
    """h[row] = sum over active entries of rows_of[config, feature] * value.

    ``rows_of`` has shape (C, N, K) (row i is the vector feature i maps to); the result
    has shape (C * batch, K). The sparse encoder: a gather of a few rows per sample.
    """
    c, n, k = rows_of.shape
    gathered = rows_of.reshape(c * n, k)[batch.config * n + batch.feature] * batch.value[:, None]
    out = torch.zeros(batch.n_configs * batch.batch, k, dtype=rows_of.dtype, device=rows_of.device)
    return out.index_add_(0, batch.row, gathered)


def residual_targets(residual: torch.Tensor, batch: SparseBatch, channel: torch.Tensor) -> torch.Tensor:
    """Subtract the teacher y* = A x, sparse, from a (C * batch, N) output in place."""
    residual[batch.row, batch.feature] -= channel[batch.config, batch.feature] * batch.value
    return residual


class ActiveColumns:
    """The distinct (configuration, feature) pairs active in a batch, for products that skip the rest.

    Attributes
    ----------
    keys : LongTensor (U,)
        config * N + feature, sorted.
    inverse : LongTensor (nnz,)
        Position in ``keys`` of each active entry of the batch.
    bounds : list of int
        keys[bounds[c]:bounds[c + 1]] belong to configuration c.
    """

    def __init__(self, batch: SparseBatch, n_features: int, n_configs: int):
        self.keys, self.inverse = torch.unique(batch.config * n_features + batch.feature, return_inverse=True)
        counts = torch.bincount(self.keys // n_features, minlength=n_configs).tolist()
        self.bounds = [0, *torch.tensor(counts).cumsum(0).tolist()]

    def per_config(self, rows: torch.Tensor, matrices: torch.Tensor, transpose_right=False) -> torch.Tensor:
        """rows[j] @ M_c (or M_c^T) for the configuration c that owns row j."""
        width = matrices.shape[1] if transpose_right else matrices.shape[2]
        out = torch.empty(rows.shape[0], width, dtype=rows.dtype, device=rows.device)
        for c, (lo, hi) in enumerate(zip(self.bounds[:-1], self.bounds[1:], strict=True)):
            m = matrices[c].transpose(0, 1) if transpose_right else matrices[c]
            torch.mm(rows[lo:hi], m, out=out[lo:hi])
        return out

    def scatter(
        self, rows: torch.Tensor, batch: SparseBatch, size: int, base=None, weights=None
    ) -> torch.Tensor:
        """out[row] += weight * rows[feature] over the batch's active entries: (size, K).

        ``out`` starts from ``base`` (C, K), repeated over each configuration's samples, or 0;
        each entry's weight is its value unless ``weights`` (nnz,) are given.
        """
        if base is None:
            out = torch.zeros(size, rows.shape[1], dtype=rows.dtype, device=rows.device)
        else:
            out = base.repeat_interleave(size // base.shape[0], dim=0)
        weights = batch.value if weights is None else weights
        terms = rows.index_select(0, self.inverse).mul_(weights[:, None])
        return out.index_add_(0, batch.row, terms)

    def gather(self, per_sample: torch.Tensor, batch: SparseBatch) -> torch.Tensor:
        """D[j] = sum over entries of feature j of value * per_sample[row]: (U, K)."""
        out = torch.zeros(
            self.keys.numel(), per_sample.shape[1], dtype=per_sample.dtype, device=per_sample.device
        )
        return out.index_add_(0, self.inverse, per_sample[batch.row] * batch.value[:, None])

    def outer(self, left: torch.Tensor, right: torch.Tensor) -> torch.Tensor:
        """sum_j left[j] right[j]^T per configuration: (C, K, K)."""
        blocks = [
            left[lo:hi].T @ right[lo:hi] for lo, hi in zip(self.bounds[:-1], self.bounds[1:], strict=True)
        ]
        return torch.stack(blocks)


def relu_readout(pre: torch.Tensor, batch: SparseBatch, channel: torch.Tensor, grads: bool):
    """Loss and output gradient of y = ReLU(pre) against y* = A x, with few dense passes.

    L_b = 1/2 ||y_b - y*_b||^2 = 1/2 ||y_b||^2 + sum over active inputs (y*^2 / 2 - y y*),
    so only ||y_b||^2 needs the dense output; d L / d pre = (y - y*) 1[pre > 0] is y with
    y* subtracted at the active inputs whose output is on. ``pre`` is overwritten.

    Returns
    -------
    loss : (C,)
    out : (C, B, N)
        With ``grads``: batch * dL/dpre (the 1/batch is left to the caller's smaller
        products); else the residual y - y*.
    active : (C,)
        Share of outputs that are on (with ``grads``, estimated from the first 64 samples).
    """
    c, size, n = pre.shape
    y = pre.clamp_min_(0).view(c * size, n)
    target = channel[batch.config, batch.feature] * batch.value
    at = y[batch.row, batch.feature]
    per_sample = 0.5 * torch.linalg.vector_norm(y, dim=1).square()  # one pass, no (B, N) temporary
    per_sample.index_add_(0, batch.row, target * (0.5 * target - at))
    loss = per_sample.view(c, size).mean(1)
    # the share of outputs that are on: exact for measurements, from the first rows when
    # training (it only chooses between sparse and dense products there)
    probe = y.view(c, size, n)[:, : _PROBE_ROWS if grads else size]
    active = torch.count_nonzero(probe.reshape(c, -1), dim=1).to(y.dtype) / probe[0].numel()
    y[batch.row, batch.feature] = at - target * (at > 0) if grads else at - target
    return loss, y.view(c, size, n), active


def quadratic_population_loss(d: torch.Tensor, task_moments: dict):
    """Exact population loss of a linear student y = M x against y* = A x, with D = M - A (C, N, N).

    With the second moment Sigma = diag(p m2) + (p p^T - diag(p^2)) m1^2 of the sparse inputs,
    L = 1/2 Tr[D Sigma D^T], and the loss of output i is

        L_i = 1/2 [ sum_j D_ij^2 (p_j m2 - p_j^2 m1^2) + m1^2 (D p)_i^2 ].

    Returns (loss (C,), per-feature losses (C, N)).
    """
    p, m1, m2 = task_moments["p"], task_moments["m1"], task_moments["m2"]
    diagonal = p * m2[:, None] - p**2 * (m1**2)[:, None]
    mean_term = (m1**2)[:, None] * torch.einsum("cij,cj->ci", d, p) ** 2
    per_feature = 0.5 * ((d**2 * diagonal[:, None, :]).sum(2) + mean_term)
    return per_feature.sum(1), per_feature


def feature_losses(residual: torch.Tensor, n_configs: int) -> torch.Tensor:
    """1/2 mean over the batch of residual^2, per configuration and output: (C, N)."""
    return 0.5 * residual.pow(2).view(n_configs, -1, residual.shape[-1]).mean(1)


def masked_matmul(
    g: torch.Tensor,
    right: torch.Tensor,
    active: torch.Tensor,
    transpose: bool = False,
    sparse_below: float = SPARSE_BELOW,
):
    """g_c @ right_c (or g_c^T @ right_c) for each configuration c; g (C, B, N) is mostly zero.

    A configuration whose share of active outputs ``active[c]`` is below ``sparse_below``
    is multiplied as a sparse (COO) matrix, the others densely. The choice depends on that
    configuration alone, so a run's numbers do not depend on what it is batched with.
    """
    out = []
    for gc, rc, share in zip(g, right, active.tolist(), strict=True):
        left = gc.t() if transpose else gc
        out.append(left @ rc if share >= sparse_below else torch.sparse.mm(left.to_sparse(), rc))
    return torch.stack(out)


class Model(abc.ABC):
    """A student model (abstract).

    Parameters
    ----------
    fuse_on_cpu : bool
        Train and measure on the CPU with the fused read-out (``superdyn.verify.run.models._fused``): one
        pass per sample for the ReLU, the loss and the gradient's products. Off, the CPU
        takes the unfused path a GPU takes (the fused one's reference in the tests). The
        two differ in rounding only.
    sparse_below : float
        Share of active outputs below which the unfused path multiplies the (batch x N)
        gradient as a sparse matrix (``masked_matmul``); the same numbers either way.

    Attributes
    ----------
    name : str
    trainable : tuple of str
        Names of the parameters the optimiser updates.
    relu : bool
        Whether the output has a ReLU (then a dead start is checked).
    """

    name = "model"
    trainable: tuple = ()
    #: The parameters weight decay acts on (AdamW only).
    decayed: tuple = ()
    relu = True
    #: Diagnostics that cannot change during training are recorded once.
    static_diagnostics = False

    def __init__(self, *, fuse_on_cpu: bool = True, sparse_below: float = SPARSE_BELOW):
        self.fuse_on_cpu = bool(fuse_on_cpu)
        self.sparse_below = float(sparse_below)

    @classmethod
    def for_runs(cls, configs, **options) -> Model:
        """The model for a batch of ``configs``, its code paths chosen from them where ``options``
        leave a choice open (subclasses choose by cost; see ``Superposition``)."""
        return cls(**options)

    def fused_on(self, tensor: torch.Tensor) -> bool:
        """Whether the read-out of parameters living where ``tensor`` lives is the fused kernel."""
        return self.fuse_on_cpu and tensor.device.type == "cpu"

    def masked_matmul(self, g, right, active, transpose=False):
        """:func:`masked_matmul` with this model's ``sparse_below``."""
        return masked_matmul(g, right, active, transpose, self.sparse_below)

    @abc.abstractmethod
    def init(self, configs, generators, device, dtype) -> dict:
        """Initial parameters, stacked over configurations."""

    @abc.abstractmethod
    def loss(self, params: dict, batch: SparseBatch, channel: torch.Tensor, grads: bool):
        """Return (loss per config (C,), grads dict or None, per-feature losses (C, N) or None, active (C,)).

        Without ``grads`` the loss of each output, 1/2 mean_b (y_bi - y*_bi)^2, is returned;
        with them it is None. The active fraction is the share of ReLU outputs that are on
        (1 without a ReLU).
        """

    def population_loss(self, params: dict, task_moments: dict):
        """Exact population loss (C,) and per-feature losses (C, N), or None if not available."""
        return None

    def linear_map(self, params: dict):
        """(M (C, N, N), bias (C, N)) when the pre-activation is M x + bias, else None.

        With it, per-feature losses are measured by
        :func:`superdyn.verify.run.models.feature_loss.conditional_feature_losses`, which sees rare features.
        """
        return None

    def snapshot(self, params: dict) -> dict:
        """Arrays to save at snapshot times (name -> tensor (C, ...))."""
        return {}

    def diagnostics(self, params: dict) -> dict:
        """Scalars per configuration to record at every measurement (name -> (C,))."""
        return {}

    def final_arrays(self, params: dict) -> dict:
        """Arrays to keep from the trained parameters (name -> ndarray (C, ...))."""
        return {}

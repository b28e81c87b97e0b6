"""What every model supplies, and the sparse operations they share.

A model owns the maths only: initial parameters, the loss with its gradient for a
batch, and what to record. The loop (``verify.trainer``) is written once. Parameters
are stacked over C configurations that share shapes: a tensor of shape (C, ...).

Loss convention (paper Eq. 4): L = 1/2 sum over the N outputs of (y - y*)^2, averaged
over the batch; the teacher is y* = A x with A = diag(i^-b).
"""

from __future__ import annotations

import abc

import torch

from ..sampler import SparseBatch

__all__ = ["Model", "encode", "residual_targets", "sparse_rows"]


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


def sparse_rows(grad_out: torch.Tensor):
    """(rows, columns, values) of the non-zero entries of a (C * batch, N) gradient."""
    rows, cols = torch.nonzero(grad_out, as_tuple=True)
    return rows, cols, grad_out[rows, cols]


class Model(abc.ABC):
    """A student model (abstract).

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
    relu = True
    #: Diagnostics that cannot change during training are recorded once.
    static_diagnostics = False

    @abc.abstractmethod
    def init(self, configs, generators, device, dtype) -> dict:
        """Initial parameters, stacked over configurations."""

    @abc.abstractmethod
    def loss(self, params: dict, batch: SparseBatch, channel: torch.Tensor, grads: bool):
        """Return (loss per config (C,), grads dict or None, residual (C*B, N), active fraction (C,)).

        The residual is y - y* (for per-feature losses); the active fraction is the share
        of ReLU outputs that are on (1 without a ReLU).
        """

    def population_loss(self, params: dict, task_moments: dict):
        """Exact population loss (C,) and per-feature losses (C, N), or None if not available."""
        return None

    def snapshot(self, params: dict) -> dict:
        """Arrays to save at snapshot times (name -> tensor (C, ...))."""
        return {}

    def diagnostics(self, params: dict) -> dict:
        """Scalars per configuration to record at every measurement (name -> (C,))."""
        return {}

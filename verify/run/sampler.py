"""Sparse sampling of the task's inputs, exact and without an N-wide draw per sample.

x_i = u_i v_i with independent u_i ~ Bernoulli(p_i) and v_i ~ U(0, v_max). A Bernoulli(p)
variable is the event {Poisson(mu) >= 1} with mu = -ln(1 - p), and independent Poisson
variables are one Poisson process: a sample has M ~ Poisson(sum_i mu_i) events, each
landing on feature i with probability mu_i / sum_j mu_j, and feature i is active when it
receives at least one. So drawing M, then M feature indices by inverse CDF, then
removing repeated (sample, feature) pairs gives exactly the independent Bernoulli draws,
at a cost of about E numbers per sample.

The result is a COO list of active entries: (row, feature, value), rows numbering
config c's samples b as c * batch + b.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from numba import njit
from superdyn.theory.errors import InvalidInput

__all__ = ["SparseBatch", "SparseSampler"]


@dataclass(frozen=True)
class SparseBatch:
    """Active entries of a batch of inputs for C configurations.

    Attributes
    ----------
    row : LongTensor (nnz,)
        c * batch + b.
    feature : LongTensor (nnz,)
        Feature index in 0..N-1.
    value : Tensor (nnz,)
        x value (> 0).
    config : LongTensor (nnz,)
        Configuration index c (= row // batch).
    batch : int
        Samples per configuration.
    n_configs : int
    """

    row: torch.Tensor
    feature: torch.Tensor
    value: torch.Tensor
    config: torch.Tensor
    batch: int
    n_configs: int

    def dense(self, n_features: int) -> torch.Tensor:
        """The (C, batch, N) dense inputs (for tests and references only)."""
        out = torch.zeros(
            self.n_configs * self.batch, n_features, dtype=self.value.dtype, device=self.value.device
        )
        out[self.row, self.feature] = self.value
        return out.view(self.n_configs, self.batch, n_features)


class SparseSampler:
    """Draws sparse inputs for C tasks that share N.

    Parameters
    ----------
    frequencies : array_like, shape (C, N)
        p_i of each configuration (each in [0, 1)).
    value_max : array_like, shape (C,)
        v_max of each configuration.
    device, dtype : where and in which precision values live.
    """

    def __init__(self, frequencies, value_max, device, dtype):
        p = np.atleast_2d(np.asarray(frequencies, dtype=np.float64))
        if np.any(p < 0) or np.any(p >= 1):
            raise InvalidInput("frequencies must lie in [0, 1) to be sampled")
        mu = -np.log1p(-p)
        self.total = torch.as_tensor(mu.sum(axis=1), device=device)
        cdf = np.cumsum(mu, axis=1) / mu.sum(axis=1, keepdims=True)
        cdf[:, -1] = 1.0
        self.cdf = torch.as_tensor(cdf, device=device)
        self.cdf_np = cdf
        self.value_max = torch.as_tensor(
            np.broadcast_to(value_max, (p.shape[0],)).copy(), device=device, dtype=dtype
        )
        self.n_configs, self.n_features = p.shape
        self.device, self.dtype = device, dtype

    def sample(self, batch: int, generators) -> SparseBatch:
        """Draw ``batch`` samples per configuration; ``generators[c]`` drives configuration c.

        The entries come sorted by row, and within a row by feature.
        """
        rows, features, configs, values = [], [], [], []
        for c, gen in enumerate(generators):
            counts = torch.poisson(self.total[c].expand(batch), generator=gen).long()
            events = int(counts.sum())
            u = torch.rand(events, generator=gen, device=self.device, dtype=torch.float64)
            if self.device.type == "cpu":  # the same entries, placed by a compiled loop
                row, feature = (
                    torch.from_numpy(a) for a in _place(counts.numpy(), u.numpy(), self.cdf_np[c])
                )
            else:
                row, feature = place_events(counts, u, self.cdf[c])
            value = (
                torch.rand(row.numel(), generator=gen, device=self.device, dtype=self.dtype)
                * self.value_max[c]
            )
            rows.append(row + c * batch)
            features.append(feature)
            configs.append(torch.full_like(row, c))
            values.append(value)
        return SparseBatch(
            torch.cat(rows), torch.cat(features), torch.cat(values), torch.cat(configs), batch, self.n_configs
        )


def place_events(counts: torch.Tensor, u: torch.Tensor, cdf: torch.Tensor):
    """Rows and features of the events: ``counts[b]`` events in sample b, event e on the
    feature i with cdf[i-1] < u[e] <= cdf[i]; a repeated (row, feature) kept once; sorted
    by row, then feature. Torch operations (any device)."""
    n = cdf.shape[0]
    row = torch.repeat_interleave(torch.arange(counts.shape[0], device=u.device), counts)
    feature = torch.searchsorted(cdf, u).clamp_(max=n - 1)
    key = torch.unique(row * n + feature)  # a repeated feature is one active entry
    return key // n, key % n


# compiled on first use and cached beside this file (numba cache=True: keyed by the path and
# the stamp of this file, so a change of the file recompiles it)
@njit(cache=True)
def _place(counts, u, cdf):
    """``place_events`` as a compiled loop on numpy arrays (the CPU's)."""
    n = cdf.shape[0]
    row = np.empty(u.shape[0], np.int64)
    feature = np.empty(u.shape[0], np.int64)
    nnz = 0
    start = 0
    for b in range(counts.shape[0]):
        first = nnz
        for e in range(start, start + counts[b]):
            i = min(np.searchsorted(cdf, u[e], side="left"), n - 1)
            j = nnz  # insert i into this row's sorted features unless it is there
            while j > first and feature[j - 1] > i:
                j -= 1
            if j > first and feature[j - 1] == i:
                continue
            for q in range(nnz, j, -1):
                feature[q] = feature[q - 1]
            feature[j] = i
            row[nnz] = b
            nnz += 1
        start += counts[b]
    return row[:nnz].copy(), feature[:nnz].copy()

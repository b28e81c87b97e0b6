"""Dense -> CSR on the CPU in one pass per row (numba), for the masked products.

torch's CPU ``nonzero`` takes about 4.5 ms for a 1024 x 1024 matrix with 2% non-zeros;
this takes about 1.5 ms, and the CSR product is faster than the COO one. Single
threaded, so benchmarks at one torch thread stay fair.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from numba import njit

__all__ = ["dense_to_csr"]


@njit(cache=True)
def _csr_arrays(dense):
    rows, n = dense.shape
    crow = np.zeros(rows + 1, np.int64)
    for r in range(rows):
        count = 0
        for j in range(n):
            count += dense[r, j] != 0
        crow[r + 1] = crow[r] + count
    cols = np.empty(crow[-1], np.int64)
    vals = np.empty(crow[-1], dense.dtype)
    for r in range(rows):
        k = crow[r]
        for j in range(n):
            v = dense[r, j]
            if v != 0:
                cols[k] = j
                vals[k] = v
                k += 1
    return crow, cols, vals


def dense_to_csr(matrix: torch.Tensor) -> torch.Tensor:
    """The CSR form of a 2-D CPU tensor (values copied, no autograd)."""
    crow, cols, vals = _csr_arrays(matrix.detach().contiguous().numpy())
    with warnings.catch_warnings():  # torch marks CSR as beta; the product used here is stable
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(
            torch.from_numpy(crow), torch.from_numpy(cols), torch.from_numpy(vals), matrix.shape,
            check_invariants=False,
        )  # fmt: skip

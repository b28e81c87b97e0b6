"""Superposition: y = ReLU(W^T B W x + bias), W (K x N) with unit-norm columns (paper Eq. 3).

``Superposition`` keeps W fixed (random, Gaussian then column-normalised, or with
orthonormal rows); ``Learnable`` trains W too (paper Appendix A.3), with the decoder a
separate matrix initialised to W^T (2NK parameters, as the paper counts) or tied to W.

Forward: h = W x (a gather of the active columns), z = B h, pre = W_dec z + bias,
y = ReLU(pre). Backward with g = (y - y*) 1[pre > 0] / batch, which is non-zero only on
the few outputs the ReLU leaves on, so dz = g W_dec is a sparse-dense product:

    dB = sum_b dz_b h_b^T,   dbias = sum_b g_b,
    dW_dec = sum_b g_b z_b^T,   dW_enc[:, i] = sum_b (B^T dz_b) x_bi.

B(0) ~ N(0, init_scale^2) and bias(0) = 0: with B(0) = 0 the ReLU gradient never starts.
"""

from __future__ import annotations

import torch

from ._fused import fused_readout
from .base import ActiveColumns, Model, feature_losses, relu_readout

__all__ = [
    "SCATTER_COST",
    "Learnable",
    "Superposition",
    "frame_spectrum",
    "random_embedding",
    "superposition_diagnostics",
]

#: A scattered row costs about this many multiply-adds of a dense product per element.
SCATTER_COST = 4


def random_embedding(n_features, width, generator, device, dtype, kind="gaussian") -> torch.Tensor:
    """W (K x N): Gaussian (or orthonormal rows) with every column scaled to unit norm."""
    w = torch.randn(width, n_features, generator=generator, device=device, dtype=torch.float64)
    if kind == "orthogonal":
        q, _ = torch.linalg.qr(w.T)  # N x K with orthonormal columns
        w = q.T
    return (w / w.norm(dim=0, keepdim=True)).to(dtype)


def superposition_diagnostics(rows: torch.Tensor) -> dict:
    """Liu et al.'s diagnostics of feature vectors ``rows`` (C, N, m).

    phi_half: share of features with norm > 1/2; mean_sq_overlap: mean of
    (w_i . w_j)^2 / (|w_i| |w_j|)^2 over i != j (1/m for random directions).
    """
    norms = rows.norm(dim=2)
    unit = rows / norms.clamp_min(1e-30)[..., None]
    gram = torch.bmm(unit, unit.transpose(1, 2)) ** 2
    n = rows.shape[1]
    off = (gram.sum((1, 2)) - gram.diagonal(dim1=1, dim2=2).sum(1)) / (n * (n - 1))
    return {"phi_half": (norms > 0.5).to(rows.dtype).mean(1), "mean_sq_overlap": off}


def frame_spectrum(rows: torch.Tensor) -> dict:
    """The eigenvalues of the frame operator W W^T (K x K) of feature vectors ``rows`` (C, N, K)."""
    frame = torch.bmm(rows.transpose(1, 2), rows).double()
    return {"frame_spectrum": torch.linalg.eigvalsh(frame).cpu().numpy()}


class Superposition(Model):
    """y = ReLU(W^T B W x + bias) with W fixed.

    Parameters
    ----------
    scatter_forward : bool
        Form the pre-activation from scattered rows W_dec B w_i of the active features (U x
        K x N products) instead of a dense (batch x K x N) product. ``for_runs`` chooses it
        by cost when not given: the E active features per sample cost less than a K-wide
        product, density * ``SCATTER_COST`` < K.
    fuse_on_cpu, sparse_below
        As for :class:`~superdyn.verify.run.models.base.Model`.
    """

    name = "superposition"
    trainable = ("B", "bias")
    learn_embedding = False
    static_diagnostics = True

    def __init__(self, *, scatter_forward: bool = True, **options):
        super().__init__(**options)
        self.scatter_forward = bool(scatter_forward)

    @classmethod
    def for_runs(cls, configs, **options):
        first = configs[0]
        options.setdefault("scatter_forward", first.density * SCATTER_COST < first.width)
        return cls(**options)

    def init(self, configs, generators, device, dtype):
        first = configs[0]
        n, k = first.n_features, first.width
        pairs = list(zip(configs, generators, strict=True))
        enc = torch.stack([random_embedding(n, k, g, device, dtype, c.embedding).T for c, g in pairs])
        b = torch.stack(
            [torch.randn(k, k, generator=g, device=device, dtype=dtype) * c.init_scale for c, g in pairs]
        )
        params = {"B": b, "bias": torch.zeros(len(configs), n, dtype=dtype, device=device), "enc": enc}
        if self.learn_embedding and not first.tied:
            params["dec"] = enc.clone()  # a separate decoder, initialised to W^T
        return params

    def _decoder(self, params):
        return params.get("dec", params["enc"])  # (C, N, K): row i is W_dec[i, :]

    def loss(self, params, batch, channel, grads):
        enc, dec, b = params["enc"], self._decoder(params), params["B"]
        c, n, k = enc.shape
        # z = B W x touches only the features active somewhere in the batch (U of them,
        # typically a third of N): z = sum over entries of v (B w_i), with B w_i for those U only
        columns = ActiveColumns(batch, n, c)
        w_active = enc.reshape(c * n, k)[columns.keys]  # (U, K): w_i of the active features
        bw = columns.per_config(w_active, b, transpose_right=True)  # (U, K): B w_i
        z = None  # B h per sample; only the dense forward and the learnable decoder need it
        if not self.scatter_forward or (self.learn_embedding and grads):
            z = columns.scatter(bw, batch, c * batch.batch).view(c, batch.batch, k)
        fused = self.fused_on(b)
        rows = pre = None
        if self.scatter_forward:
            # pre_b = sum over entries of v (W_dec B w_i): U x K x N products instead of B x K x N
            rows = columns.per_config(bw, dec, transpose_right=True)  # (U, N): W_dec B w_i
            if not fused:
                pre = columns.scatter(rows, batch, c * batch.batch, base=params["bias"])
                pre = pre.view(c, batch.batch, n)
        else:
            pre = torch.baddbmm(params["bias"][:, None, :], z, dec.transpose(1, 2))
        d_dec = None
        if fused:  # one pass per sample: ReLU, loss and, with grads, g W_dec, sum_b g_b, g^T z and D
            products = {}
            if grads:
                left = z.view(-1, k) if self.learn_embedding else None
                products = {"right": dec, "left": left, "gather": "entries"}
            readout = fused_readout(
                batch, channel, params["bias"], pre=pre, rows=rows, local=columns.inverse, **products
            )
            if not grads:
                return readout.loss, None, readout.feature_loss, readout.active
            loss, active, dbias = readout.loss, readout.active, readout.dbias
            d_active, d_dec = readout.dgather, readout.dleft
        else:
            loss, g, active = relu_readout(pre, batch, channel, grads)
            if not grads:
                return loss, None, feature_losses(g, c), active
            dbias, dz = g.sum(1), self.masked_matmul(g, dec, active)  # (C, N), (C, B, K): dz = g W_dec
            # D_j = sum over the entries of feature j: v dz_b (U, K)
            d_active = columns.gather(dz.reshape(-1, k), batch)
            if self.learn_embedding:
                d_dec = self.masked_matmul(g, z, active, transpose=True)  # g^T z: (C, N, K)
        scale = 1.0 / batch.batch
        out = {"bias": dbias.mul_(scale)}
        d_active.mul_(scale)
        # dB = sum_b dz_b h_b^T = sum_j D_j w_j^T = D^T W_active
        out["B"] = columns.outer(d_active, w_active)
        if self.learn_embedding:
            d_dec.mul_(scale)
            d_enc = torch.zeros(c * n, k, dtype=b.dtype, device=b.device)  # dW_enc[:, i] = B^T D_i
            d_enc.index_add_(0, columns.keys, columns.per_config(d_active, b))
            d_enc = d_enc.view(c, n, k)
            if "dec" in params:
                out["enc"], out["dec"] = d_enc, d_dec
            else:  # tied: W is both encoder and decoder
                out["enc"] = d_enc + d_dec
        return loss, out, None, active

    def _effective(self, params):
        return torch.bmm(torch.bmm(self._decoder(params), params["B"]), params["enc"].transpose(1, 2))

    def linear_map(self, params):
        return self._effective(params), params["bias"]

    def snapshot(self, params):
        """B (K x K) and the map it induces on the features, W_dec B W_enc (N x N; paper Fig. 9)."""
        return {"B": params["B"], "effective": self._effective(params)}

    def diagnostics(self, params):
        return superposition_diagnostics(params["enc"])

    def final_arrays(self, params):
        return frame_spectrum(params["enc"])


class Learnable(Superposition):
    """y = ReLU(W_dec B W_enc x + bias) with W_enc, W_dec, B and bias trained (paper A.3)."""

    name = "learnable"
    trainable = ("B", "bias", "enc", "dec")  # "dec" only when untied
    learn_embedding = True
    static_diagnostics = False

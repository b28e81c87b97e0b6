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

The ablation of paper A.2 changes the read-out (``RunConfig.readout``): ``relu`` keeps the
bias at 0 and does not train it; ``linear`` is y = W_dec B W x, whose loss per sample,
with G = W_dec^T W_dec fixed and q_b = W_dec^T A x_b,

    L_b = 1/2 z_b^T G z_b - z_b^T q_b + 1/2 ||A x_b||^2,   dL_b/dz_b = G z_b - q_b,

costs K^2 per sample instead of N K, and whose population loss is exact
(``quadratic_population_loss`` with D = W_dec B W^T - A).
"""

from __future__ import annotations

import numpy as np
import torch

from ._fused import fused_readout
from .base import ActiveColumns, Model, feature_losses, quadratic_population_loss, relu_readout

__all__ = [
    "SCATTER_COST",
    "Learnable",
    "Superposition",
    "frame_spectrum",
    "random_embedding",
    "run_embedding",
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


def run_embedding(config) -> np.ndarray:
    """The W (K x N) a ``superposition`` run trained on the CPU used, as float64.

    ``init`` draws W before B from the run's generator, so drawing again from its seed gives
    W, rounded to the run's dtype. A run trained on a GPU drew it from the device's generator
    instead (its stored ``frame_spectrum`` tells the two apart).
    """
    generator = torch.Generator(device="cpu").manual_seed(int(config.seed))
    dtype = torch.float64 if config.dtype == "float64" else torch.float32
    w = random_embedding(config.n_features, config.width, generator, "cpu", dtype, config.embedding)
    return w.double().numpy()


def superposition_diagnostics(rows: torch.Tensor) -> dict:
    """Liu et al.'s diagnostics of feature vectors ``rows`` (C, N, m).

    phi_half: share of features with norm > 1/2; mean_sq_overlap: mean of
    ``(w_i . w_j)^2 / (|w_i| |w_j|)^2`` over i != j (1/m for random directions).
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
    readout : {"relu_bias", "relu", "linear"}
        The output (``RunConfig.readout``, set from the runs by ``for_runs``): the paper's
        ReLU with a trained bias, ReLU with the bias held at 0, or no ReLU and no bias.
    fuse_on_cpu, sparse_below
        As for :class:`~superdyn.verify.run.models.base.Model`.
    """

    name = "superposition"
    trainable = ("B", "bias")
    learn_embedding = False
    static_diagnostics = True

    def __init__(self, *, scatter_forward: bool = True, readout: str = "relu_bias", **options):
        super().__init__(**options)
        self.scatter_forward = bool(scatter_forward)
        self.readout = readout
        self.relu = readout != "linear"
        if readout != "relu_bias":  # the bias stays at 0
            self.trainable = ("B",)

    @classmethod
    def for_runs(cls, configs, **options):
        first = configs[0]
        options.setdefault("scatter_forward", first.density * SCATTER_COST < first.width)
        return cls(readout=first.readout, **options)

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
        if self.readout == "linear":  # G = W^T W, fixed with W (not trained)
            params["gram"] = torch.bmm(enc.transpose(1, 2), enc)
        return params

    def _decoder(self, params):
        return params.get("dec", params["enc"])  # (C, N, K): row i is W_dec[i, :]

    def loss(self, params, batch, channel, grads):
        enc, dec, b = params["enc"], self._decoder(params), params["B"]
        c, n, k = enc.shape
        if self.readout == "linear":
            return self._linear_loss(params, batch, channel, grads)
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
        out = {"bias": dbias.mul_(scale)} if "bias" in self.trainable else {}
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

    def _linear_loss(self, params, batch, channel, grads):
        """The loss of y = W^T B W x through G = W^T W: K^2 per sample (module docstring; W fixed, so
        the decoder is the encoder)."""
        enc, b, gram = params["enc"], params["B"], params["gram"]
        c, n, k = enc.shape
        columns = ActiveColumns(batch, n, c)
        w_active = enc.reshape(c * n, k)[columns.keys]  # (U, K)
        bw = columns.per_config(w_active, b, transpose_right=True)  # (U, K): B w_i
        z = columns.scatter(bw, batch, c * batch.batch).view(c, batch.batch, k)
        target = channel[batch.config, batch.feature] * batch.value  # t = A_ii x_i per entry
        q = columns.scatter(w_active, batch, c * batch.batch, weights=target).view(c, batch.batch, k)
        gz = torch.bmm(z, gram)
        ones = torch.ones(c, dtype=b.dtype, device=b.device)
        if not grads:  # the loss of each output from the dense residual W z - A x
            residual = torch.bmm(z, enc.transpose(1, 2)).view(c * batch.batch, n)
            residual[batch.row, batch.feature] -= target
            features = feature_losses(residual, c)
            return features.sum(1), None, features, ones
        squares = torch.zeros(c * batch.batch, dtype=b.dtype, device=b.device)
        squares.index_add_(0, batch.row, target * target)
        per_sample = 0.5 * (z * gz).sum(2) - (z * q).sum(2) + 0.5 * squares.view(c, batch.batch)
        dz = gz.sub_(q).view(c * batch.batch, k)
        d_active = columns.gather(dz, batch).mul_(1.0 / batch.batch)
        return per_sample.mean(1), {"B": columns.outer(d_active, w_active)}, None, ones

    def population_loss(self, params, task_moments):
        """Exact for the linear read-out (L = 1/2 Tr[D Sigma D^T]); None with a ReLU."""
        if self.readout != "linear":
            return None
        d = self._effective(params) - torch.diag_embed(task_moments["channel"])
        return quadratic_population_loss(d, task_moments)

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

"""Run configurations: everything that fixes a training run, hashed to name its files.

A run's id hashes its configuration and :data:`TRAINING_REVISION`, the revision of the code
that turns a configuration into numbers (the trainer, the sampler, the models, the
optimisers). So a stored run is reused only by code that would have computed the same
numbers, and a documentation release or a refactor (the same numbers) reuses every run.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields, replace
from importlib import metadata

import numpy as np
from superdyn.theory import PowerLaw, Task
from superdyn.theory.errors import InvalidInput
from superdyn.theory.validate import check_count, check_real

__all__ = [
    "MODEL_NAMES",
    "READOUTS",
    "SCALES",
    "TRAINING_REVISION",
    "RunConfig",
    "code_version",
    "measurement_steps",
]

#: The models of the paper (Eq. 3, Appendix A.3) and of Liu et al.
MODEL_NAMES = ("linear", "superposition", "learnable", "autoencoder")
#: The sizes an experiment runs at. ``tiny``: seconds, for tests; ``quick``: a 2-core CPU, minutes;
#: ``medium``: the central claims (fig4, fig5, fig7, fig12, fig13) at three seeds and t <= 3e4, sized
#: to finish within 90 minutes on a 2-core CPU; ``paper``: a GPU, with the sizes the paper states
#: (N, K) and superdyn's choices where it states none (grids, batches, seeds, run lengths).
SCALES = ("tiny", "quick", "medium", "long", "paper")
_OPTIMIZERS = ("sgd", "adamw")
_DTYPES = ("float32", "float64")
#: The superposition model's output (paper A.2's ablation): ReLU with a trained bias (Eq. 3), ReLU
#: with no bias, or the linear map W^T B W x.
READOUTS = ("relu_bias", "relu", "linear")
#: Options a model does not read: the linear model starts from B = 0 and has no embedding; only the
#: learnable model has a decoder to tie; the autoencoder draws its own W.
_IGNORED_BY = {
    "init_scale": ("linear",),
    "embedding": ("linear", "autoencoder"),
    "tied": ("linear", "superposition", "autoencoder"),
    "readout": ("linear", "learnable", "autoencoder"),
}
#: The fields that fix a run's tensor shapes and its loop: runs equal in all of them train as one batch.
_SHAPE_FIELDS = (
    "model",
    "n_features",
    "width",
    "batch_size",
    "steps",
    "optimizer",
    "warmup_steps",
    "lr_floor",
    "dtype",
    "tied",
    "points_per_decade",
    "eval_samples",
    "per_feature",
    "density",
    "readout",
)
#: Fields added after revision 1: they enter a run's dict (and so its id) only when they differ
#: from their default, so every run stored before they existed keeps its id.
_ADDED_LATER = ("readout",)
#: Options of Liu et al.'s AdamW rule that plain SGD does not read.
_ADAMW_ONLY = ("weight_decay", "warmup_steps", "lr_floor")


#: The revision of the training code's output. Raise it with any change that alters the numbers
#: a configuration trains to (the sampler's stream, a model's maths, an optimiser's rule, what
#: is measured), and only then; then regenerate the golden curves
#: (``python tests/verify/golden_runs.py``). A test trains those few tiny float64 runs and
#: fails when their numbers change while this stays the same.
#: Revision 1 is the trainer of superdyn 0.3.0 (commit 3feab7f onwards), whose runs made the
#: committed quick and medium reports.
TRAINING_REVISION = 1


def code_version() -> str:
    """The installed superdyn version (recorded with every run; not part of its id)."""
    try:
        return metadata.version("superdyn")
    except metadata.PackageNotFoundError:  # running from a source tree
        return "0+unknown"


@dataclass(frozen=True)
class RunConfig:
    """One training run (paper Section 2; t = lr * steps; loss 1/2 sum over N outputs).

    Attributes
    ----------
    model : {"linear", "superposition", "learnable", "autoencoder"}
    n_features, width : int
        N and K (K = N for ``linear``; m for ``autoencoder``).
    a, b : float
        p_i ∝ i^-a, A_ii = i^-b.
    lr, batch_size, steps, seed : learning rate > 0, samples per step, SGD steps, seed.
    density, value_max : E = sum p_i and v_max.
    optimizer : {"sgd", "adamw"}
        ``adamw`` is Liu et al.'s: linear warm-up over ``warmup_steps``, a cosine to
        ``lr_floor * lr`` at the last step, and ``weight_decay`` gamma on the model's decayed
        parameters (gamma < 0 pulls row norms to 1; see ``superdyn.verify.run.optim``).
    lr_floor : float
        The cosine schedule's final learning rate as a share of ``lr`` (in [0, 1]).
    init_scale : float
        Standard deviation of the entries of B(0) (or W(0) for the autoencoder).
    embedding : {"gaussian", "orthogonal"}
        How the random W is drawn before its columns are normalised.
    readout : {"relu_bias", "relu", "linear"}
        The ``superposition`` model's output: ReLU(W^T B W x + bias) with the bias trained
        (paper Eq. 3), ReLU(W^T B W x) with no bias, or W^T B W x (paper A.2's linear limit).
    tied : bool
        ``learnable``: decoder tied to the encoder (W^T) or a separate matrix (default,
        2NK parameters as in paper A.3).
    dtype : {"float32", "float64"}
    points_per_decade, eval_samples : measurement plan.
    per_feature : bool
        Also record per-feature losses L_i(t) (paper Fig. 8).
    snapshot_times : tuple of float
        Times t at which B (or W) is saved (paper Fig. 9).
    """

    model: str = "superposition"
    n_features: int = 1024
    width: int = 512
    a: float = 1.1
    b: float = 0.0
    lr: float = 1.0
    batch_size: int = 1024
    steps: int = 1000
    seed: int = 0
    density: float = 1.0
    value_max: float = 1.0
    optimizer: str = "sgd"
    weight_decay: float = 0.0
    warmup_steps: int = 0
    lr_floor: float = 0.0
    init_scale: float = 1e-3
    embedding: str = "gaussian"
    tied: bool = False
    readout: str = "relu_bias"
    dtype: str = "float32"
    points_per_decade: int = 10
    eval_samples: int = 8192
    eval_seed: int = 12345
    per_feature: bool = False
    snapshot_times: tuple = field(default_factory=tuple)
    divergence_factor: float = 1.5

    def __post_init__(self):
        if self.model not in MODEL_NAMES:
            raise InvalidInput(f"model must be one of {MODEL_NAMES}, got {self.model!r}")
        n = check_count("n_features", self.n_features, maximum=1_000_000)
        k = check_count("width", self.width)
        if self.model == "linear":
            k = n if self.width in (None, n) else k
            if k != n:
                raise InvalidInput(
                    f"the linear model has no bottleneck: width must equal n_features={n}, got {k}"
                )
        if k > n:
            raise InvalidInput(f"width must be <= n_features={n}, got width={k}")
        object.__setattr__(self, "n_features", n)
        object.__setattr__(self, "width", k)
        check_real("a", self.a, lower=0.0)
        check_real("b", self.b, lower=0.0)
        check_real("lr", self.lr, lower=0.0, lower_open=True)
        check_count("batch_size", self.batch_size)
        check_count("steps", self.steps)
        check_count("seed", self.seed, minimum=0)
        check_real("weight_decay", self.weight_decay)
        check_count("warmup_steps", self.warmup_steps, minimum=0)
        check_real("lr_floor", self.lr_floor, lower=0.0, upper=1.0)
        check_real("init_scale", self.init_scale, lower=0.0)
        check_count("points_per_decade", self.points_per_decade)
        check_count("eval_samples", self.eval_samples)
        check_real("divergence_factor", self.divergence_factor, lower=1.0, lower_open=True)
        if self.optimizer not in _OPTIMIZERS:
            raise InvalidInput(f"optimizer must be one of {_OPTIMIZERS}, got {self.optimizer!r}")
        if self.dtype not in _DTYPES:
            raise InvalidInput(f"dtype must be one of {_DTYPES}, got {self.dtype!r}")
        if self.readout not in READOUTS:
            raise InvalidInput(f"readout must be one of {READOUTS}, got {self.readout!r}")
        if self.embedding not in ("gaussian", "orthogonal"):
            raise InvalidInput(f"embedding must be 'gaussian' or 'orthogonal', got {self.embedding!r}")
        self._refuse_ignored_options()
        times = tuple(float(check_real("snapshot_times", s, lower=0.0)) for s in self.snapshot_times)
        object.__setattr__(self, "snapshot_times", times)
        _ = self.task  # validates density and value_max (p_1 <= 1)

    def _refuse_ignored_options(self) -> None:
        """An option the model or optimiser would ignore is refused: it would only multiply run ids."""
        ignored = {name: models for name, models in _IGNORED_BY.items() if self.model in models}
        if self.optimizer == "sgd":
            ignored.update({name: ("sgd",) for name in _ADAMW_ONLY})
        for name, by in ignored.items():
            default = _DEFAULTS[name]
            if getattr(self, name) != default:
                who = f"optimizer {self.optimizer!r}" if by == ("sgd",) else f"the {self.model} model"
                raise InvalidInput(
                    f"{name}={getattr(self, name)!r} has no effect with {who}; leave it at its default "
                    f"{default!r}"
                )

    @property
    def task(self) -> Task:
        """The theory Task of this run."""
        return Task(PowerLaw(self.a), PowerLaw(self.b), self.n_features, self.density, self.value_max)

    @property
    def shape_key(self) -> tuple:
        """Runs with equal keys train together in one batched computation."""
        return tuple(getattr(self, name) for name in _SHAPE_FIELDS)

    def to_dict(self) -> dict:
        out = asdict(self)
        out["snapshot_times"] = list(self.snapshot_times)
        for name in _ADDED_LATER:
            if out[name] == _DEFAULTS[name]:
                del out[name]
        return out

    def run_id(self) -> str:
        """16 hex digits of sha256 over the config and :data:`TRAINING_REVISION`."""
        return self.run_id_at(TRAINING_REVISION)

    def run_id_at(self, revision) -> str:
        """The id this configuration has under another training revision (to find stale runs)."""
        text = json.dumps({"config": self.to_dict(), "training_revision": revision}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def replace(self, **changes) -> RunConfig:
        return replace(self, **changes)

    @classmethod
    def from_dict(cls, data: dict) -> RunConfig:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        if "snapshot_times" in values:
            values["snapshot_times"] = tuple(values["snapshot_times"])
        return cls(**values)


def measurement_steps(steps: int, points_per_decade: int) -> np.ndarray:
    """Step 0 and log-spaced steps up to ``steps`` (integers, increasing, unique)."""
    count = int(np.ceil(np.log10(max(steps, 1)) * points_per_decade)) + 1
    grid = np.unique(np.round(np.logspace(0, np.log10(steps), count)).astype(np.int64))
    return np.concatenate([[0], grid])


_DEFAULTS = {f.name: f.default for f in fields(RunConfig)}

"""The teacher-student task of paper Section 2.1.

N features with frequencies p_i = E f(i) / sum_j f(j) (i = 1..N), values
x_i = u_i v_i with u_i ~ Bernoulli(p_i) and v_i ~ U(0, v_max), and a diagonal teacher
A_ii = g(i). The moments of v are m1 = v_max/2 and m2 = v_max^2/3, so

    Sigma = diag(p_i m2) + (p p^T - diag(p^2)) m1^2        (exact)
    Sigma ~ diag(p_i m2)                                   (the paper's diagonal form)

Without superposition (K = N, W = I, B(0) = 0, diagonal Sigma) the loss is a sum of
N modes with rates lambda_i = p_i m2 and weights w_i = A_ii^2 lambda_i / 2
(paper Eqs. 5-7 with p normalised).

A Task is cheap for any N up to 1e12: nothing per feature is allocated until an
array is asked for, and the normalisation uses closed forms where N is large.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import sympy as sp

from .errors import InvalidInput
from .profiles import Constant, Profile
from .profiles.base import MAX_DENSE_FEATURES, MAX_FEATURES
from .spectrum import ModeSpectrum
from .validate import as_float_array, check_count, check_real

__all__ = ["MAX_DENSE_FEATURES", "MAX_MATRIX_FEATURES", "Task"]

#: Largest N for which an N x N second-moment matrix is built.
MAX_MATRIX_FEATURES = 20_000


@dataclass(frozen=True)
class Task:
    """Frequencies, channels and value distribution of the teacher-student task.

    Parameters
    ----------
    frequencies : Profile
        Frequency profile f; normalised so that sum_i p_i = ``density``.
    channels : Profile
        Channel profile g, used unnormalised: A_ii = g(i). Default: constant 1.
    n_features : int
        N, between 1 and 1e12.
    density : float
        E = sum_i p_i, the mean number of active features per sample (> 0).
    value_max : float
        v_max of the uniform value distribution (paper: 1; Liu et al.: 2).

    Examples
    --------
    >>> from superdyn.theory import PowerLaw, Task
    >>> task = Task(PowerLaw(1.5), channels=PowerLaw(0.25), n_features=1024)
    >>> round(float(task.p.sum()), 12), round(task.m2, 6)
    (1.0, 0.333333)
    >>> p = Task(PowerLaw(1.1), n_features=10**12).frequencies_at([1, 10**12])
    >>> print(f"{p[0]:.10f} {p[1]:.4e}")
    0.1004672620 6.3391e-15
    """

    frequencies: Profile
    channels: Profile = field(default_factory=Constant)
    n_features: int = 1024
    density: float = 1.0
    value_max: float = 1.0

    def __post_init__(self):
        for name in ("frequencies", "channels"):
            if not isinstance(getattr(self, name), Profile):
                raise InvalidInput(f"{name} must be a theory profile, got {getattr(self, name)!r}")
        n = check_count("n_features", self.n_features, maximum=MAX_FEATURES)
        object.__setattr__(self, "n_features", n)
        density = check_real("density", self.density, lower=0.0, lower_open=True, upper=float(n))
        object.__setattr__(self, "density", density)
        vmax = check_real("value_max", self.value_max, lower=0.0, lower_open=True)
        if not 1e-150 <= vmax <= 1e150:  # m2 = value_max^2 / 3 would leave float64
            raise InvalidInput(
                f"value_max={vmax:g} is outside [1e-150, 1e150]: m2 = value_max^2 / 3 would leave float64"
            )
        object.__setattr__(self, "value_max", vmax)
        if self.frequencies.last_index(n) < 1:
            raise InvalidInput(f"frequencies: the profile has no positive value for i in 1..{n}")
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            try:
                total = float(self.normaliser)
            except ValueError as exc:  # f(i) itself leaves float64
                raise InvalidInput(f"frequencies: {exc}") from None
            try:
                ends = self.channels_at(np.array([1.0, float(n)]))
            except ValueError as exc:
                raise InvalidInput(f"channels: {exc}") from None
        if not (np.isfinite(total) and total > 0):
            raise InvalidInput(
                f"frequencies: sum of f(i) over i = 1..{n} is {total:g}, not a finite positive float64, for "
                f"{self.frequencies!r}; use a profile that neither overflows nor underflows at n_features={n}"
            )
        if not np.all(np.isfinite(ends)):
            raise InvalidInput(f"channels: A_ii is not finite at i = 1 or {n} for {self.channels!r}")
        if not np.all(np.abs(ends) <= 1e150):  # the weights A_ii^2 lambda_i / 2 would leave float64
            raise InvalidInput(
                f"channels: A_ii = {np.max(np.abs(ends)):g} at i = 1 or {n} for {self.channels!r} is above "
                "1e150, where A_ii^2 leaves float64"
            )
        p_first = float(self.frequencies_at([1])[0])
        with np.errstate(over="ignore", under="ignore"):
            fastest = p_first * self.m2
        if not 1e-150 <= fastest <= 1e150:
            raise InvalidInput(
                f"density={density:g} and value_max={vmax:g} put the fastest rate lambda_1 = p_1 m2 = "
                f"{fastest:g} outside [1e-150, 1e150], where its time scales and losses stay in float64; "
                "use values nearer 1"
            )
        if p_first > 1.0:
            raise InvalidInput(
                f"density={density:g} makes p_1={p_first:.3g} > 1, which is not a probability; "
                "lower density or use a flatter profile"
            )

    # -- moments ---------------------------------------------------------------
    @property
    def m1(self) -> float:
        """E[v] = v_max / 2."""
        return self.value_max / 2.0

    @property
    def m2(self) -> float:
        """E[v^2] = v_max^2 / 3."""
        return self.value_max**2 / 3.0

    @cached_property
    def normaliser(self) -> float:
        """Z = sum_{i=1}^N f(i)."""
        return self.frequencies.partial_sum(self.n_features, self.n_features)

    # -- per-feature values at chosen indices (any N) ----------------------------
    def _index(self, index) -> np.ndarray:
        index = as_float_array("index", index)
        if np.any(index < 1) or np.any(index > self.n_features) or np.any(index != np.round(index)):
            raise InvalidInput(f"index must hold whole numbers in 1..{self.n_features}")
        return index

    def frequencies_at(self, index) -> np.ndarray:
        """p_i = E f(i) / Z at the given 1-based indices."""
        i = self._index(index)
        return self.density * (self.frequencies.values(i, self.n_features) / self.normaliser)

    def channels_at(self, index) -> np.ndarray:
        """A_ii = g(i) at the given 1-based indices."""
        return self.channels.values(self._index(index), self.n_features)

    def rates_at(self, index) -> np.ndarray:
        """lambda_i = p_i m2 at the given indices."""
        return self.frequencies_at(index) * self.m2

    def weights_at(self, index) -> np.ndarray:
        """w_i = A_ii^2 lambda_i / 2 at the given indices."""
        return 0.5 * self.channels_at(index) ** 2 * self.rates_at(index)

    # -- dense arrays (N <= MAX_DENSE_FEATURES) ---------------------------------
    def _all(self) -> np.ndarray:
        if self.n_features > MAX_DENSE_FEATURES:
            raise InvalidInput(
                f"n_features={self.n_features} is too large for per-feature arrays "
                f"(limit {MAX_DENSE_FEATURES}); use the *_at(index) methods or superdyn.numerics.exact_loss"
            )
        return np.arange(1, self.n_features + 1, dtype=np.float64)

    @property
    def p(self) -> np.ndarray:
        """Frequencies p_i, shape (N,), summing to E."""
        return self.frequencies_at(self._all())

    @property
    def importance(self) -> np.ndarray:
        """The channel importances, the teacher's diagonal A_ii = g(i), shape (N,)."""
        return self.channels_at(self._all())

    @property
    def second_moment_diagonal(self) -> np.ndarray:
        """sigma_i^2 = E[x_i^2] = p_i m2, shape (N,)."""
        return self.p * self.m2

    def second_moment(self, covariance: str = "diagonal") -> np.ndarray:
        """Sigma = E[x x^T] as an (N, N) matrix.

        Parameters
        ----------
        covariance : {"diagonal", "exact"}
            ``"diagonal"``: diag(p m2), the paper's approximation; ``"exact"``: adds
            the mean term (p p^T - diag(p^2)) m1^2.
        """
        if covariance not in ("diagonal", "exact"):
            raise InvalidInput(f"covariance must be 'diagonal' or 'exact', got {covariance!r}")
        if self.n_features > MAX_MATRIX_FEATURES:
            raise InvalidInput(
                f"n_features={self.n_features} exceeds {MAX_MATRIX_FEATURES} for an N x N matrix"
            )
        p = self.p
        sigma = np.diag(p * self.m2)
        if covariance == "exact":
            sigma += (np.outer(p, p) - np.diag(p * p)) * self.m1**2
        return sigma

    def modes(self) -> ModeSpectrum:
        """No-superposition modes: rates p_i m2, weights A_ii^2 p_i m2 / 2 (paper Eq. 7)."""
        i = self._all()
        return ModeSpectrum(self.rates_at(i), self.weights_at(i), 0.0)

    # -- time scales -------------------------------------------------------------
    @property
    def rate_max(self) -> float:
        """lambda_1 = p_1 m2, the fastest mode (profiles are non-increasing)."""
        return float(self.rates_at([1])[0])

    @property
    def rate_min(self) -> float:
        """The slowest non-frozen mode, lambda at the last index with p_i > 0."""
        return float(self.rates_at([self.frequencies.last_index(self.n_features)])[0])

    @property
    def cutoff_rate(self) -> float:
        """lambda(i_last + 1/2): the sum over i <= i_last read as a midpoint-rule integral."""
        z = self.frequencies.last_index(self.n_features) + 0.5
        value = self.frequencies.values(np.array([z]), self.n_features)[0]
        return float(self.density * value / self.normaliser * self.m2)

    @property
    def window(self) -> tuple[float, float]:
        """Mid-training window (1/lambda_max, 1/lambda_min) in t = eta * steps.

        Raises
        ------
        ValueError
            When lambda_min underflows float64 (the window has no finite end).
        """
        with np.errstate(divide="ignore", over="ignore"):
            start, end = np.float64(1.0) / self.rate_max, np.float64(1.0) / self.rate_min
        if not np.isfinite(end):
            raise InvalidInput(
                f"the slowest rate lambda_min underflows float64 for {self.frequencies!r} at "
                f"n_features={self.n_features}: the window has no finite end"
            )
        if not np.isfinite(start):
            raise InvalidInput(
                f"the fastest rate lambda_max={self.rate_max:g} has no finite time scale 1/lambda_max"
            )
        return float(start), float(end)

    # -- symbolic forms ----------------------------------------------------------
    def rate_expr(self, z: sp.Symbol) -> sp.Expr:
        """lambda(z) = m2 E f(z) / Z with the numeric normaliser Z."""
        scale = sp.Float(self.m2 * self.density / self.normaliser, 30)
        return scale * self.frequencies.expr(z, self.n_features)

    def weight_expr(self, z: sp.Symbol) -> sp.Expr:
        """w(z) = g(z)^2 lambda(z) / 2."""
        return self.channels.expr(z, self.n_features) ** 2 * self.rate_expr(z) / 2

    def scaling_law(self, **options):
        """Derive this task's asymptotic law with :func:`superdyn.theory.derive`.

        The rate scale m2 E / Z enters the derivation as a positive symbol and its value is
        substituted afterwards, so alpha and the log power come out exact even though the
        normaliser Z is known only numerically.
        """
        from .engine import derive

        z = sp.Symbol("z", positive=True)
        scale = sp.Symbol("rate_scale", positive=True)
        rate = scale * self.frequencies.expr(z, self.n_features)
        weight = self.channels.expr(z, self.n_features) ** 2 * rate / 2
        law = derive(rate, weight, z, edge=self.frequencies.edge(self.n_features), **options)
        value = {scale: sp.Float(self.m2 * self.density / self.normaliser, 30)}
        return replace(
            law,
            prefactor=law.prefactor.subs(value),
            correction=None if law.correction is None else law.correction.subs(value),
            conditions=tuple(c.subs(value) for c in law.conditions),
            rate=law.rate.subs(value),
            weight=law.weight.subs(value),
        )

    def _repr_html_(self) -> str:
        """The task in Jupyter: its profiles, sizes, time scales and mid-training window."""
        from superdyn.display import html_table

        z = sp.Symbol("i", positive=True)
        try:
            lo, hi = self.window
            window = f"{lo:.4g} ≪ t ≪ {hi:.4g}"
        except ValueError as exc:  # lambda_min underflows: no finite end
            window = str(exc)
        rows = [
            (
                "frequencies p<sub>i</sub> ∝",
                f"{self.frequencies!r}: {self.frequencies.expr(z, self.n_features)}",
            ),
            ("channels A<sub>ii</sub> =", f"{self.channels!r}: {self.channels.expr(z, self.n_features)}"),
            ("N (features)", f"{self.n_features:,}"),
            ("density E = Σ p<sub>i</sub>", f"{self.density:g}"),
            ("v<sub>max</sub> (m<sub>2</sub> = v<sub>max</sub><sup>2</sup>/3)", f"{self.value_max:g}"),
            ("rates λ<sub>1</sub>, λ<sub>min</sub>", f"{self.rate_max:.4g}, {self.rate_min:.4g}"),
            ("mid-training window", window),
        ]
        return html_table("superdyn Task", rows)

    def to_dict(self) -> dict:
        return {
            "frequencies": self.frequencies.to_dict(),
            "channels": self.channels.to_dict(),
            "n_features": self.n_features,
            "density": self.density,
            "value_max": self.value_max,
        }

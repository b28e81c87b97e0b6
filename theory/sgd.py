"""Closed forms of online mini-batch SGD on the linear model (the diagonal model).

The paper's diagonal model of SGD with learning rate eta, batch b and fresh samples keeps
the second moment of the error diagonal, m_i = E[(B - A)_{:,i}^2] summed over rows, and
(superdyn.numerics.sgd_loss, docs/derivations/sgd.md) steps it as

    m_i <- q_i m_i + beta s_i F,     F = sum_k s_k m_k = 2 L,     beta = eta^2 / b,
    q_i = (1 - eta s_i)^2 + beta (e4_i - 2 s_i^2),

with s_i = p_i m2 = lambda_i and e4_i = p_i m4 (m_n = E v^n = v_max^n / (n + 1)). Unrolled,
F_n = F0_n + sum_{j >= 1} K_j F_{n-j} with the noise kernel K_j = beta sum_i s_i^2 q_i^(j-1):
the loss solves a renewal (discrete Volterra) equation whose source is the loss without
noise feedback. To first order in eta lambda_i (a sparse feature is active in a fraction p_i
of the steps) each mode relaxes at the rate

    lambda_i' = (1 - gamma) lambda_i,     gamma = eta m4 / (2 b m2)                  (1)

per unit t = eta * steps, so the source is the gradient-flow loss at the slower clock,
L0(t) = L_GF((1 - gamma) t), and the kernel has the mass

    k = sum_j K_j = beta sum_i s_i^2 / (1 - q_i)  ~  eta m2 E / (2 b (1 - gamma)),    (2)

E = sum_i p_i. The recursion is stable when k < 1, which in the sparse limit is

    eta < eta_max = 2 b m2 / (m4 + E m2^2)        (= 30 b / ((9 + 5 E) v_max^2))      (3)

For p ∝ i^-a and A_ii = i^-b the source decays as t^-alpha, alpha = (a + 2b - 1)/a, and
the kernel as K(t) = (eta / b) sum_i lambda_i^2 exp(-2 lambda_i' t) ~ C_K t^-kappa with
kappa = 2 - 1/a. A renewal equation with a summable, regularly varying kernel gives

    L(t) ~ L_GF((1 - gamma) t) / (1 - k) + K(t) I / (1 - k)^2,                        (4)

I = sum_n eta L0_n = (eta / 2) sum_i s_i m_i(0) / (1 - q_i) (finite when alpha > 1; for
alpha <= 1 the second term is of lower order). Hence:

* 2b < a (alpha < kappa): the exponent survives; SGD only shifts the curve, in time by
  1/(1 - gamma) and in level by 1/(1 - k): L_SGD / L_GF -> (1 - gamma)^-alpha / (1 - k).
  The ratio is approached as t^-(kappa - 1), so a finite window measures a lower exponent.
* 2b > a (alpha > kappa): the noise term wins after a crossover time; the exponent becomes
  kappa = 2 - 1/a, whatever eta and b (they move the crossover, not the exponent).

Only numpy and the task's own sums are used; superdyn.numerics.sgd_loss is the exact check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .errors import InvalidInput
from .profiles import Constant, PowerLaw
from .task import Task
from .validate import as_float_array, check_batch_size, check_real

__all__ = ["MAX_SGD_MODES", "OnlineSGD", "sgd_lr_limit"]

#: Largest N whose per-mode sums (the kernel mass k and I) are formed.
MAX_SGD_MODES = 10_000_000


def sgd_lr_limit(batch_size, *, density=1.0, value_max=1.0) -> float:
    """The sparse-limit stability bound on the learning rate, eta_max = 2 b m2 / (m4 + E m2^2).

    Eq. (3) of :mod:`superdyn.theory.sgd`: the noise kernel's mass k reaches 1. It is the limit of
    ``superdyn.numerics.sgd_stability_limit(task, batch_size=b)`` when eta lambda_max -> 0 (many
    rare features); the discrete model also obeys gradient descent's eta < 2 / lambda_max,
    which this bound ignores. For v ~ U(0, v_max) it is 30 b / ((9 + 5 E) v_max^2).

    Examples
    --------
    >>> round(sgd_lr_limit(1), 6)   # batch 1, sum p = 1, v ~ U(0, 1): 30 / 14
    2.142857
    """
    b = check_batch_size(batch_size)
    density = check_real("density", density, lower=0.0, lower_open=True, upper=1e12)
    vmax = check_real("value_max", value_max, lower=1e-75, upper=1e75)
    if b == math.inf:
        raise InvalidInput(
            "batch_size=inf has no noise and no sparse-limit bound; gradient descent's is 2 / lambda_max "
            "(superdyn.numerics.sgd_stability_limit)"
        )
    m2, m4 = vmax**2 / 3.0, vmax**4 / 5.0
    return 2.0 * b * m2 / (m4 + density * m2 * m2)


@dataclass(frozen=True)
class OnlineSGD:
    """What online SGD with learning rate ``lr`` and batch ``batch_size`` does to a task.

    Parameters
    ----------
    task : Task
        The task (the trainer's inputs: Bernoulli(p_i) times U(0, v_max)), N <= 1e7.
    lr : float
        Learning rate, > 0 and inside the diagonal model's stability region.
    batch_size : int or inf
        Fresh samples per step (inf: gradient descent, gamma = k = 0).

    Raises
    ------
    ValueError
        When the diagonal model is unstable at ``lr`` (some q_i >= 1 or k >= 1).

    Examples
    --------
    >>> from superdyn.theory import PowerLaw, Task
    >>> sgd = OnlineSGD(Task(PowerLaw(1.5), PowerLaw(0.25), n_features=10**5), lr=1.5, batch_size=1)
    >>> round(sgd.rate_factor, 4), round(sgd.kernel_mass, 4), sgd.regime
    (0.55, 0.4228, 'shifted')
    >>> round(sgd.loss_ratio, 3)   # L_SGD / L_GF at late times
    2.581
    """

    task: Task
    lr: float
    batch_size: float

    def __post_init__(self):
        if not isinstance(self.task, Task):
            raise InvalidInput(f"task must be a superdyn.theory.Task, got {self.task!r}")
        if self.task.n_features > MAX_SGD_MODES:
            raise InvalidInput(f"n_features={self.task.n_features} is above {MAX_SGD_MODES} (per-mode sums)")
        object.__setattr__(self, "lr", check_real("lr", self.lr, lower=0.0, lower_open=True))
        object.__setattr__(self, "batch_size", check_batch_size(self.batch_size))
        if not self.task.value_max <= 1e75:
            raise InvalidInput(f"value_max={self.task.value_max:g}: E v^4 = value_max^4 / 5 leaves float64")
        with np.errstate(over="ignore", invalid="ignore"):
            top = float(np.max(self._q))
        if not top < 1.0 or not self.kernel_mass < 1.0:
            bound = (
                sgd_lr_limit(self.batch_size, density=self.task.density, value_max=self.task.value_max)
                if self.batch_size < math.inf
                else 2.0 / self.task.rate_max
            )
            raise InvalidInput(
                f"lr={self.lr:g} is beyond the stability limit of SGD with batch_size={self.batch_size:g} "
                f"(max q_i = {top:.6g}, kernel mass k = {self.kernel_mass:.6g}; both must be < 1); the "
                f"sparse-limit (or gradient-descent) bound is {bound:.4g}"
            )

    # -- per-mode quantities -------------------------------------------------------
    @property
    def _beta(self) -> float:
        return self.lr * self.lr / self.batch_size

    @property
    def m4(self) -> float:
        """E v^4 = v_max^4 / 5."""
        return self.task.value_max**4 / 5.0

    @cached_property
    def _s(self) -> np.ndarray:
        return self.task.p * self.task.m2

    @cached_property
    def _q(self) -> np.ndarray:
        s = self._s
        with np.errstate(over="ignore", invalid="ignore"):
            return (1.0 - self.lr * s) ** 2 + self._beta * (s * self.m4 / self.task.m2 - 2.0 * s * s)

    # -- closed forms ----------------------------------------------------------------
    @property
    def gamma(self) -> float:
        """gamma = eta m4 / (2 b m2): the slow-down of every sparse mode, Eq. (1)."""
        return self.lr * self.m4 / (2.0 * self.batch_size * self.task.m2)

    @property
    def rate_factor(self) -> float:
        """1 - gamma: a sparse mode relaxes at (1 - gamma) lambda_i per unit t, Eq. (1)."""
        return 1.0 - self.gamma

    @property
    def kernel_mass_sparse(self) -> float:
        """k to first order in eta lambda: eta m2 E / (2 b (1 - gamma)), Eq. (2)."""
        return self.lr * self.task.m2 * self.task.density / (2.0 * self.batch_size * self.rate_factor)

    @cached_property
    def kernel_mass(self) -> float:
        """k = beta sum_i s_i^2 / (1 - q_i): the noise kernel's mass to all orders, Eq. (2)."""
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            gap = 1.0 - self._q
            k = self._beta * float(np.sum(np.where(gap > 0, self._s**2 / gap, np.inf)))
        return k if math.isfinite(k) else math.inf

    @property
    def sparsity(self) -> float:
        """eta lambda_max: the expansion parameter of the sparse-limit forms."""
        return self.lr * self.task.rate_max

    @property
    def sparse_error(self) -> float:
        """A bound on abs(k / k_sparse - 1): eps / (1 - eps).

        eps = eta lambda_max abs(1 - 2/b) / (2 (1 - gamma)):

        1 - q_i = 2 eta (1 - gamma) s_i (1 - eps_i) with eps_i = eta s_i (1 - 2/b) / (2 (1 - gamma)),
        so k / k_sparse is a weighted mean of 1 / (1 - eps_i). inf when eps >= 1.
        """
        eps = self.sparsity * abs(1.0 - 2.0 / self.batch_size) / (2.0 * self.rate_factor)
        return eps / (1.0 - eps) if eps < 1.0 else math.inf

    # -- the power-law class ---------------------------------------------------------
    def _power_law(self) -> tuple[float, float]:
        f, g = self.task.frequencies, self.task.channels
        if not isinstance(f, PowerLaw) or not isinstance(g, (PowerLaw, Constant)):
            raise InvalidInput(
                f"task: the exponent under SGD is a closed form for p ∝ i^-a and A_ii = i^-b, got "
                f"frequencies={f!r}, channels={g!r}"
            )
        b = g.a if isinstance(g, PowerLaw) else 0.0
        if not f.a > 1.0 or not f.a + 2.0 * b > 1.0:
            raise InvalidInput(
                f"task: the SGD closed forms need a > 1 (a summable kernel) and a + 2b > 1, got "
                f"a={f.a:g}, b={b:g}"
            )
        return f.a, b

    @property
    def alpha_flow(self) -> float:
        """alpha = (a + 2b - 1)/a, the gradient-flow exponent (paper Eq. 8)."""
        a, b = self._power_law()
        return (a + 2.0 * b - 1.0) / a

    @property
    def alpha_noise(self) -> float:
        """kappa = 2 - 1/a, the decay exponent of the noise kernel K(t)."""
        a, _ = self._power_law()
        return 2.0 - 1.0 / a

    @property
    def alpha(self) -> float:
        """The late-time exponent of the expected SGD loss: min(alpha, 2 - 1/a) (b < inf)."""
        if self.batch_size == math.inf:
            return self.alpha_flow
        return min(self.alpha_flow, self.alpha_noise)

    @property
    def regime(self) -> str:
        """ "shifted" (2b < a: alpha survives), "noise" (2b > a: 2 - 1/a) or "marginal" (2b = a)."""
        if self.batch_size == math.inf:
            return "shifted"
        gap = self.alpha_flow - self.alpha_noise
        return "shifted" if gap < -1e-12 else ("noise" if gap > 1e-12 else "marginal")

    @property
    def loss_ratio(self) -> float:
        """lim L_SGD(t) / L_GF(t) = (1 - gamma)^-alpha / (1 - k) in the shifted regime."""
        if self.regime != "shifted":
            raise InvalidInput(
                f"task: L_SGD / L_GF has no finite limit in the {self.regime!r} regime (2b >= a); "
                "the noise term decays more slowly than the gradient-flow loss"
            )
        return self.rate_factor ** (-self.alpha_flow) / (1.0 - self.kernel_mass)

    @cached_property
    def _rate_scale(self) -> float:
        return float(self.task.rates_at([1])[0])  # lambda_i = Lambda i^-a

    def flow_loss(self, t) -> np.ndarray:
        """L_GF(t) ~ Lambda / (2a) Gamma(alpha) (2 Lambda t)^-alpha, Lambda = lambda_1 (continuum)."""
        a, _ = self._power_law()
        t = _times(t)
        alpha, lam = self.alpha_flow, self._rate_scale
        return lam / (2.0 * a) * math.gamma(alpha) * (2.0 * lam * t) ** (-alpha)

    def noise_kernel(self, t) -> np.ndarray:
        """K(t) ~ (eta / b) (1/a) Lambda^(1/a) Gamma(2 - 1/a) (2 (1 - gamma) t)^-(2 - 1/a)."""
        a, _ = self._power_law()
        t = _times(t)
        kappa = self.alpha_noise
        scale = (self.lr / self.batch_size) / a * self._rate_scale ** (1.0 / a) * math.gamma(kappa)
        return scale * (2.0 * self.rate_factor * t) ** (-kappa)

    @cached_property
    def source_integral(self) -> float:
        """I = (eta / 2) sum_i s_i m_i(0) / (1 - q_i), m_i(0) = A_ii^2 (B(0) = 0); needs alpha > 1."""
        if self.alpha_flow <= 1.0:
            raise InvalidInput(
                f"task: I grows with N when alpha = {self.alpha_flow:.4g} <= 1 (the noise term of Eq. 4 "
                "is then of lower order)"
            )
        return 0.5 * self.lr * float(np.sum(self._s * self.task.importance**2 / (1.0 - self._q)))

    def loss(self, t) -> np.ndarray:
        """The late-time expected SGD loss, Eq. (4) (t inside the task's window, B(0) = 0).

        Examples
        --------
        >>> from superdyn.theory import PowerLaw, Task
        >>> sgd = OnlineSGD(Task(PowerLaw(1.5), PowerLaw(1.0), n_features=20000), lr=1.5, batch_size=1)
        >>> sgd.regime, round(sgd.alpha, 4)   # 2b > a: the noise sets the exponent 2 - 1/a
        ('noise', 1.3333)
        """
        t = _times(t)
        k = self.kernel_mass
        loss = self.flow_loss(self.rate_factor * t) / (1.0 - k)
        if self.alpha_flow > 1.0:
            loss = loss + self.noise_kernel(t) * self.source_integral / (1.0 - k) ** 2
        if not np.all(np.isfinite(loss)):
            raise InvalidInput("t: the asymptotic SGD loss leaves float64 at the requested times")
        return loss

    @property
    def crossover_time(self) -> float:
        """t where the noise term of Eq. (4) overtakes the shifted gradient-flow term ("noise" regime)."""
        if self.regime != "noise":
            raise InvalidInput(f"task: there is no crossover in the {self.regime!r} regime (needs 2b > a)")
        one = np.array([1.0])
        flow = float(self.flow_loss(self.rate_factor * one)[0]) / (1.0 - self.kernel_mass)
        noise = float(self.noise_kernel(one)[0]) * self.source_integral / (1.0 - self.kernel_mass) ** 2
        return (flow / noise) ** (1.0 / (self.alpha_flow - self.alpha_noise))


def _times(t) -> np.ndarray:
    t = as_float_array("t", t)
    if np.any(t <= 0) or not np.all(np.isfinite(t)):
        raise InvalidInput("t must be finite and > 0")
    return t

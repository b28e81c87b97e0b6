"""Long mode sums by Euler-Maclaurin, for the no-superposition loss at any N.

For a smooth summand F(z) on [m, n] (Abramowitz & Stegun 23.1.30)

    sum_{i=m}^{n} F(i) = int_m^n F dz + (F(m) + F(n)) / 2
                         + sum_{k=1}^{3} B_2k / (2k)! (F^(2k-1)(n) - F^(2k-1)(m)) + R_3.

Here F_0(z) = w(z) exp(-2 lambda(z) t) (the loss) and F_1 = lambda F_0 (its slope).
With g = ln F, F^(j) = F Y_j(g', ..., g^(j)) (complete Bell polynomials), and
g^(j) = (ln w)^(j) - 2 t lambda^(j) [+ (ln lambda)^(j) for F_1], so the endpoint
derivatives of ln w, ln lambda and lambda are computed once (sympy, exact) and every t
costs a few multiplications. The integral is Gauss-Legendre on panels that double in
width away from each end (geometric in z, and in the distance to a finite edge, where
the profile is written in that distance so nothing is lost to cancellation). All
terms are scaled by the largest exponent per t, so the sum is returned as a logarithm
and never underflows.

Error estimate per t: |k = 3 Euler-Maclaurin term| (a bound on the size of R_2, so a
generous one for R_3) plus |Q_fine - Q_coarse|, the quadrature on panels of double width.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from theory import Task

__all__ = ["TailPlan", "tail_plan"]

_GAUSS_NODES = 16
_EM_COEFFICIENTS = (1.0 / 12.0, -1.0 / 720.0, 1.0 / 30240.0)  # B_2k / (2k)!, k = 1, 2, 3
_ORDER = 5


def _bell(g):
    """Complete Bell polynomials Y_1, Y_3, Y_5 of g[1..5] (arrays broadcast)."""
    g1, g2, g3, g4, g5 = g
    y1 = g1
    y3 = g3 + 3 * g1 * g2 + g1**3
    y5 = (
        g5 + 5 * g1 * g4 + 10 * g2 * g3 + 10 * g1**2 * g3 + 15 * g1 * g2**2
        + 10 * g1**3 * g2 + g1**5
    )  # fmt: skip
    return y1, y3, y5


def _panels(lo: float, hi: float) -> np.ndarray:
    """Break points from lo to hi, each panel twice as long as the last (first length 1)."""
    points = [lo]
    width = 1.0
    while points[-1] + 2.5 * width < hi:
        points.append(points[-1] + width)
        width *= 2.0
    points.append(hi)
    return np.array(points)


def _gauss(breaks: np.ndarray):
    x, w = np.polynomial.legendre.leggauss(_GAUSS_NODES)
    half = np.diff(breaks)[:, None] / 2.0
    nodes = (breaks[:-1, None] + half + half * x[None, :]).ravel()
    return nodes, (half * w[None, :]).ravel()


@dataclass(frozen=True)
class _Side:
    """Quadrature nodes and endpoint data on one side of the middle range."""

    fine: tuple  # (log w, lambda, log lambda, quadrature weights) at the fine nodes
    coarse: tuple
    endpoint: np.ndarray  # shape (3, 6): ln w, lambda, ln lambda and derivatives 0..5 in z


@dataclass(frozen=True)
class TailPlan:
    """Everything t-independent about sum_{i=m}^{n} F(i); built once per task."""

    first: int
    last: int
    sides: tuple

    def log_sums(self, t: np.ndarray):
        """Return (ln sum F_0, ln sum F_1, error estimate of sum F_0 relative to it), per t."""
        t = t[:, None]
        parts = {}
        for key in ("fine", "coarse"):
            logs = [s.fine if key == "fine" else s.coarse for s in self.sides]
            parts[key] = [(lw - 2.0 * t * lam, llam, q) for lw, lam, llam, q in logs]
        ends = []
        for side in self.sides:
            lw, lam, llam = side.endpoint
            g0 = lw[0] - 2.0 * t[:, 0] * lam[0]
            derivs = [lw[j] - 2.0 * t[:, 0] * lam[j] for j in range(1, _ORDER + 1)]
            derivs1 = [d + llam[j] for j, d in zip(range(1, _ORDER + 1), derivs, strict=True)]
            ends.append((g0, llam[0], _bell(derivs), _bell(derivs1)))
        # shift by the largest exponent
        shift = np.max(np.concatenate([g for g, _, _ in parts["fine"]] + [e[0][:, None] for e in ends], 1), 1)
        shift = np.where(np.isfinite(shift), shift, 0.0)
        results = []
        for which in (0, 1):
            quad = {}
            for key in ("fine", "coarse"):
                total = 0.0
                for g, llam, q in parts[key]:
                    total = total + np.exp(g + which * llam - shift[:, None]) @ q
                quad[key] = total
            em_last = 0.0
            boundary = 0.0
            for sign, (g0, llam0, bell0, bell1) in zip(self._signs(), ends, strict=True):
                value = np.exp(g0 + which * llam0 - shift)
                bell = bell1 if which else bell0
                boundary = boundary + value / 2.0
                for k, coefficient in enumerate(_EM_COEFFICIENTS):
                    term = sign * coefficient * value * bell[k]
                    boundary = boundary + term
                    if k == len(_EM_COEFFICIENTS) - 1:
                        em_last = em_last + np.abs(term)
            total = quad["fine"] + boundary
            results.append((total, em_last + np.abs(quad["fine"] - quad["coarse"])))
        (s0, err0), (s1, _) = results
        with np.errstate(divide="ignore"):
            return shift + np.log(s0), shift + np.log(s1), err0 / s0

    @staticmethod
    def _signs():
        # the derivative terms are F^(j)(n) - F^(j)(m): the left end m enters with -, n with +
        return (-1.0, 1.0)


def _derivatives(expr, var, at: float) -> np.ndarray:
    out = np.empty(_ORDER + 1)
    f = expr
    for j in range(_ORDER + 1):
        out[j] = float(sp.N(f.subs(var, sp.Float(at, 40)), 30))
        f = sp.diff(f, var)
    return out


def _nodes(exprs, var, lo: float, hi: float, toward_lo: bool = True) -> tuple:
    """ln w, lambda, ln lambda and quadrature weights on fine and coarse panels of [lo, hi].

    The panels start at length 1 at ``lo`` (``toward_lo``) or at ``hi`` and double.
    """
    fns = [sp.lambdify(var, e, "numpy") for e in exprs]
    breaks = _panels(lo, hi) if toward_lo else (hi + lo - _panels(lo, hi))[::-1]
    out = []
    for points in (breaks, np.append(breaks[:-1:2], breaks[-1])):
        nodes, weights = _gauss(points)
        values = [np.broadcast_to(np.asarray(fn(nodes), dtype=np.float64), nodes.shape) for fn in fns]
        out.append((*values, weights))
    return tuple(out)


def _endpoint(exprs, var, at: float, mirror: bool) -> np.ndarray:
    """z-derivatives 0..5 of ln w, lambda and ln lambda at ``at``.

    With ``mirror`` the variable is the distance d = z* - z to the edge, so derivatives
    of odd order change sign.
    """
    parity = np.array([(-1.0) ** j if mirror else 1.0 for j in range(_ORDER + 1)])
    return np.array([_derivatives(e, var, at) * parity for e in exprs])


def tail_plan(task: Task, first: int, last: int) -> TailPlan:
    """Plan sum_{i=first}^{last} of the task's modes (first < last, both inside 1..i_last)."""
    z = sp.Symbol("z", positive=True)
    rate = task.rate_expr(z)
    log_weight = sp.expand_log(sp.log(task.weight_expr(z)), force=True)
    exprs = (log_weight, rate, sp.expand_log(sp.log(rate), force=True))
    edge = task.frequencies.edge(task.n_features)
    middle = (first + last) / 2.0
    fine, coarse = _nodes(exprs, z, float(first), middle)
    left = _Side(fine, coarse, _endpoint(exprs, z, float(first), False))
    if edge == sp.oo:
        fine, coarse = _nodes(exprs, z, middle, float(last), toward_lo=False)
        right = _Side(fine, coarse, _endpoint(exprs, z, float(last), False))
        return TailPlan(first, last, (left, right))
    # a finite edge: the half next to it is written in the distance d = z* - z, exactly
    d = sp.Symbol("d", positive=True)
    mirrored = [sp.expand_log(e.subs(z, edge - d), force=True) for e in exprs]
    with mpmath.workdps(30):
        gap_first = float(edge - first)
        gap_last = float(edge - last)
    fine, coarse = _nodes(mirrored, d, gap_last, gap_first - (middle - first))
    right = _Side(fine, coarse, _endpoint(mirrored, d, gap_last, True))
    return TailPlan(first, last, (left, right))

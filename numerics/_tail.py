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
from superdyn.theory import Task
from superdyn.theory.errors import InvalidInput
from superdyn.theory.validate import overflow_as_inf

from .kernel import mode_sums

__all__ = ["TailPlan", "tail_plan"]

_GAUSS_NODES = 16
_EM_COEFFICIENTS = (1.0 / 12.0, -1.0 / 720.0, 1.0 / 30240.0)  # B_2k / (2k)!, k = 1, 2, 3
_ORDER = 5
# panel length at most this many local scales of the summand; never below _MIN_WIDTH
_RESOLUTION = 1.0
_MIN_WIDTH = 0.25
_MAX_PANELS = 200_000
# middle terms below exp(-_NEGLIGIBLE) / N of the total (1e-20 in all) are dropped
_NEGLIGIBLE = 46.0


def _bell(g):
    """Complete Bell polynomials Y_1, Y_3, Y_5 of g[1..5] (arrays broadcast)."""
    g1, g2, g3, g4, g5 = g
    y1 = g1
    y3 = g3 + 3 * g1 * g2 + g1**3
    y5 = g5 + 5 * g1 * g4 + 10 * g2 * g3 + 10 * g1**2 * g3 + 15 * g1 * g2**2 + 10 * g1**3 * g2 + g1**5
    return y1, y3, y5


def _panels(start: float, stop: float, scale, give_up=None) -> tuple[np.ndarray, float]:
    """Break points from ``start`` toward ``stop`` (either direction).

    The first panel has length 1; each next one is at most twice the last and at most
    _RESOLUTION * scale(position), the local length over which ln w or lambda change
    by one. ``give_up(position)`` may end the range early; the end is returned.
    """
    sign = 1.0 if stop >= start else -1.0
    points = [start]
    width = 1.0
    while abs(stop - points[-1]) > 2.5 * width:
        if give_up is not None and give_up(points[-1]):
            return np.array(points), points[-1]
        width = max(min(2.0 * width, _RESOLUTION * scale(points[-1])), _MIN_WIDTH)
        points.append(points[-1] + sign * width)
        if len(points) > _MAX_PANELS:
            raise InvalidInput(
                f"the tail sum of this task needs more than {_MAX_PANELS} quadrature panels; use "
                "method='direct' (N <= 1e8)"
            )
    points.append(stop)
    return np.array(points), stop


def _gauss(breaks: np.ndarray):
    x, w = np.polynomial.legendre.leggauss(_GAUSS_NODES)
    half = np.diff(breaks)[:, None] / 2.0
    nodes = (breaks[:-1, None] + half + half * x[None, :]).ravel()
    return nodes, (half * w[None, :]).ravel()


@dataclass(frozen=True)
class _Side:
    """Quadrature nodes and endpoint data on one side of the middle range."""

    fine: tuple  # (ln w, lambda, ln lambda, quadrature weights) at the fine nodes
    coarse: tuple
    endpoint: np.ndarray  # shape (3, 6): ln w, lambda, ln lambda and derivatives 0..5 in z


class TailPlan:
    """Everything t-independent about sum_{i=m}^{n} F(i); built once per task.

    Parameters
    ----------
    first, last : int
        m and n (n < m: nothing to sum).
    sides : tuple of _Side
        The left side (ending at m) and the right side (ending at n).
    """

    def __init__(self, first: int, last: int, sides: tuple):
        self.first, self.last = first, last
        self.empty = last < first or not sides
        if self.empty:
            return
        fine = [np.concatenate(parts) for parts in zip(*(side.fine for side in sides), strict=True)]
        coarse = [np.concatenate(parts) for parts in zip(*(side.coarse for side in sides), strict=True)]
        # a quadrature sum of q_k w(z_k) exp(-2 lambda(z_k) t) is a spectral sum with
        # weights q_k w(z_k), so the fast kernel evaluates it (in log space when needed)
        self.fine = (fine[0] + np.log(fine[3]), fine[1])
        self.coarse = (coarse[0] + np.log(coarse[3]), coarse[1])
        self.endpoints = [(-1.0, sides[0].endpoint), (1.0, sides[1].endpoint)]  # F^(j)(n) - F^(j)(m)

    def log_sums(self, t: np.ndarray):
        """Return (ln sum F_0, ln sum F_1, error estimate of sum F_0 relative to it), per t."""
        if self.empty:
            return np.full(t.shape, -np.inf), np.full(t.shape, -np.inf), np.zeros(t.shape)
        minus_2t = -2.0 * t[:, None]
        log_fine, ratio = mode_sums(*self.fine, t, 0.0)
        log_coarse, _ = mode_sums(*self.coarse, t, 0.0)
        ends = []
        for sign, (lw, lam, llam) in self.endpoints:
            g_end = lw[0] + minus_2t[:, 0] * lam[0]
            derivs = [lw[j] + minus_2t[:, 0] * lam[j] for j in range(1, _ORDER + 1)]
            ends.append((sign, g_end, llam, derivs))
        shift = np.maximum(log_fine, np.max([e[1] for e in ends], axis=0))
        shift = np.where(np.isfinite(shift), shift, 0.0)
        scaled = np.exp(log_fine - shift)
        sums = [scaled, scaled * ratio]
        error = np.abs(scaled - np.exp(log_coarse - shift))
        for sign, g_end, llam, derivs in ends:
            value = np.exp(g_end - shift)
            for which in (0, 1):
                d = derivs if which == 0 else [x + llam[j] for j, x in enumerate(derivs, start=1)]
                v = value * np.exp(llam[0]) if which else value
                terms = [sign * c * v * y for c, y in zip(_EM_COEFFICIENTS, _bell(d), strict=True)]
                sums[which] = sums[which] + v / 2.0 + sum(terms)
                if which == 0:
                    error = error + np.abs(terms[-1])
        with np.errstate(divide="ignore", invalid="ignore"):
            return shift + np.log(sums[0]), shift + np.log(sums[1]), error / sums[0]


def _derivatives(expr, var, at: float) -> np.ndarray:
    out = np.empty(_ORDER + 1)
    f = expr
    for j in range(_ORDER + 1):
        out[j] = float(sp.N(f.subs(var, sp.Float(at, 40)), 30))
        f = sp.diff(f, var)
    return out


def _nodes(fns, breaks: np.ndarray) -> tuple:
    """ln w, lambda, ln lambda and quadrature weights on fine and coarse panels."""
    breaks = np.sort(breaks)
    out = []
    for points in (breaks, np.append(breaks[:-1:2], breaks[-1])):
        nodes, weights = _gauss(points)
        values = [np.broadcast_to(np.asarray(fn(nodes), dtype=np.float64), nodes.shape) for fn in fns]
        out.append((*values, weights))
    return tuple(out)


class _Summand:
    """ln w, lambda and ln lambda of one variable, with the local scale of the summand."""

    def __init__(self, exprs, var):
        self.exprs, self.var = exprs, var
        self.fns = [sp.lambdify(var, e, "numpy") for e in exprs]
        slopes = [overflow_as_inf(sp.lambdify(var, sp.diff(e, var), "math")) for e in (exprs[0], exprs[2])]
        self.scale = lambda v: 1.0 / max(abs(slopes[0](v)), abs(slopes[1](v)), 1e-300)


def _endpoint(exprs, var, at: float, mirror: bool) -> np.ndarray:
    """z-derivatives 0..5 of ln w, lambda and ln lambda at ``at``.

    With ``mirror`` the variable is the distance d = z* - z to the edge, so derivatives
    of odd order change sign.
    """
    parity = np.array([(-1.0) ** j if mirror else 1.0 for j in range(_ORDER + 1)])
    return np.array([_derivatives(e, var, at) * parity for e in exprs])


def tail_plan(task: Task, first: int, last: int, t_max: float, log_floor: float = -np.inf) -> TailPlan:
    """Plan sum_{i=first}^{last} of the task's modes for times up to ``t_max``.

    ``log_floor`` is a lower bound on ln L(t) for t <= t_max from the modes summed
    exactly elsewhere; it lets negligible parts of the middle be dropped.
    """
    z = sp.Symbol("z", positive=True)
    rate = task.rate_expr(z)
    log_weight = sp.expand_log(sp.log(task.weight_expr(z)), force=True)
    summand = _Summand((log_weight, rate, sp.expand_log(sp.log(rate), force=True)), z)
    edge = task.frequencies.edge(task.n_features)
    if edge == sp.oo:
        # For t <= t_max every term is >= its value at t_max, so the total is at least
        # floor = max_z ln w(z) - 2 t_max lambda(z) (on a grid of integers). Where ln w falls
        # below floor - _NEGLIGIBLE - ln N, the rest of the (non-increasing) summand is
        # below exp(-_NEGLIGIBLE) of the total and is dropped.
        log_w, rate_fn = summand.fns[0], summand.fns[1]
        grid = np.unique(np.round(np.geomspace(first, last, 2000)))
        floor = max(log_floor, np.max(log_w(grid) - 2.0 * t_max * rate_fn(grid)))
        cut = floor - _NEGLIGIBLE - np.log(task.n_features)

        def negligible(v: float) -> bool:
            # numpy, not Python floats: a huge power of z overflows to inf (ln w -> -inf), not an error
            with np.errstate(over="ignore", invalid="ignore"):
                return bool(log_w(np.float64(v)) < cut)

        _, end = _panels(float(first), float(last), summand.scale, negligible)
        last = int(np.floor(end)) if end < last else last
        if last <= first + 2:
            return TailPlan(first, first - 1, ())
        middle = (first + last) / 2.0
        left, _ = _panels(float(first), middle, summand.scale)
        right, _ = _panels(float(last), middle, summand.scale)
        sides = (
            _Side(*_nodes(summand.fns, left), _endpoint(summand.exprs, z, float(first), False)),
            _Side(*_nodes(summand.fns, right), _endpoint(summand.exprs, z, float(last), False)),
        )
        return TailPlan(first, last, sides)
    # a finite edge: the half next to it is written in the distance d = z* - z, exactly
    d = sp.Symbol("d", positive=True)
    mirrored = _Summand([sp.expand_log(e.subs(z, edge - d), force=True) for e in summand.exprs], d)
    with mpmath.workdps(30):
        gap_first = float(edge - first)
        gap_last = float(edge - last)
    middle = (first + last) / 2.0
    left, _ = _panels(float(first), middle, summand.scale)
    right, _ = _panels(gap_last, gap_first - (middle - first), mirrored.scale)
    sides = (
        _Side(*_nodes(summand.fns, left), _endpoint(summand.exprs, z, float(first), False)),
        _Side(*_nodes(mirrored.fns, right), _endpoint(mirrored.exprs, d, gap_last, True)),
    )
    return TailPlan(first, last, sides)

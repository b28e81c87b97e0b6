import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from superdyn.theory import AlgebraicEdge, Constant, Custom, PowerLaw, StretchedExponential, make_profile
from superdyn.theory.profiles.base import DIRECT_SUM_LIMIT

z = sp.Symbol("z", positive=True)


@given(st.floats(0.0, 3.0), st.integers(1, 5000))
def test_power_law_normalised_values(a, n):
    p = PowerLaw(a).normalised(n, total=2.0)
    assert p.sum() == pytest.approx(2.0, rel=1e-12)
    assert np.all(np.diff(p) <= 0)
    assert p[0] / p[-1] == pytest.approx(n**a, rel=1e-9)


@pytest.mark.parametrize("a", [0.5, 1.0, 1.1, 2.0])
def test_power_law_closed_form_sum_matches_direct_and_mpmath(a):
    n = 3 * DIRECT_SUM_LIMIT
    direct = float(np.sum(np.arange(1, n + 1, dtype=np.float64) ** -a))
    assert PowerLaw(a).partial_sum(n) == pytest.approx(direct, rel=1e-12)
    with mpmath.workdps(30):
        ref = mpmath.harmonic(10**12) if a == 1 else mpmath.zeta(a) - mpmath.zeta(a, 10**12 + 1)
    assert PowerLaw(a).partial_sum(10**12) == pytest.approx(float(ref), rel=1e-12)


def test_stretched_exponential_tail_by_euler_maclaurin():
    profile = StretchedExponential(1e-4, 0.5)  # about 1e10 terms matter: not summable directly
    n = 10**7
    direct = float(np.sum(np.exp(-1e-4 * np.sqrt(np.arange(1, n + 1, dtype=np.float64)))))
    assert profile.partial_sum(n) == pytest.approx(direct, rel=1e-11)


def test_algebraic_edge_sums_and_zero_at_edge():
    edge = AlgebraicEdge(1.0)
    assert edge.normalised(4).tolist() == pytest.approx([0.5, 1 / 3, 1 / 6, 0.0])
    n = 10**7
    assert edge.partial_sum(n, n) == pytest.approx(n * (n - 1) / 2, rel=1e-12)
    half = AlgebraicEdge(0.5)
    m = 3 * 10**6
    direct = float(np.sum(np.sqrt(m - np.arange(1, m + 1, dtype=np.float64))))
    assert half.partial_sum(m, m) == pytest.approx(direct, rel=1e-12)
    assert AlgebraicEdge(1.0, 10.5).last_index(100) == 10


def test_custom_profile_matches_builtin():
    custom = Custom(z**-1.5, z)
    assert custom.normalised(100) == pytest.approx(PowerLaw(1.5).normalised(100), rel=1e-12)
    assert Custom("exp(-z/2)", "z").partial_sum(50) == pytest.approx(
        StretchedExponential(0.5, 1.0).partial_sum(50), rel=1e-12
    )


@pytest.mark.parametrize(
    ("build", "name"),
    [
        (lambda: PowerLaw(-1.0), "a must be >= 0"),
        (lambda: StretchedExponential(0.0, 1.0), "kappa must be > 0"),
        (lambda: StretchedExponential(1.0, -1.0), "a must be > 0"),
        (lambda: AlgebraicEdge(0.0), "a must be > 0"),
        (lambda: AlgebraicEdge(1.0, 0.5), "edge_at must be > 1"),
        (lambda: Custom(z * sp.Symbol("q"), z), "q"),
        (lambda: Custom(-z, z), "expression must be finite and >= 0"),
        (lambda: make_profile("zipf", a=1), "unknown profile"),
        (lambda: make_profile("power-law", b=1), "bad parameters"),
        (lambda: PowerLaw(1.0).partial_sum(0), "n must be >= 1"),
    ],
)
def test_bad_profiles(build, name):
    with pytest.raises(ValueError, match=name):
        build()


def test_registry_round_trip():
    assert make_profile("stretched-exponential", kappa=0.5, a=1.0) == StretchedExponential(0.5, 1.0)
    assert Constant().to_dict() == {"name": "constant"}

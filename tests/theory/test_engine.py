"""The symbolic engine against the closed forms, with symbolic and drawn parameters."""

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from theory import (
    DerivationError,
    alpha_algebraic,
    alpha_power_law,
    derive,
    log_power_exponential,
    prefactor_algebraic,
    prefactor_exponential,
    prefactor_power_law,
)

z, a, b, kappa, s, edge = sp.symbols("z a b kappa s z_star", positive=True)
rationals = st.fractions(min_value=sp.Rational(1, 4), max_value=3, max_denominator=20)
channels = st.fractions(min_value=0, max_value=sp.Rational(3, 4), max_denominator=20)


def _same(x, y):
    return sp.simplify(sp.sympify(x) - sp.sympify(y)) == 0


def test_power_law_class_with_symbolic_parameters():
    rate = s * z**-a
    law = derive(rate, z ** (-2 * b) * rate / 2, z)
    assert _same(law.alpha, (a + 2 * b - 1) / a)
    assert law.log_power == 0
    assert _same(law.prefactor, s ** ((1 - 2 * b) / a) / (2 * a))
    assert law.correction == 0
    assert [str(c) for c in law.conditions] == [str(sp.simplify((a + 2 * b - 1) / a > 0))]
    assert law.checked_at and max(law.checked_at[0]["relative_errors"]) < 1e-10


def test_exponential_class_with_symbolic_parameters():
    rate = s * sp.exp(-kappa * z**a)
    law = derive(rate, z ** (-2 * b) * rate / 2, z)
    assert law.alpha == 1
    assert _same(law.log_power, (1 - a - 2 * b) / a)
    assert _same(law.prefactor, kappa ** ((2 * b - 1) / a) / (2 * a))
    assert law.conditions == ()


def test_algebraic_class_with_symbolic_parameters():
    rate = s * (edge - z) ** a
    law = derive(rate, z ** (-2 * b) * rate / 2, z, edge=edge)
    assert _same(law.alpha, 1 + 1 / a)
    assert law.log_power == 0
    assert _same(law.prefactor, edge ** (-2 * b) * s ** (-1 / a) / (2 * a))


@given(rationals, channels)
def test_engine_equals_power_law_closed_form(a_, b_):
    if a_ + 2 * b_ <= 1:
        with pytest.raises(DerivationError, match="alpha"):
            derive(z**-a_ / 3, z ** (-a_ - 2 * b_) / 6, z, timeout=None)
        return
    law = derive(z**-a_ / 3, z ** (-a_ - 2 * b_) / 6, z, timeout=None)
    assert float(law.alpha) == pytest.approx(alpha_power_law(float(a_), float(b_)), rel=1e-12)
    assert float(law.prefactor) == pytest.approx(prefactor_power_law(float(a_), float(b_), 1 / 3), rel=1e-12)


@given(rationals, channels, rationals)
def test_engine_equals_exponential_closed_form(a_, b_, k_):
    rate = sp.exp(-k_ * z**a_)
    law = derive(rate, z ** (-2 * b_) * rate / 2, z, timeout=None)
    assert law.alpha == 1
    assert float(law.log_power) == pytest.approx(log_power_exponential(float(a_), float(b_)), abs=1e-12)
    expected = prefactor_exponential(float(a_), float(k_), float(b_))
    assert float(law.prefactor) == pytest.approx(expected, rel=1e-12)


@given(rationals, channels, st.integers(2, 5000))
def test_engine_equals_algebraic_closed_form(a_, b_, n):
    rate = (n - z) ** a_ / 3
    law = derive(rate, z ** (-2 * b_) * rate / 2, z, edge=n, timeout=None)
    assert float(law.alpha) == pytest.approx(alpha_algebraic(float(a_)), rel=1e-12)
    expected = prefactor_algebraic(float(a_), n, float(b_), 1 / 3)
    assert float(law.prefactor) == pytest.approx(expected, rel=1e-10)


def test_log_factor_in_the_weight():
    law = derive(z**-a, sp.log(z) * z ** (-a - 2 * b), z)
    assert _same(law.alpha, (a + 2 * b - 1) / a)
    assert law.log_power == 1
    assert _same(law.prefactor, a**-2)


def test_log_factor_in_the_rate():
    # rho = z / (a ln z - 1) and u = z^-a ln z give u^(-1/a) (ln 1/u)^(1/a - 1) a^(-1/a)
    law = derive(z ** -sp.Rational(3, 2) * sp.log(z), z ** -sp.Rational(3, 2), z)
    assert law.alpha == sp.Rational(1, 3)
    assert law.log_power == -sp.Rational(1, 3)
    assert _same(law.prefactor, sp.Rational(3, 2) ** -sp.Rational(2, 3))


def test_undecidable_form_is_an_error_not_a_law():
    with pytest.raises(DerivationError, match="prefactor") as info:
        derive(z**-2, sp.log(sp.log(z)) * z**-3, z)
    assert info.value.partial["alpha"] == 1  # rho = ln(ln z) / 2: the exponent is found, the log is not


def test_nonintegrable_density_is_rejected():
    with pytest.raises(DerivationError, match="alpha = 0"):
        derive(1 / z, 1 / z, z)


def test_rate_must_vanish():
    with pytest.raises(DerivationError, match="must vanish"):
        derive(1 + 1 / z, 1 / z**2, z)


def test_time_limit_kills_the_worker_and_the_next_call_works():
    with pytest.raises(DerivationError, match="did not finish"):
        derive(z**-a, z ** (-a - 2 * b), z, timeout=1e-3)
    assert derive(z**-2, z**-2, z).alpha == sp.Rational(1, 2)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((z**-2, z**-2, 3), {}, "z must be a sympy Symbol"),
        ((a**-2, z**-2, z), {}, "rate must depend on z"),
        ((z**-2, z**-2, z), {"timeout": 0}, "timeout must be > 0"),
        (("z**(", "1", z), {}, "is not valid"),
    ],
)
def test_bad_arguments(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        derive(*args, **kwargs)

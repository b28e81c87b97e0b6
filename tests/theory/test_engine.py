"""The symbolic engine against the closed forms, with symbolic and drawn parameters."""

import pytest
import sympy as sp
from hypothesis import given
from superdyn.theory import (
    DerivationError,
    alpha_algebraic,
    alpha_power_law,
    derive,
    log_power_exponential,
    prefactor_algebraic,
    prefactor_exponential,
    prefactor_power_law,
)
from superdyn.theory.testing import laws

z, a, b, kappa, s, edge = sp.symbols("z a b kappa s z_star", positive=True)


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


def test_engine_refuses_a_power_law_outside_its_domain():
    with pytest.raises(DerivationError, match="alpha"):
        derive(z ** -sp.Rational(1, 2) / 3, z ** -sp.Rational(3, 4) / 6, z, timeout=None)  # a + 2b = 3/4


NUMERIC = {"symbolic": False}


def _floats(law):
    return {k: float(v) for k, v in law.params.items()}


@given(laws(kinds=("power-law",), **NUMERIC))
def test_engine_equals_power_law_closed_form(known):
    p = _floats(known)
    law = derive(known.rate, known.weight, z, timeout=None)
    assert float(law.alpha) == pytest.approx(alpha_power_law(p["a"], p["b"]), rel=1e-12)
    assert float(law.prefactor) == pytest.approx(prefactor_power_law(p["a"], p["b"], p["s"]), rel=1e-12)


@given(laws(kinds=("stretched-exponential",), **NUMERIC))
def test_engine_equals_exponential_closed_form(known):
    p = _floats(known)
    law = derive(known.rate, known.weight, z, timeout=None)
    assert law.alpha == 1
    assert float(law.log_power) == pytest.approx(log_power_exponential(p["a"], p["b"]), abs=1e-12)
    expected = prefactor_exponential(p["a"], p["kappa"], p["b"])
    assert float(law.prefactor) == pytest.approx(expected, rel=1e-12)


@given(laws(kinds=("algebraic-edge",), **NUMERIC))
def test_engine_equals_algebraic_closed_form(known):
    p = _floats(known)
    law = derive(known.rate, known.weight, z, edge=known.edge, timeout=None)
    assert float(law.alpha) == pytest.approx(alpha_algebraic(p["a"]), rel=1e-12)
    expected = prefactor_algebraic(p["a"], float(known.edge), p["b"], p["s"])
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
        ((z**-2, z**-2, z), {"timeout": 0}, "timeout must be a number of seconds"),
        (("z**(", "1", z), {}, "is not valid"),
    ],
)
def test_bad_arguments(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        derive(*args, **kwargs)

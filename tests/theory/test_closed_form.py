import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from superdyn.theory import (
    alpha_algebraic,
    alpha_exponential,
    alpha_power_law,
    log_power_exponential,
    phase_diagram,
)
from superdyn.theory.errors import InvalidInput

positive = st.floats(0.05, 5.0)
channel = st.floats(0.0, 1.0)


def test_issue_example_value():
    assert alpha_power_law(1.1, 0.25) == pytest.approx(0.5454545454545454, rel=1e-15)


def test_paper_values():
    # paper Sec. 4.2: a = 1.1, b = 0 gives alpha ~ 0.09; Fig. 11: exponential 1, linear edge 2
    assert alpha_power_law(1.1) == pytest.approx(1 / 11)
    assert alpha_exponential(1.0) == 1.0
    assert log_power_exponential(1.0) == 0.0
    assert alpha_algebraic(1.0) == 2.0


@given(positive, channel)
def test_power_law_formula_and_limits(a, b):
    if a + 2 * b <= 1:
        with pytest.raises(ValueError, match="a \\+ 2b > 1"):
            alpha_power_law(a, b)
        return
    alpha = alpha_power_law(a, b)
    assert alpha == pytest.approx((a + 2 * b - 1) / a)
    assert alpha > 0
    # without channel decay the tail never beats t^-1
    if b == 0:
        assert alpha < 1


def test_vectorised_shapes():
    a = np.array([1.1, 1.5, 2.0])
    out = alpha_power_law(a[:, None], np.array([0.0, 0.25]))
    assert out.shape == (3, 2)
    assert isinstance(alpha_power_law(2.0), float)
    assert alpha_algebraic(a).tolist() == pytest.approx([1 + 1 / 1.1, 1 + 1 / 1.5, 1.5])


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: alpha_power_law(0.8, 0.05), "a \\+ 2b > 1"),
        (lambda: alpha_power_law(-1.0), "a must be > 0"),
        (lambda: alpha_power_law(1.5, -0.1), "b must be >= 0"),
        (lambda: alpha_power_law(np.nan), "a must be finite"),
        (lambda: alpha_exponential(0.0), "a must be > 0"),
        (lambda: log_power_exponential(1.0, -1.0), "b must be >= 0"),
        (lambda: alpha_algebraic(-2.0), "a must be > 0"),
        (lambda: alpha_power_law([1.5, 0.5]), "a=0.5"),
    ],
)
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_phase_diagram_orders_the_classes():
    d = phase_diagram(np.linspace(0.2, 4.0, 40))
    assert np.all(d.power_law < 1)
    assert np.all(d.exponential == 1)
    assert np.all(d.algebraic > 1)
    assert d.power_law_a.min() > 1
    assert not np.any(np.isnan(d.power_law))


@given(a=st.floats(0.3, 4.0), b=st.floats(0.0, 2.0))
def test_each_decay_class_has_its_exponent_and_its_profile(a, b):
    from superdyn.theory.closed_form import DECAY_CLASSES, decay_exponent
    from superdyn.theory.profiles import decay_profile

    if a + 2 * b > 1:  # a summable power law
        assert decay_exponent("power-law", a, b) == {"alpha": alpha_power_law(a, b), "log_power": 0.0}
    else:
        with pytest.raises(InvalidInput, match=r"a power law needs a \+ 2b > 1"):
            decay_exponent("power-law", a, b)
    exponential = decay_exponent("exponential", a, b)
    assert exponential["alpha"] == 1.0 and exponential["log_power"] == pytest.approx((1 - 2 * b) / a - 1)
    assert decay_exponent("algebraic", a, b) == {"alpha": 1 + 1 / a, "log_power": 0.0}  # b does not enter
    names = [decay_profile(d, a).name for d in DECAY_CLASSES]
    assert names == ["power-law", "stretched-exponential", "algebraic-edge"]
    for bad in (decay_exponent, decay_profile):
        with pytest.raises(InvalidInput, match="decay must be one of"):
            bad("gaussian", a)

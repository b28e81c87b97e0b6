"""Fuzz every public function of ``superdyn.theory`` with bad and extreme input.

The only outcomes allowed are a finite, valid result or a one-line ValueError naming the
parameter (``fuzzing.judge``). The number of examples per case is set by the hypothesis
profile (``fuzzing.FUZZ_EXAMPLES``: 60 for ``ci``, 1000 for ``thorough``).
"""

import pytest
import sympy as sp
from fuzzing import (
    counts,
    float_arrays,
    fuzz,
    judge,
    junk,
    profiles,
    scalars,
    small_counts,
    tasks,
    time_grids,
)
from hypothesis import given
from hypothesis import strategies as st
from superdyn.theory import (
    AlgebraicEdge,
    Custom,
    ModeSpectrum,
    PowerLaw,
    StretchedExponential,
    Task,
    clustered_limit,
    contiguous_clusters,
    derive,
    finite_size_exponent,
    isotropic_limit,
    make_profile,
    phase_diagram,
    weak_superposition_loss,
    width_exponent_weak,
)

from superdyn import theory

CLOSED_FORMS = {
    "alpha_power_law": ("a", "b"),
    "alpha_exponential": ("a", "b"),
    "alpha_algebraic": ("a",),
    "log_power_exponential": ("a", "b"),
    "prefactor_power_law": ("a", "b", "rate_scale"),
    "prefactor_exponential": ("a", "kappa", "b"),
    "prefactor_algebraic": ("a", "edge", "b", "rate_scale"),
}


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
@fuzz
@given(data=st.data())
def test_closed_forms(name, data):
    function = getattr(theory, name)
    kwargs = {p: data.draw(st.one_of(scalars, float_arrays(3)), label=p) for p in CLOSED_FORMS[name]}
    judge(name, function, **kwargs)


@fuzz
@given(a=st.one_of(scalars, float_arrays()), b=scalars)
def test_phase_diagram_and_width_exponent(a, b):
    judge("phase_diagram", phase_diagram, a, b)
    judge("width_exponent_weak", width_exponent_weak, a, b)


PROFILE_PARAMETERS = {
    "power-law": {"a": scalars},
    "stretched-exponential": {"kappa": scalars, "a": scalars},
    "algebraic-edge": {"a": scalars, "edge_at": st.one_of(st.none(), scalars)},
}


@fuzz
@given(data=st.data(), name=st.sampled_from([*sorted(PROFILE_PARAMETERS), "constant", "no-such-profile"]))
def test_profiles_and_their_sums(data, name):
    params = {k: data.draw(s, label=k) for k, s in PROFILE_PARAMETERS.get(name, {}).items()}
    profile = judge("make_profile", make_profile, name, names=params, **params)
    if profile is None:
        return
    n = data.draw(counts, label="n")
    n_features = data.draw(st.one_of(st.none(), counts), label="n_features")
    index = data.draw(st.one_of(float_arrays(), counts), label="index")
    names = ("n_features", "edge", "edge_at", "a")
    if n_features is None and name == "algebraic-edge" and params.get("edge_at") is None:
        return  # an edge at N needs N (refusal checked in test_bad_input)
    judge("Profile.values", profile.values, index, n_features, names=names)
    judge("Profile.partial_sum", profile.partial_sum, n, n_features, names=names)
    judge("Profile.normalised", profile.normalised, n, data.draw(scalars, label="total"), names=names)


@fuzz
@given(
    frequencies=st.one_of(
        st.sampled_from([PowerLaw(1.5), StretchedExponential(1.0, 1.0), AlgebraicEdge(2.0)]), profiles(), junk
    ),
    n_features=counts,
    density=scalars,
    value_max=scalars,
)
def test_task_constructor(frequencies, n_features, density, value_max):
    judge(
        "Task",
        Task,
        frequencies,
        n_features=n_features,
        density=density,
        value_max=value_max,
        names=("frequencies", "sum of f", "channels"),
    )


TASK_DERIVED = (
    "lambda_min",
    "lambda_max",
    "rate_min",
    "rate_max",
    "index",
    "covariance",
    "n_features",
    "window",
)


@fuzz
@given(
    task=tasks(),
    index=st.one_of(float_arrays(), counts, st.lists(st.integers(1, 3000), min_size=1)),
    covariance=st.one_of(st.sampled_from(["diagonal", "exact", "x"]), junk),
)
def test_task_properties_and_methods(task, index, covariance):
    for method in ("frequencies_at", "channels_at", "rates_at", "weights_at"):
        judge(f"Task.{method}", getattr(task, method), index, names=TASK_DERIVED)
    for prop in ("rate_max", "rate_min", "cutoff_rate", "window"):
        judge(f"Task.{prop}", lambda p=prop: getattr(task, p), names=TASK_DERIVED)
    if task.n_features <= 10**6:
        judge("Task.modes", task.modes, names=TASK_DERIVED)
    if task.n_features <= 2000:
        judge("Task.second_moment", task.second_moment, covariance, names=TASK_DERIVED)


@fuzz
@given(rates=float_arrays(), weights=float_arrays(), plateau=scalars, t=time_grids())
def test_mode_spectrum(rates, weights, plateau, t):
    spectrum = judge("ModeSpectrum", ModeSpectrum, rates, weights, plateau)
    if spectrum is not None:
        judge("ModeSpectrum.loss", spectrum.loss, t, names=("rates", "lambda"))
        judge("ModeSpectrum.local_exponent", spectrum.local_exponent, t, names=("rates", "loss", "lambda"))


@fuzz
@given(task=tasks(max_features=2000), data=st.data())
def test_superposition_limits(task, data):
    n = task.n_features
    clusters = data.draw(
        st.one_of(
            st.integers(1, n).map(lambda k: contiguous_clusters(n, k)),
            st.lists(st.integers(-2, 3 * n), min_size=n, max_size=n),
            float_arrays(),
        ),
        label="clusters",
    )
    judge("clustered_limit", clustered_limit, task, clusters)
    judge("isotropic_limit", isotropic_limit, task, data.draw(st.one_of(counts, junk), label="width"))
    judge(
        "weak_superposition_loss",
        weak_superposition_loss,
        task,
        data.draw(st.one_of(counts, float_arrays()), label="width"),
    )
    judge("contiguous_clusters", contiguous_clusters, data.draw(small_counts), data.draw(small_counts))


@fuzz
@given(alpha=scalars, rate_min=scalars, t=time_grids())
def test_finite_size_exponent(alpha, rate_min, t):
    judge("finite_size_exponent", finite_size_exponent, alpha, rate_min, t)


@pytest.fixture(scope="module")
def power_law_law():
    z, a, b = sp.symbols("z a b", positive=True)
    return derive(z ** (-a), z ** (-a - 2 * b), z, timeout=None)


@fuzz
@given(
    t=time_grids(),
    a=st.one_of(st.floats(0.05, 4.0), scalars),
    b=st.one_of(st.floats(0.0, 2.0), scalars),
    n_features=st.one_of(st.none(), counts),
)
def test_scaling_law_evaluation(power_law_law, t, a, b, n_features):
    judge("ScalingLaw.loss", power_law_law.loss, t, n_features=n_features, a=a, b=b, names=("a", "b", "t"))
    judge(
        "ScalingLaw.local_exponent",
        power_law_law.local_exponent,
        t,
        n_features=n_features,
        a=a,
        b=b,
        names=("a", "b"),
    )
    if n_features is not None:
        judge("ScalingLaw.window", power_law_law.window, n_features, a=a, b=b, names=("a", "b", "lambda_min"))


#: Expressions: small grammar of valid pieces mixed with refused constructs.
ATOMS = ["z", "2", "0", "-1", "1e400", "a", "pi", "E", "oo", "nan", "zoo", "I", "x", "__import__", "()"]
FUNCTIONS = ["exp", "log", "sqrt", "gamma", "zeta", "sin", "eval", "lambda z:", "getattr"]
OPERATORS = ["+", "-", "*", "/", "**", "**-", ".", "[0]", " if z else "]
expressions = st.recursive(
    st.sampled_from(ATOMS),
    lambda inner: st.one_of(
        st.builds(lambda f, x: f"{f}({x})", st.sampled_from(FUNCTIONS), inner),
        st.builds(lambda x, op, y: f"({x}){op}({y})", inner, st.sampled_from(OPERATORS), inner),
    ),
    max_leaves=6,
)


VALID = [
    "z**-2",
    "z**(-1.5)",
    "z**-a",
    "exp(-z)",
    "exp(-2*z**(1/2))",
    "(100 - z)**2",
    "z**-3*log(z)",
    "1/(z**2 + 1)",
]
expressions = st.one_of(st.sampled_from(VALID), expressions, junk)


@fuzz
@given(rate=expressions, weight=expressions, edge_at=st.one_of(st.none(), scalars))
def test_custom_profiles_and_derive(rate, weight, edge_at):
    profile = judge("Custom", Custom, rate, "z", edge_at, names=("expression", "edge_at", "Custom"))
    if profile is not None:
        judge("Custom.values", profile.values, [1.0, 2.0, 10.0], 100, names=("expression", "f"))
    judge(
        "derive", derive, rate, weight, "z", timeout=None, check=False, names=("rate", "weight", "expression")
    )

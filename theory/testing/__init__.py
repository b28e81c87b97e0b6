"""superdyn.theory.testing: property-based testing of loss laws, for superdyn and for its users.

Strategies draw parameters inside each decay class's validity domain, profiles, tasks,
spectra, embeddings and symbolic laws with their known exponent, log power and prefactor;
assertions compare a law with the exact discrete sum, a curve with an exponent, and a
derivation with the expected law, and explain a failure (window, misfit, local exponents).
hypothesis is needed by this module only (``import superdyn.theory`` does not import it);
without it, importing this module raises :class:`~superdyn.theory.MissingDependency`
naming the ``superdyn[testing]`` extra.

Examples
--------
>>> from hypothesis import given
>>> from superdyn.theory import PowerLaw, Task, alpha_power_law
>>> from superdyn.theory.testing import assert_law_matches_sum, power_law_params, superdyn_settings
>>> @superdyn_settings
... @given(power_law_params(a=(1.2, 3.0), b=(0.0, 0.5)))
... def test_eq8(p):
...     task = Task(PowerLaw(p["a"]), PowerLaw(p["b"]), n_features=20_000)
...     assert_law_matches_sum(task.scaling_law(timeout=None), task, rtol=0.03)
>>> test_eq8()
"""

try:
    from hypothesis import HealthCheck, Phase, settings
except ModuleNotFoundError as exc:  # the superdyn[testing] extra
    from ..errors import missing_extra

    raise (missing_extra(exc, "superdyn.theory.testing") or exc) from None

from .assertions import (
    assert_derivation,
    assert_exponent,
    assert_law_equals,
    assert_law_matches_sum,
    front_window,
)
from .strategies import (
    KINDS,
    KnownLaw,
    algebraic_edge_params,
    embeddings,
    laws,
    power_law_params,
    profiles,
    spectra,
    stretched_exponential_params,
    tasks,
)

__all__ = [
    "KINDS",
    "KnownLaw",
    "algebraic_edge_params",
    "assert_derivation",
    "assert_exponent",
    "assert_law_equals",
    "assert_law_matches_sum",
    "embeddings",
    "front_window",
    "laws",
    "power_law_params",
    "profiles",
    "spectra",
    "stretched_exponential_params",
    "superdyn_settings",
    "tasks",
]

#: Settings for users' suites: no deadline (a derivation can take a second), 100 examples,
#: and no "explain" phase (it traces every line, which slows sympy down ten-fold while a
#: failure shrinks). Also registered as the hypothesis profile "superdyn"
#: (``settings.load_profile("superdyn")``).
superdyn_settings = settings(
    deadline=None,
    max_examples=100,
    suppress_health_check=(HealthCheck.too_slow, HealthCheck.data_too_large),
    phases=tuple(p for p in Phase if p is not Phase.explain),
)
settings.register_profile("superdyn", superdyn_settings)

"""A user's own property tests, written as superdyn.theory.testing's tutorial suggests: defaults only.

Run from outside superdyn's checkout by ``test_testing_composes.py`` (``EXAMPLES`` examples each).
"""

import dataclasses
import os
import warnings

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from superdyn.theory.testing import assert_law_matches_sum, tasks

SETTINGS = settings(
    max_examples=int(os.environ.get("EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=os.environ.get("SEED") is None,
    database=None,
)


@SETTINGS
@given(tasks(max_features=10**6))
def test_the_library_law_matches_the_exact_sum(task):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and nothing warns on the way
        assert_law_matches_sum(task.scaling_law(), task)


@SETTINGS
@given(tasks(max_features=10**6))
def test_a_law_with_its_exponent_off_by_002_fails(task):
    law = task.scaling_law()
    planted = dataclasses.replace(law, alpha=law.alpha + sp.Rational(1, 50))
    with pytest.raises(AssertionError, match="differ by more than"):
        assert_law_matches_sum(planted, task)

"""Verdicts follow from numbers and stated tolerances; a planted disagreement is caught."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from superdyn.verify.analyse.claims import Alternative, Claim, agrees

finite = st.floats(-1e3, 1e3, allow_nan=False)
positive = st.floats(0.0, 10.0, allow_nan=False)


def _claim(**changes):
    base = dict(
        experiment="figX",
        key="k",
        statement="s",
        paper=1.0,
        paper_quote="Sec. 1: 'one'",
        criterion="within 0.05",
        measured=1.0,
        uncertainty=0.01,
        method="m",
        tolerance=0.05,
    )
    return Claim(**{**base, **changes})


@given(finite, positive, finite, positive)
def test_agreement_is_the_stated_allowance(measured, sigma, reference, tolerance):
    allowance = max(tolerance, 2 * sigma)
    assert agrees(measured, sigma, reference, tolerance) == (abs(measured - reference) <= allowance)
    assert agrees(measured, sigma, reference, tolerance, "at_least") == (measured >= reference - allowance)
    assert agrees(measured, sigma, reference, tolerance, "at_most") == (measured <= reference + allowance)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_unknown_numbers_never_agree(bad):
    assert not agrees(bad, 0.1, 1.0, 0.5)
    assert not agrees(1.0, bad, 1.0, 0.5)  # an unknown error bar confirms nothing


def test_verdicts_and_explanations():
    good = _claim(measured=1.04)
    assert good.verdict == "reproduced" and good.explanation == ""
    planted = _claim(measured=0.7, context="because of X")
    assert planted.verdict == "not reproduced"
    assert "0.7" in planted.explanation and "because of X" in planted.explanation
    conditional = _claim(
        measured=0.7, alternatives=(Alternative("c1", 0.5), Alternative("the window is [1, 10]", 1.01))
    )
    assert conditional.verdict == "reproduced only if the window is [1, 10]"  # the first that agrees
    assert "1.01" in conditional.explanation and "if c1, 0.5" in conditional.explanation
    failed_condition = _claim(measured=0.7, alternatives=(Alternative("c", 0.5), Alternative("d", None)))
    assert failed_condition.verdict == "not reproduced"
    # an error bar up to the tolerance widens the allowance to 2 sigma
    assert _claim(measured=0.92, uncertainty=0.05).verdict == "reproduced"
    # a wider one cannot decide: 2 sigma = 0.4 covers 0.7 against 1, but sigma > tolerance
    vague = _claim(measured=0.7, uncertainty=0.2)
    assert vague.verdict == "inconclusive" and "cannot decide" in vague.explanation
    assert _claim(measured=1.01, uncertainty=0.2).verdict == "reproduced"  # inside the tolerance itself
    bound = _claim(paper=10.0, measured=1.3, tolerance=0.0, kind="at_least")
    assert bound.verdict == "not reproduced" and "falls short of" in bound.explanation
    assert set(good.to_dict()) >= {"verdict", "explanation", "paper", "paper_quote", "criterion", "measured"}


def test_a_claim_without_a_paper_number_is_tested_against_superdyns_threshold():
    qualitative = _claim(
        paper=None,
        threshold=0.5,
        kind="at_least",
        measured=0.3,
        uncertainty=0.0,
        tolerance=0.0,
        criterion="superdyn's: at least half",
    )
    assert qualitative.reference == 0.5 and qualitative.verdict == "not reproduced"
    assert "superdyn's threshold 0.5" in qualitative.explanation and "paper's" not in qualitative.explanation
    assert _claim(paper=None, threshold=0.5, kind="at_least", measured=0.6).verdict == "reproduced"
    assert qualitative.to_dict()["paper"] is None and qualitative.to_dict()["threshold"] == 0.5
    with pytest.raises(ValueError, match="exactly one of paper"):
        _claim(paper=None)  # neither
    with pytest.raises(ValueError, match="exactly one of paper"):
        _claim(threshold=0.5)  # both
    with pytest.raises(ValueError, match="paper_quote and criterion"):
        _claim(criterion="")


def test_an_undecided_claim_is_inconclusive_whatever_its_number():
    claim = _claim(measured=1.0, undecided="no width reached its plateau.")
    assert claim.verdict == "inconclusive" and not claim.holds
    assert claim.explanation.startswith("The data cannot decide: no width reached its plateau.")
    # an alternative cannot rescue it either
    rescued = _claim(measured=0.2, undecided="x", alternatives=(Alternative("c", 1.0),))
    assert rescued.verdict == "inconclusive"


def test_bad_claims_are_rejected():
    with pytest.raises(ValueError, match="kind"):
        _claim(kind="roughly")
    with pytest.raises(ValueError, match="tolerance"):
        _claim(tolerance=-1.0)
    with pytest.raises(ValueError, match="kind"):
        agrees(1.0, 0.0, 1.0, 0.1, "near")
    with pytest.raises(TypeError):
        Claim("figX", "k", "s", 1.0, "q", "c", 1.0, 0.0, "m", 0.1)  # keywords only: no silent swaps

"""Pre-registration: claims are declared from the plan alone, and judged only as declared."""

import ast
import math
from pathlib import Path

import pytest
from superdyn.theory.errors import InvalidInput
from superdyn.verify.analyse.claims import Analysis
from superdyn.verify.analyse.registered import ClaimSpec, Measurement, NotMeasured, judge, judge_all
from superdyn.verify.errors import ClaimRegistration
from superdyn.verify.experiments import EXPERIMENTS, declared_claims
from superdyn.verify.experiments.base import Experiment
from superdyn.verify.experiments.setup import TheoryOnly

EXPERIMENT_SOURCES = Path(__file__).parents[2] / "verify" / "experiments"


def _spec(key="k", **changes):
    base = dict(
        experiment="figX", key=key, statement="s", paper=1.0, paper_quote="q", criterion="c", tolerance=0.1
    )
    return ClaimSpec(**{**base, **changes})


def _measured(value=1.05, **changes):
    return Measurement(**{"value": value, "uncertainty": 0.01, "method": "m", **changes})


def test_the_verdict_follows_from_the_declaration():
    assert judge(_spec(), _measured(1.05)).verdict == "reproduced"
    assert judge(_spec(), _measured(1.2)).verdict == "not reproduced"
    assert (
        judge(_spec(tolerance=0.3), _measured(1.2)).verdict == "reproduced"
    )  # the declared tolerance decides
    claim = judge(_spec(paper=None, threshold=0.5, kind="at_least"), _measured(0.6))
    assert claim.verdict == "reproduced" and claim.whose == "superdyn's threshold"


def test_a_tolerance_in_standard_errors_takes_its_width_from_the_measurement():
    spec = _spec(paper=None, threshold=0.0, kind="at_most", noise_sigmas=3.0)
    assert judge(spec, _measured(0.05, uncertainty=0.0, noise=0.02)).tolerance == pytest.approx(0.06)
    assert judge(spec, _measured(0.05, uncertainty=0.0, noise=0.02)).verdict == "reproduced"
    assert judge(spec, _measured(0.07, uncertainty=0.0, noise=0.02)).verdict == "not reproduced"
    assert judge(spec, _measured(0.05, uncertainty=0.0, noise=math.nan)).tolerance == 0.0  # no noise estimate
    with pytest.raises(ClaimRegistration, match="states no noise"):
        judge(spec, _measured(0.05))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (dict(paper=None), "exactly one of paper"),
        (dict(threshold=0.5), "exactly one of paper"),
        (dict(criterion=""), "must be stated"),
        (dict(kind="about"), "kind must be one of"),
        (dict(tolerance=-1.0), "tolerance must be >= 0"),
        (dict(noise_sigmas=0.0), "noise_sigmas must be > 0"),
    ],
)
def test_a_declaration_that_hides_whose_number_or_what_test_is_refused(changes, message):
    with pytest.raises(InvalidInput, match=message):
        _spec(**changes)


def test_measurements_must_match_the_declarations():
    specs = [_spec("a"), _spec("b")]
    claims, notes = judge_all(specs, {"b": _measured(), "a": NotMeasured("every seed diverged")})
    assert [c.key for c in claims] == ["b"] and notes == ["figX, a: not measured: every seed diverged"]
    with pytest.raises(ClaimRegistration, match=r"never declared: \['c'\]"):
        judge_all(specs, {"a": _measured(), "b": _measured(), "c": _measured()})
    with pytest.raises(ClaimRegistration, match=r"neither measured nor marked NotMeasured.*\['b'\]"):
        judge_all(specs, {"a": _measured()})
    with pytest.raises(ClaimRegistration, match="declared twice"):
        judge_all([_spec("a"), _spec("a")], {"a": _measured()})


def _experiment(analyse):
    return Experiment(
        "figX", "a test", (), {"tiny": TheoryOnly()}, lambda setup: {}, lambda plan: [_spec("k")], analyse
    )


def test_an_analysis_that_measures_an_undeclared_claim_fails():
    def honest(stored, plan):
        return Analysis(measurements={"k": _measured()})

    def extra(stored, plan):
        return Analysis(measurements={"k": _measured(), "found-later": _measured()})

    def silent(stored, plan):
        return Analysis()

    assert [c.key for c in _experiment(honest).evaluate(None, "tiny").claims] == ["k"]
    with pytest.raises(ClaimRegistration, match="found-later"):
        _experiment(extra).evaluate(None, "tiny")
    with pytest.raises(ClaimRegistration, match="neither measured"):
        _experiment(silent).evaluate(None, "tiny")


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_every_scale_declares_its_claims_from_the_plan_alone(name):
    experiment = EXPERIMENTS[name]
    for scale in experiment.scale_names:
        specs = experiment.declared(scale)  # no store is given: nothing can be read
        assert specs, (name, scale)
        assert len({s.key for s in specs}) == len(specs)
        assert all(s.experiment == name for s in specs)
        assert experiment.describe(scale)


def test_declared_claims_lists_several_experiments_in_order():
    specs = declared_claims(["fig13", "fig7"], "quick")
    assert [(s.experiment, s.key) for s in specs] == [("fig13", "beta"), ("fig7", "kopt-exponent")]


def _calls_in_functions(source: str, name: str) -> list:
    """(name, argument names) of the functions of ``source`` that call ``name(...)``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef):
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and getattr(call.func, "id", None) == name:
                    found.append((node.name, [a.arg for a in node.args.args]))
    return found


def test_no_analysis_builds_a_claim_or_a_declaration():
    for path in sorted(EXPERIMENT_SOURCES.glob("*.py")):
        source = path.read_text()
        assert not _calls_in_functions(source, "Claim"), path.name  # verdicts come from judge_all only
        for function, arguments in _calls_in_functions(source, "ClaimSpec"):
            # a declaration sees the plan, never the stored runs
            assert not function.startswith("_analyse"), (path.name, function)
            assert not {"results", "stored", "store"} & set(arguments), (path.name, function, arguments)

"""Pre-registered claims: what is claimed and how it is judged, declared before any measurement.

An experiment declares its claims from its plan alone, before a run is read: each
:class:`ClaimSpec` fixes the statement, whose number it is tested against (the paper's,
quoted with its section, or superdyn's threshold, labelled as such), the criterion in words,
the tolerance and the kind of comparison. An analysis then returns a :class:`Measurement`
for each declared key (or :class:`NotMeasured` with the reason), and :func:`judge_all` is the
one place where the two meet: it refuses a measurement of an undeclared claim and a declared
claim left without a measurement, and builds each :class:`~superdyn.verify.analyse.claims.Claim`,
whose verdict follows from the declared criterion alone.

A tolerance is a number fixed in the declaration, or a declared number of standard errors of
the measurement's noise (``noise_sigmas``): "within 3 standard errors of the seed mean" is a
rule fixed before measuring whose width the seeds then give.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from superdyn.theory.errors import InvalidInput

from ..errors import ClaimRegistration
from .claims import Claim, check_declaration

__all__ = ["ClaimSpec", "Measurement", "NotMeasured", "judge", "judge_all"]


@dataclass(frozen=True, kw_only=True)
class ClaimSpec:
    """One claim as pre-registered: everything but the measurement.

    Attributes
    ----------
    experiment, key : str
        Where it comes from and its identifier (unique within the experiment).
    statement : str
        The claim in words.
    paper : float or None
        The number the paper states (or its bound, see ``kind``); None when it states none.
    paper_quote : str
        The paper's words, with the section or figure they come from.
    criterion : str
        The test applied, in words; for a claim without a paper number it says why
        ``threshold`` is what it is.
    threshold : float or None
        superdyn's reference where ``paper`` is None (required then, refused otherwise).
    tolerance : float
        The agreement tolerance (absolute).
    noise_sigmas : float or None
        When given, the tolerance is this many times the measurement's ``noise`` instead.
    kind : {"value", "at_least", "at_most"}
    theory : float or None
        superdyn's theory value where it is known before measuring.
    """

    experiment: str
    key: str
    statement: str
    paper: float | None
    paper_quote: str
    criterion: str
    tolerance: float = 0.0
    threshold: float | None = None
    noise_sigmas: float | None = None
    kind: str = "value"
    theory: float | None = None

    def __post_init__(self):
        check_declaration(self)
        if self.noise_sigmas is not None and not self.noise_sigmas > 0:
            raise InvalidInput(
                f"claim {self.experiment}/{self.key}: noise_sigmas must be > 0, got {self.noise_sigmas!r}"
            )

    @classmethod
    def quoting(cls, quoted, **fields) -> ClaimSpec:
        """A claim tested against a number the paper states: ``quoted`` is its entry of
        ``superdyn.theory.paper_values.PAPER`` (the value, and the words with their section)."""
        return cls(paper=quoted.value, paper_quote=quoted.cited, **fields)

    @property
    def reference(self) -> float:
        """What the verdict compares with: the paper's number, else superdyn's threshold."""
        return float(self.paper if self.paper is not None else self.threshold)

    def tolerance_text(self) -> str:
        if self.noise_sigmas is not None:
            return f"{self.noise_sigmas:g} standard errors of the measurement"
        return f"{self.tolerance:.3g}"

    def to_dict(self) -> dict:
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out["reference"] = self.reference
        return out


@dataclass(frozen=True, kw_only=True)
class Measurement:
    """What an analysis measured for one declared claim.

    Attributes
    ----------
    value, uncertainty : float
        The measurement and its one-sigma uncertainty (0 for exact numerics).
    method : str
        How it was measured.
    theory : float or None
        superdyn's theory value at the measurement's conditions (overrides the declared one).
    alternatives : tuple of Alternative
        Other measurements, in the order the experiment fixes; used only when the headline
        disagrees.
    undecided : str
        Why the data cannot decide the claim.
    context : str
        A sentence with the numbers that explain a disagreement.
    noise : float or None
        The noise scale of a claim declared with ``noise_sigmas`` (NaN: none could be estimated,
        and the tolerance is then 0).
    """

    value: float
    uncertainty: float
    method: str
    theory: float | None = None
    alternatives: tuple = ()
    undecided: str = ""
    context: str = ""
    noise: float | None = None


@dataclass(frozen=True)
class NotMeasured:
    """A declared claim the data cannot reach (every seed diverged, a run is missing), and why."""

    reason: str


def judge(spec: ClaimSpec, measurement: Measurement) -> Claim:
    """The claim ``spec`` with ``measurement``: its verdict follows from the declaration alone."""
    tolerance = spec.tolerance
    if spec.noise_sigmas is not None:
        if measurement.noise is None:
            raise ClaimRegistration(
                f"claim {spec.experiment}/{spec.key} is declared with a tolerance of {spec.noise_sigmas:g} "
                "standard errors, but its measurement states no noise"
            )
        tolerance = 0.0 if np.isnan(measurement.noise) else spec.noise_sigmas * measurement.noise
    return Claim(
        experiment=spec.experiment,
        key=spec.key,
        statement=spec.statement,
        paper=spec.paper,
        paper_quote=spec.paper_quote,
        criterion=spec.criterion,
        threshold=spec.threshold,
        measured=measurement.value,
        uncertainty=measurement.uncertainty,
        method=measurement.method,
        tolerance=tolerance,
        theory=measurement.theory if measurement.theory is not None else spec.theory,
        kind=spec.kind,
        alternatives=tuple(measurement.alternatives),
        undecided=measurement.undecided,
        context=measurement.context,
    )


def judge_all(specs, measurements: dict) -> tuple[list, list]:
    """(claims in the declared order, notes for the declared claims not measured).

    Raises
    ------
    ClaimRegistration
        Two declarations share a key, a measurement has no declaration, or a declared claim
        has neither a measurement nor a stated reason.
    """
    declared: dict = {}
    for spec in specs:
        if spec.key in declared:
            raise ClaimRegistration(f"claim {spec.experiment}/{spec.key} is declared twice")
        declared[spec.key] = spec
    undeclared = [key for key in measurements if key not in declared]
    if undeclared:
        raise ClaimRegistration(
            f"measured but never declared: {undeclared}; declare each claim before measuring"
        )
    silent = [key for key in declared if key not in measurements]
    if silent:
        raise ClaimRegistration(
            f"declared but neither measured nor marked NotMeasured with a reason: {silent}"
        )
    claims, notes = [], []
    for key, spec in declared.items():
        outcome = measurements[key]
        if isinstance(outcome, NotMeasured):
            notes.append(f"{spec.experiment}, {key}: not measured: {outcome.reason}")
        elif isinstance(outcome, Measurement):
            claims.append(judge(spec, outcome))
        else:
            raise ClaimRegistration(f"claim {spec.experiment}/{key}: expected a Measurement, got {outcome!r}")
    return claims, notes

"""Claims of the paper and their verdicts, computed from numbers and criteria fixed in advance.

A :class:`Claim` says whose number it is tested against:

* ``paper``: a number the paper states (``paper_quote`` gives its words, with the section or
  figure), or ``None`` when the paper states none (a qualitative claim such as "the curves
  track the theory" or "the map is dense");
* ``threshold``: for a claim without a paper number, superdyn's own threshold, derived from
  theory or from the measurement's noise and fixed before measuring; ``criterion`` says in
  words what test is applied and why.

The verdict follows from these numbers alone, against ``reference`` (the paper's number,
or superdyn's threshold where the paper gives none):

* ``reproduced``: ``|measured - reference| <= max(tolerance, 2 * uncertainty)``
  (``kind="value"``), or the bound holds with that allowance (``"at_least"``/``"at_most"``);
* ``reproduced only if <condition>``: the headline measurement disagrees, but one of the
  stated ``alternatives`` (the first, in the order given before measuring) agrees;
* ``inconclusive``: the measurement cannot decide, because its error bar is wider than the
  tolerance (sigma > tolerance and the agreement rests on 2 sigma alone), or because
  ``undecided`` states why the data cannot decide (for example: no width reached its plateau);
* ``not reproduced``: none of the above (a measurement without a finite value or
  uncertainty never agrees).

Every disagreement carries a sentence (``explanation``) built from the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from superdyn.theory.errors import InvalidInput

__all__ = ["KINDS", "Alternative", "Analysis", "Claim", "agrees", "tally_verdicts"]

KINDS = ("value", "at_least", "at_most")
REPRODUCED = "reproduced"
INCONCLUSIVE = "inconclusive"
NOT_REPRODUCED = "not reproduced"


def agrees(
    measured: float, uncertainty: float, reference: float, tolerance: float, kind: str = "value"
) -> bool:
    """Whether ``measured`` agrees with ``reference`` (see the module docstring).

    Examples
    --------
    >>> agrees(0.97, 0.01, 1.0, 0.05), agrees(0.8, 0.01, 1.0, 0.05)
    (True, False)
    >>> agrees(12.0, 0.5, 10.0, 0.0, kind="at_least")
    True
    """
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {KINDS}, got {kind!r}")
    if not (np.isfinite(measured) and np.isfinite(reference) and np.isfinite(uncertainty)):
        return False  # an unknown uncertainty cannot confirm anything
    allowance = max(float(tolerance), 2.0 * float(uncertainty))
    if kind == "at_least":
        return measured >= reference - allowance
    if kind == "at_most":
        return measured <= reference + allowance
    return abs(measured - reference) <= allowance


@dataclass(frozen=True)
class Alternative:
    """Another measurement of the same quantity under a stated condition.

    Attributes
    ----------
    condition : str
        What differs from the headline method ("the fit window is A.3's [1e3, 1e4]").
    value, uncertainty : float
        The measurement under that condition (``value`` None when it could not be made).
    """

    condition: str
    value: float | None
    uncertainty: float = 0.0

    def to_dict(self) -> dict:
        return {
            "condition": self.condition,
            "value": _plain(self.value),
            "uncertainty": _plain(self.uncertainty),
        }


def _plain(value):
    return float(value) if isinstance(value, float | np.floating | np.integer) else value


def check_declaration(claim) -> None:
    """Refuse a claim (or its declaration) that hides whose number it is, or what test it applies.

    Raises
    ------
    InvalidInput
        ``kind`` unknown, ``tolerance`` < 0, not exactly one of ``paper`` and ``threshold``, or no
        ``paper_quote`` or ``criterion``.
    """
    where = f"claim {claim.experiment}/{claim.key}"
    if claim.kind not in KINDS:
        raise InvalidInput(f"{where}: kind must be one of {KINDS}, got {claim.kind!r}")
    if not claim.tolerance >= 0:
        raise InvalidInput(f"{where}: tolerance must be >= 0, got {claim.tolerance!r}")
    if (claim.paper is None) == (claim.threshold is None):
        raise InvalidInput(
            f"{where}: give exactly one of paper (a number the paper states) and threshold "
            f"(superdyn's, where the paper states none); got paper={claim.paper!r}, "
            f"threshold={claim.threshold!r}"
        )
    if not claim.paper_quote or not claim.criterion:
        raise InvalidInput(f"{where}: paper_quote and criterion must be stated")


@dataclass(frozen=True, kw_only=True)
class Claim:
    """One claim of the paper, judged: a declaration and its measurement (keywords only).

    An experiment builds none itself: ``superdyn.verify.analyse.registered.judge`` joins a
    ``ClaimSpec`` (experiment, key, statement, paper or threshold, paper_quote, criterion,
    tolerance, kind; see there) and a ``Measurement`` (``measured`` is its value; uncertainty,
    method, theory, alternatives, undecided, context). The verdict follows from the fields
    alone (the module docstring says how); ``explanation`` says in numbers why a claim is not
    reproduced.
    """

    experiment: str
    key: str
    statement: str
    paper: float | None
    paper_quote: str
    criterion: str
    measured: float
    uncertainty: float
    method: str
    tolerance: float
    threshold: float | None = None
    theory: float | None = None
    kind: str = "value"
    alternatives: tuple = ()
    undecided: str = ""
    context: str = ""

    def __post_init__(self):
        check_declaration(self)
        for alternative in self.alternatives:
            if not isinstance(alternative, Alternative):
                raise InvalidInput(f"alternatives must be Alternative objects, got {alternative!r}")

    @property
    def reference(self) -> float:
        """What the verdict compares with: the paper's number, else superdyn's threshold."""
        return float(self.paper if self.paper is not None else self.threshold)

    @property
    def whose(self) -> str:
        return "the paper's" if self.paper is not None else "superdyn's threshold"

    def _agrees(self, value, sigma) -> bool:
        return value is not None and agrees(value, sigma, self.reference, self.tolerance, self.kind)

    def _decides(self, value, sigma) -> bool:
        """Agreement that does not rest on an error bar wider than the tolerance."""
        return agrees(value, 0.0, self.reference, self.tolerance, self.kind) or sigma <= self.tolerance

    @property
    def holds(self) -> bool:
        """The headline measurement agrees, and decisively (see ``verdict``)."""
        if self.undecided:
            return False
        return self._agrees(self.measured, self.uncertainty) and self._decides(
            self.measured, self.uncertainty
        )

    @property
    def agreeing_alternative(self) -> Alternative | None:
        """The first alternative that agrees decisively, if any."""
        if self.undecided:
            return None
        for alt in self.alternatives:
            if self._agrees(alt.value, alt.uncertainty) and self._decides(alt.value, alt.uncertainty):
                return alt
        return None

    @property
    def inconclusive(self) -> bool:
        """The data cannot decide: ``undecided``, or agreement only within a too-wide error bar."""
        if self.undecided:
            return True
        return not self.holds and self._agrees(self.measured, self.uncertainty)

    @property
    def verdict(self) -> str:
        if self.holds:
            return REPRODUCED
        alternative = self.agreeing_alternative
        if alternative is not None:
            return f"reproduced only if {alternative.condition}"
        if self.inconclusive:
            return INCONCLUSIVE
        return NOT_REPRODUCED

    @property
    def explanation(self) -> str:
        """Empty when the claim is reproduced; otherwise why not, in numbers."""
        if self.holds:
            return ""
        if self.undecided:
            return f"The data cannot decide: {self.undecided} {self.context}".strip()
        relation = {"value": "differs from", "at_least": "falls short of", "at_most": "exceeds"}[self.kind]
        gap = abs(self.measured - self.reference)
        sigmas = f" ({min(gap / self.uncertainty, 999):.3g} sigma)" if self.uncertainty > 0 else ""
        text = (
            f"The measured {self.measured:.4g} ± {self.uncertainty:.2g} {relation} {self.whose} "
            f"{self.reference:.4g} by {gap:.3g}{sigmas}; the tolerance is {self.tolerance:.3g}."
        )
        if self.inconclusive:
            text += " The error bar is wider than the tolerance, so the measurement cannot decide."
        shown = [
            f"if {a.condition}, {a.value:.4g} ± {a.uncertainty:.2g}"
            for a in self.alternatives
            if a.value is not None and np.isfinite(a.value)
        ]
        if shown:
            text += " Alternatives: " + "; ".join(shown) + "."
        return f"{text} {self.context}".strip()

    def _repr_html_(self) -> str:
        """The claim in Jupyter: what is claimed, against what, what was measured, and the verdict."""
        from superdyn.display import html_table

        reference = (
            f"paper: {self.paper:g}" if self.paper is not None else f"superdyn's threshold: {self.threshold}"
        )
        rows = [
            ("claim", f"{self.experiment}, {self.key}: {self.statement}"),
            ("paper says", self.paper_quote),
            ("reference", reference),
            ("criterion", self.criterion),
            ("measured", f"{self.measured:.4g} ± {self.uncertainty:.4g}"),
            ("method", self.method),
            ("verdict", self.verdict + (f" ({self.explanation})" if self.explanation else "")),
        ]
        return html_table("superdyn claim", rows)

    def to_dict(self) -> dict:
        out = {name: _plain(getattr(self, name)) for name in self.__dataclass_fields__}
        out["alternatives"] = [a.to_dict() for a in self.alternatives]
        out.update(reference=self.reference, verdict=self.verdict, explanation=self.explanation)
        return out


def tally_verdicts(verdicts) -> dict:
    """Count verdicts by kind, folding every "reproduced only if <condition>" into one.

    Examples
    --------
    >>> tally_verdicts(["reproduced", "reproduced only if t > 1", "reproduced only if N large"])
    {'reproduced': 1, 'reproduced only under a condition': 2}
    """
    counts: dict = {}
    for verdict in verdicts:
        kind = "reproduced only under a condition" if verdict.startswith("reproduced only if") else verdict
        counts[kind] = counts.get(kind, 0) + 1
    return counts


@dataclass
class Analysis:
    """The outcome of an experiment's analysis.

    Attributes
    ----------
    measurements : dict of str -> Measurement or NotMeasured
        What the analysis measured, keyed by the experiment's declared claims.
    claims : list of Claim
        The declared claims judged on those measurements (filled by ``Experiment.evaluate``).
    figures : dict of str -> matplotlib Figure
        Keyed by file stem (``fig5``, ``fig6``...).
    notes : list of str
        Sentences for the report (what was scaled down, sensitivity tables in words).
    tables : dict of str -> list of dict
        Small tables shown in the report (rows with the same keys).
    """

    measurements: dict = field(default_factory=dict)
    claims: list = field(default_factory=list)
    figures: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    tables: dict = field(default_factory=dict)

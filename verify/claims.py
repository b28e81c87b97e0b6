"""Claims of the paper and their verdicts, computed from numbers and stated tolerances.

A :class:`Claim` holds what the paper says (its number, or a bound), superdyn's theory
value where there is one, the measured value with its uncertainty and method, and a
tolerance stated before the measurement. The verdict follows from these numbers alone:

* ``reproduced``: the measurement agrees with the paper's number, that is
  ``|measured - paper| <= max(tolerance, 2 * uncertainty)`` (``kind="value"``), or satisfies the
  paper's bound (``kind="at_least"`` / ``"at_most"``, with the same allowance);
* ``reproduced only if <condition>``: the headline measurement disagrees, but a stated
  alternative measurement (``condition``, ``condition_value``) agrees;
* ``inconclusive``: the measurement agrees only because its error bar is wider than
  the tolerance (sigma > tolerance and ``|measured - paper| > tolerance``): it cannot decide;
* ``not reproduced``: neither agrees (a measurement without a finite value or
  uncertainty never agrees).

Every disagreement carries a sentence (``explanation``) built from the same numbers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["KINDS", "Claim", "agrees", "tally_verdicts"]

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
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if not (np.isfinite(measured) and np.isfinite(reference) and np.isfinite(uncertainty)):
        return False  # an unknown uncertainty cannot confirm anything
    allowance = max(float(tolerance), 2.0 * float(uncertainty))
    if kind == "at_least":
        return measured >= reference - allowance
    if kind == "at_most":
        return measured <= reference + allowance
    return abs(measured - reference) <= allowance


@dataclass(frozen=True)
class Claim:
    """One claim of the paper, measured.

    Attributes
    ----------
    experiment, key : str
        Where it comes from and a short identifier.
    statement : str
        The claim in words.
    paper : float
        The paper's number (or bound, see ``kind``); ``paper_source`` says where it is quoted.
    measured, uncertainty : float
        superdyn's measurement and its one-sigma uncertainty (0 for exact numerics).
    method : str
        How it was measured.
    tolerance : float
        Stated agreement tolerance (absolute).
    theory : float or None
        superdyn's theory value, where one exists.
    kind : {"value", "at_least", "at_most"}
    condition, condition_value, condition_uncertainty :
        An alternative measurement under a stated condition (for example another window,
        or the finite-N theory), used only when the headline disagrees.
    context : str
        A sentence with the numbers that explain a disagreement.
    """

    experiment: str
    key: str
    statement: str
    paper: float
    paper_source: str
    measured: float
    uncertainty: float
    method: str
    tolerance: float
    theory: float | None = None
    kind: str = "value"
    condition: str = ""
    condition_value: float | None = None
    condition_uncertainty: float = 0.0
    context: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if not self.tolerance >= 0:
            raise ValueError(f"tolerance must be >= 0, got {self.tolerance!r}")

    def _decides(self, value, sigma) -> bool:
        """Agreement that does not rest on an error bar wider than the tolerance."""
        return agrees(value, 0.0, self.paper, self.tolerance, self.kind) or sigma <= self.tolerance

    @property
    def holds(self) -> bool:
        """The headline measurement agrees, and decisively (see ``verdict``)."""
        agree = agrees(self.measured, self.uncertainty, self.paper, self.tolerance, self.kind)
        return agree and self._decides(self.measured, self.uncertainty)

    @property
    def holds_under_condition(self) -> bool:
        if self.condition_value is None:
            return False
        value, sigma = self.condition_value, self.condition_uncertainty
        return agrees(value, sigma, self.paper, self.tolerance, self.kind) and self._decides(value, sigma)

    @property
    def inconclusive(self) -> bool:
        """Agreement only within an error bar wider than the tolerance: the measurement cannot decide."""
        return not self.holds and agrees(
            self.measured, self.uncertainty, self.paper, self.tolerance, self.kind
        )

    @property
    def verdict(self) -> str:
        if self.holds:
            return REPRODUCED
        if self.holds_under_condition:
            return f"reproduced only if {self.condition}"
        if self.inconclusive:
            return INCONCLUSIVE
        return NOT_REPRODUCED

    @property
    def explanation(self) -> str:
        """Empty when the claim is reproduced; otherwise why not, in numbers."""
        if self.holds:
            return ""
        relation = {"value": "differs from", "at_least": "falls short of", "at_most": "exceeds"}[self.kind]
        gap = abs(self.measured - self.paper)
        sigmas = f" ({min(gap / self.uncertainty, 999):.3g} sigma)" if self.uncertainty > 0 else ""
        text = (
            f"The measured {self.measured:.4g} ± {self.uncertainty:.2g} {relation} the paper's "
            f"{self.paper:.4g} by {gap:.3g}{sigmas}; the tolerance is {self.tolerance:g}."
        )
        if self.inconclusive:
            text += " The error bar is wider than the tolerance, so the measurement cannot decide."
        if self.condition_value is not None:
            text += f" If {self.condition}, the value is {self.condition_value:.4g}."
        return f"{text} {self.context}".strip()

    def to_dict(self) -> dict:
        out = asdict(self)
        out.update(verdict=self.verdict, explanation=self.explanation)
        return {k: (float(v) if isinstance(v, np.floating) else v) for k, v in out.items()}


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

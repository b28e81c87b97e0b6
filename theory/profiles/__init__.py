"""Feature profiles f(z): frequency profiles (normalised by a Task) and channel profiles.

The registry maps a name to its class, so that the command line and experiment
configurations can build a profile from text: ``make_profile("power-law", a=1.1)``.
"""

from __future__ import annotations

from ..errors import InvalidInput
from .algebraic_edge import AlgebraicEdge
from .base import Profile
from .constant import Constant
from .custom import Custom
from .power_law import PowerLaw
from .stretched_exponential import StretchedExponential

__all__ = [
    "PROFILES",
    "AlgebraicEdge",
    "Constant",
    "Custom",
    "PowerLaw",
    "Profile",
    "StretchedExponential",
    "decay_profile",
    "make_profile",
]

PROFILES: dict[str, type[Profile]] = {
    cls.name: cls for cls in (PowerLaw, StretchedExponential, AlgebraicEdge, Constant, Custom)
}


def decay_profile(decay: str, a: float, kappa: float = 1.0) -> Profile:
    """The frequency profile of a decay class (``superdyn.theory.closed_form.DECAY_CLASSES``).

    ``power-law``: p ∝ i^-a; ``exponential``: p ∝ exp(-kappa i^a); ``algebraic``: p ∝ (z* - i)^a.

    Examples
    --------
    >>> decay_profile("exponential", 0.5, kappa=2.0)
    StretchedExponential(kappa=2.0, a=0.5)
    """
    if decay == "power-law":
        return PowerLaw(a)
    if decay == "exponential":
        return StretchedExponential(kappa, a)
    if decay == "algebraic":
        return AlgebraicEdge(a)
    raise InvalidInput(f"decay must be one of ('power-law', 'exponential', 'algebraic'), got {decay!r}")


def make_profile(name: str, **params) -> Profile:
    """Build a registered profile by name.

    Examples
    --------
    >>> make_profile("power-law", a=1.5)
    PowerLaw(a=1.5)
    """
    try:
        cls = PROFILES[name]
    except KeyError:
        raise InvalidInput(
            f"name must be a known profile, one of {sorted(PROFILES)}; got unknown profile {name!r}"
        ) from None
    try:
        return cls(**params)
    except TypeError as exc:
        raise InvalidInput(f"bad parameters for profile {name!r}: {exc}") from None

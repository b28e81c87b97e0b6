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
    "make_profile",
]

PROFILES: dict[str, type[Profile]] = {
    cls.name: cls for cls in (PowerLaw, StretchedExponential, AlgebraicEdge, Constant, Custom)
}


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

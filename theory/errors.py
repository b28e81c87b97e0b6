"""The exceptions every layer shares, each with its exit status in the CLI.

============================  ======  ==================================================
class                         exit    raised when
============================  ======  ==================================================
:class:`InvalidInput`         2       an argument is out of its allowed range: every
                                      layer raises it for bad arguments (a ``ValueError``)
:class:`DerivationError`      3       the symbolic engine cannot establish a law
:class:`MissingDependency`    6       a command needs an optional extra that is not
                                      installed (``superdyn[sim]`` for the simulations)
============================  ======  ==================================================

The simulation layer's own failures (runs that cannot be computed or found, a damaged store,
runs another process trains: exit statuses 4, 5 and 7) are in :mod:`superdyn.verify.errors`.
Every class derives from :class:`SuperdynError`, whose ``exit_code`` the CLI returns; those
that are about a value are also ``ValueError``, so ``except ValueError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "DerivationError",
    "InvalidInput",
    "MissingDependency",
    "SuperdynError",
    "missing_extra",
]


class SuperdynError(Exception):
    """Base of superdyn's errors; ``exit_code`` is the CLI's exit status for it."""

    exit_code = 1


class InvalidInput(SuperdynError, ValueError):
    """An argument outside its allowed range (the message names it and the range)."""

    exit_code = 2


class DerivationError(SuperdynError, ValueError):
    """The engine could not establish a law; ``partial`` holds what it found."""

    exit_code = 3

    def __init__(self, message: str, partial: dict | None = None):
        super().__init__(message)
        self.partial = dict(partial or {})


#: optional modules -> the extra that installs them
EXTRAS = {
    "torch": "sim",
    "pandas": "sim",
    "pyarrow": "sim",
    "tqdm": "sim",
    "ray": "distributed",
    "hypothesis": "testing",
}


class MissingDependency(SuperdynError, ModuleNotFoundError):
    """An optional dependency is not installed; the message names the extra that installs it."""

    exit_code = 6


def missing_extra(exc: ModuleNotFoundError, what: str) -> MissingDependency | None:
    """The :class:`MissingDependency` for ``exc`` when it is an optional module, else None.

    ``what`` says what needed it ("superdyn train", "superdyn.theory.testing").
    """
    top = (exc.name or "").split(".")[0]
    extra = EXTRAS.get(top)
    if extra is None:
        return None
    return MissingDependency(
        f"{what} needs the {extra!r} extra ({top} is not installed): pip install 'superdyn[{extra}]'",
        name=top,
    )

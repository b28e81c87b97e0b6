"""superdyn's exceptions: what went wrong, in four kinds, each with its exit status in the CLI.

============================  ======  ==================================================
class                         exit    raised when
============================  ======  ==================================================
:class:`InvalidInput`         2       an argument is out of its allowed range (also a
                                      ``ValueError``; most checks raise plain ValueError,
                                      which the CLI treats the same way)
:class:`DerivationError`      3       the symbolic engine cannot establish a law
:class:`RunFailure`           4       runs cannot be computed here: a batch failed on a
                                      Ray cluster, a store cannot be written, the paper
                                      scale would take hours on a CPU
:class:`StoreCorruption`      5       a stored run is damaged (checksum, config, files)
:class:`MissingDependency`    6       a command needs an optional extra that is not
                                      installed (``superdyn[sim]`` for the simulations)
:class:`RunsBusy`             7       runs asked for are being trained by another
                                      process (``superdyn train --wait`` waits for them)
============================  ======  ==================================================

Every class derives from :class:`SuperdynError`; those that were ValueErrors before stay
ValueErrors, so ``except ValueError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "DerivationError",
    "InvalidInput",
    "MissingDependency",
    "RunFailure",
    "RunsBusy",
    "StoreCorruption",
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


class RunFailure(SuperdynError, RuntimeError):
    """Runs that cannot be computed here (a cluster failure, an unwritable store, too slow)."""

    exit_code = 4


class RunsBusy(SuperdynError, RuntimeError):
    """Runs that another live process is training (it holds their locks); nothing is wrong with them."""

    exit_code = 7


class StoreCorruption(SuperdynError, ValueError):
    """A stored run is damaged: it is reported, never used, and recomputed by the next sweep."""

    exit_code = 5


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

"""The simulation layer's exceptions: runs that cannot be computed, used or found, and a damaged store.

Each carries the CLI's exit status for it (``exit_code``); the argument and dependency errors
every layer shares are in :mod:`superdyn.theory.errors`.

============================  ======  ==================================================
class                         exit    raised when
============================  ======  ==================================================
:class:`RunFailure`           4       runs cannot be computed here: a batch failed on a
                                      Ray cluster, a worker process died, a store cannot
                                      be written, the paper scale would take hours on a CPU
:class:`MissingRun`           4       an analysis asks for a run the store does not hold,
                                      or one that diverged (a ``ValueError`` too)
:class:`StoreCorruption`      5       a stored run is damaged (checksum, config, files)
:class:`RunsBusy`             7       runs asked for are being trained by another
                                      process (``superdyn train --wait`` waits for them)
:class:`ClaimRegistration`    8       an experiment measures a claim it did not declare,
                                      or leaves a declared one unmeasured without a reason
============================  ======  ==================================================
"""

from __future__ import annotations

from superdyn.theory.errors import SuperdynError

__all__ = ["ClaimRegistration", "MissingRun", "RunFailure", "RunsBusy", "StoreCorruption"]


class RunFailure(SuperdynError, RuntimeError):
    """Runs that cannot be computed here (a cluster failure, an unwritable store, too slow)."""

    exit_code = 4


class MissingRun(SuperdynError, ValueError):
    """A run an analysis needs is not stored, or did not complete; the analysis says so and goes on."""

    exit_code = 4


class RunsBusy(SuperdynError, RuntimeError):
    """Runs that another live process is training (it holds their locks); nothing is wrong with them."""

    exit_code = 7


class StoreCorruption(SuperdynError, ValueError):
    """A stored run is damaged: it is reported, never used, and recomputed by the next sweep."""

    exit_code = 5


class ClaimRegistration(SuperdynError, RuntimeError):
    """An experiment's measurements do not match the claims it declared before measuring."""

    exit_code = 8

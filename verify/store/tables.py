"""Every run of a store (or of a reproduction folder) as one tidy DataFrame."""

from __future__ import annotations

import pandas as pd
from superdyn.theory.errors import InvalidInput

from .runs import locate_store

__all__ = ["load_results"]


def load_results(directory) -> pd.DataFrame:
    """Load every run stored in ``directory`` as one tidy DataFrame (see ``ResultStore.load``).

    Parameters
    ----------
    directory : path
        A result store (``superdyn train --out``), or a reproduction folder
        (``superdyn reproduce --out``), whose runs are in its ``runs/`` folder.

    Raises
    ------
    ValueError
        ``directory`` is not a folder, holds no runs, or none of its runs can be used
        (damaged or stale: stored by another training revision; a warning says which).

    Examples
    --------
    >>> import tempfile
    >>> from superdyn.verify import RunConfig, run_sweep
    >>> store = tempfile.mkdtemp()
    >>> _ = run_sweep([RunConfig(model="linear", n_features=32, width=32, steps=20, batch_size=64)], store,
    ...               device="cpu", progress=False)
    >>> frame = load_results(store)
    >>> {"run", "t", "loss", "model", "a", "seed"} <= set(frame.columns), frame["model"].unique().tolist()
    (True, ['linear'])
    """
    store = locate_store(directory)
    found = len(store.metadata_files())
    if not found:
        raise InvalidInput(
            f"no runs in {str(directory)!r}: a result store holds <run id>.json files "
            "(superdyn train --out), a reproduction folder holds them in runs/ (superdyn reproduce --out)"
        )
    frame = store.load()
    if frame.empty:
        raise InvalidInput(
            f"none of the {found} runs in {str(store.directory)!r} can be used (see the warnings)"
        )
    return frame

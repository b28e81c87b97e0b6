"""Run a function in a worker process with a hard time limit.

sympy can loop inside deeply recursive code where a signal-based timeout never
fires, so a derivation that must be bounded runs in a separate Python process,
which is killed when the limit passes. The worker is started once, isolated from the
current directory and the environment (it never re-imports the caller's ``__main__``,
so scripts need no ``if __name__ == "__main__"`` guard), kept for later calls so that
sympy is imported only once, and replaced after a kill.
"""

from __future__ import annotations

import atexit
import json
import pickle
import queue
import struct
import subprocess
import sys
import threading
from pathlib import Path

__all__ = ["TimeLimitExceeded", "call_with_time_limit"]

_HEADER = struct.Struct("!Q")
_lock = threading.Lock()
_worker: subprocess.Popen | None = None


class TimeLimitExceeded(RuntimeError):
    """The worker did not finish within its time limit and was killed."""


def _package_root() -> str:
    """The directory that holds the ``superdyn`` package (site-packages, or a source checkout)."""
    import superdyn

    return str(Path(superdyn.__file__).resolve().parent.parent)


def _worker_path() -> list:
    """The caller's import path without the current directory, the package's root first."""
    root = _package_root()
    here = Path.cwd().resolve()
    rest = [p for p in sys.path if p and Path(p).resolve() != here and p != root]
    return [root, *rest]


def _start_worker() -> subprocess.Popen:
    # isolated (-I: no PYTHON* variables, no user site, no script directory), started in the
    # package's root and given the caller's path without the current directory, so that a
    # local superdyn/ folder or a planted mpmath.py is never imported by the worker
    root = _package_root()
    code = (
        "import sys, json; sys.path[:] = json.loads(sys.argv[1]); "
        "from superdyn.theory._worker import main; main()"
    )
    return subprocess.Popen(
        [sys.executable, "-I", "-c", code, json.dumps(_worker_path())],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=root,
    )


def _stop_worker() -> None:
    global _worker
    if _worker is not None:
        if _worker.poll() is None:
            _worker.kill()
        _worker.wait()
        for stream in (_worker.stdin, _worker.stdout):
            stream.close()
        _worker = None


atexit.register(_stop_worker)


def read_message(stream):
    """Read one length-prefixed pickle from ``stream`` (None at end of file)."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    return pickle.loads(stream.read(size))


def write_message(stream, message) -> None:
    """Write ``message`` as a length-prefixed pickle and flush."""
    data = pickle.dumps(message)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def call_with_time_limit(function, args=(), kwargs=None, *, seconds: float):
    """Return ``function(*args, **kwargs)`` computed in the worker process.

    Parameters
    ----------
    function : callable
        A module-level function (sent to the worker by reference).
    seconds : float
        Wall-clock limit; the worker is killed when it passes.

    Raises
    ------
    TimeLimitExceeded
        If the call is still running after ``seconds``.
    Exception
        Whatever ``function`` raised in the worker, re-raised here.
    """
    global _worker
    with _lock:
        if _worker is None or _worker.poll() is not None:
            _stop_worker()
            _worker = _start_worker()
        worker = _worker
        replies: queue.Queue = queue.Queue()
        try:
            write_message(worker.stdin, (function, args, kwargs or {}))
        except BrokenPipeError:
            _stop_worker()
            raise RuntimeError("the worker process died before it took the job") from None
        reader = threading.Thread(target=lambda: replies.put(read_message(worker.stdout)), daemon=True)
        reader.start()
        try:
            message = replies.get(timeout=seconds)
        except queue.Empty:
            _stop_worker()
            reader.join()
            raise TimeLimitExceeded(f"stopped after {seconds:g} s") from None
        if message is None:
            code = worker.poll()
            _stop_worker()
            raise RuntimeError(f"the worker process died (exit code {code})")
    status, payload = message
    if status == "ok":
        return payload
    raise payload

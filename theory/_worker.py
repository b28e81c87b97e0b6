"""Worker loop for :mod:`superdyn.theory._subprocess`: read a job, run it, send the result."""

from __future__ import annotations

import sys

from superdyn.theory._subprocess import read_message, write_message


def main() -> None:
    """Serve jobs from stdin until it closes; results go to the original stdout."""
    incoming, outgoing = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # keep stray prints out of the message stream
    while True:
        job = read_message(incoming)
        if job is None:
            return
        function, args, kwargs = job
        try:
            reply = ("ok", function(*args, **kwargs))
        except Exception as exc:
            reply = ("error", exc)
        try:
            write_message(outgoing, reply)
        except Exception as exc:  # the result or exception did not pickle
            write_message(outgoing, ("error", RuntimeError(f"{type(exc).__name__}: {exc}")))


if __name__ == "__main__":
    main()

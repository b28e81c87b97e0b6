"""Per-run locks: ``<run id>.lock`` holds "host pid" of the process training the run.

Two sweeps on one store never train the same run twice: a run is trained only by the process
that created its lock (``O_EXCL``). A lock is taken over when its process is dead (on this
host), or when it is empty or unreadable (a crash between creating and writing it) and older
than :data:`LOCK_GRACE_SECONDS`; an empty lock never blocks its run for good.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

__all__ = ["LOCK_GRACE_SECONDS", "is_stale", "lock_holder", "take_lock"]

#: An empty or unreadable lock younger than this is taken as being written; older, as left by a crash.
LOCK_GRACE_SECONDS = 60.0


def take_lock(lock: Path, mode: int) -> bool:
    """Create ``lock`` with this process as its holder; False if a live process holds it."""
    owner = f"{socket.gethostname()} {os.getpid()}"
    for _ in range(2):
        try:
            handle = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)
        except FileExistsError:
            if not is_stale(lock):
                return False
            lock.unlink(missing_ok=True)
            continue
        with os.fdopen(handle, "w") as stream:
            stream.write(owner)
        return True
    return False


def _holder(lock: Path):
    """(host, pid) from the lock, "" for an empty or unreadable one, None when it is gone."""
    try:
        parts = lock.read_text().split()
    except FileNotFoundError:
        return None
    except (OSError, ValueError):  # unreadable, or not text
        return ""
    return (parts[0], int(parts[1])) if len(parts) == 2 and parts[1].isdigit() else ""


def is_stale(lock: Path) -> bool:
    """Whether ``lock`` can be taken over: its process is dead (this host), or it is empty or
    unreadable and older than :data:`LOCK_GRACE_SECONDS`."""
    holder = _holder(lock)
    if holder is None:
        return True
    if holder == "":
        try:
            age = time.time() - lock.stat().st_mtime
        except FileNotFoundError:
            return True
        return age > LOCK_GRACE_SECONDS  # younger: probably being written right now
    host, pid = holder
    if host != socket.gethostname():
        return False  # another host's process: its liveness cannot be checked from here
    if pid == os.getpid():
        return True  # our own, left by an interrupted sweep in this process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def lock_holder(lock: Path) -> str:
    """Who holds ``lock``: "host H, process P", what an empty lock means, or "" if there is none."""
    holder = _holder(lock)
    if holder is None:
        return ""
    if holder == "":
        return f"an empty or unreadable lock (taken over when older than {LOCK_GRACE_SECONDS:g} s)"
    return f"host {holder[0]}, process {holder[1]}"

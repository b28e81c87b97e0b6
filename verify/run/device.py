"""The compute device, chosen once at the edge and passed down."""

from __future__ import annotations

import torch
from superdyn.theory.errors import InvalidInput

__all__ = ["DEVICE_NAMES", "check_device_name", "resolve_device"]

DEVICE_NAMES = ("auto", "cpu", "cuda")


def check_device_name(name) -> str:
    """``name`` if it is one of ``DEVICE_NAMES``, else a ValueError naming ``device``."""
    if name not in DEVICE_NAMES:
        raise InvalidInput(f"device must be 'auto', 'cpu' or 'cuda', got {name!r}")
    return name


def resolve_device(name: str = "auto") -> torch.device:
    """``"auto"``: CUDA when present, else the CPU; ``"cpu"``; ``"cuda"`` (must be present).

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    check_device_name(name)
    if name == "cuda" and not torch.cuda.is_available():
        raise InvalidInput("device='cuda' was asked for but torch sees no CUDA device")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)

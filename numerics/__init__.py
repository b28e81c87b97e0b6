"""superdyn.numerics: exact discrete evaluation of the theory and power-law fitting.

Depends on :mod:`theory` (tasks and profiles) and never on :mod:`verify` or torch.
"""

__all__: list[str] = []

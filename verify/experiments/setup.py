"""Scales as data: each experiment's settings at a scale are a frozen dataclass.

A field is declared with :func:`setting`, which says how to show it and, where the paper (or
the source an experiment follows) states a value, what that value is. :func:`describe` writes
the report's sentence about a scale from the fields alone, so the text cannot drift from the
numbers: the settings equal to the source's are listed as its, every other one as superdyn's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import ClassVar

__all__ = ["TheoryOnly", "describe", "setting"]

_NOT_STATED = object()


def setting(label: str, *, show=None, source=_NOT_STATED, default=_NOT_STATED):
    """A dataclass field of a scale.

    Parameters
    ----------
    label : str
        A template with one ``{}`` for the value ("batch {}", "t <= {}").
    show : callable, optional
        Value -> text (default: numbers by ``%g``, tuples as sets).
    source : optional
        The value the paper (or the followed source) states; a scale that uses it says so.
    """
    metadata = {"label": label, "show": show or show_value, "source": source}
    if default is _NOT_STATED:
        return field(metadata=metadata)
    return field(default=default, metadata=metadata)


def show_value(value) -> str:
    """Numbers by %g, tuples as {x, y}, pairs inside as (a, b).

    Examples
    --------
    >>> show_value(((1.1, 0.0), (2.0, 0.5))), show_value((128, 256)), show_value(3e4)
    ('{(1.1, 0), (2, 0.5)}', '{128, 256}', '3e4')
    """
    if isinstance(value, tuple):
        inner = [
            f"({', '.join(show_value(x) for x in v)})" if isinstance(v, tuple) else show_value(v)
            for v in value
        ]
        return "{" + ", ".join(inner) + "}"
    if isinstance(value, float):
        if value >= 1e3 and float(f"{value:.0e}") == value:
            mantissa, exponent = f"{value:.0e}".split("e+")
            return f"{mantissa}e{int(exponent)}"
        return f"{value:g}"
    return str(value)


def count(noun: str):
    """A ``show`` for a tuple that is stated by its length ("3 seeds")."""
    return lambda value: f"{len(value)} {noun}" + ("" if len(value) == 1 else "s")


def describe(setup) -> str:
    """The sentence for a scale: the source's settings, then superdyn's choices.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Demo:
    ...     n: int = setting("N = {}", source=1024)
    ...     batch: int = setting("batch {}")
    >>> describe(Demo(n=1024, batch=64)), describe(Demo(n=64, batch=64))
    ("N = 1024 (the paper's); superdyn's choices: batch 64", "superdyn's choices: N = 64, batch 64")
    """
    theirs, ours = [], []
    for f in fields(setup):
        if "label" not in f.metadata:
            continue
        value = getattr(setup, f.name)
        if value == () or value is None:
            continue
        text = f.metadata["label"].format(f.metadata["show"](value))
        (
            theirs if f.metadata["source"] is not _NOT_STATED and value == f.metadata["source"] else ours
        ).append(text)
    source = getattr(setup, "SOURCE", "the paper's")
    parts = []
    if theirs:
        parts.append(f"{', '.join(theirs)} ({source})")
    if ours:
        parts.append(f"superdyn's choices: {', '.join(ours)}")
    return "; ".join(parts) or getattr(setup, "TEXT", "")


@dataclass(frozen=True)
class TheoryOnly:
    """The scale of an experiment that trains nothing: the same theory and numerics at every scale."""

    TEXT: ClassVar[str] = "theory and numerics only; the same at every scale"

"""The loss-curve result shared by every evaluator: :class:`superdyn.theory.curve.LossCurve`."""

from superdyn.theory.curve import LossCurve

__all__ = ["LossCurve"]

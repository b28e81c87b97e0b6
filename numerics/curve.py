"""The loss-curve result shared by every evaluator: :class:`theory.curve.LossCurve`."""

from theory.curve import LossCurve

__all__ = ["LossCurve"]

"""Figures: the paper's (:mod:`.figures`), theory against a user's own runs (:func:`compare`), and
the shared style (:mod:`.style`: ``superdyn.mplstyle``, journal sizes, one encoding of
measured, theory and fits).
"""

from .compare import compare
from .figures import (
    curves_figure,
    exponents_figure,
    matrices_figure,
    per_feature_figure,
    phase_figure,
    scaling_figure,
    sgd_noise_figure,
)
from .invariance import ratio_figure
from .local import local_exponent_figure
from .style import LOSS_LABEL, STYLE, TIME_LABEL, save, save_as

__all__ = [
    "LOSS_LABEL",
    "STYLE",
    "TIME_LABEL",
    "compare",
    "curves_figure",
    "exponents_figure",
    "local_exponent_figure",
    "matrices_figure",
    "per_feature_figure",
    "phase_figure",
    "ratio_figure",
    "save",
    "save_as",
    "scaling_figure",
    "sgd_noise_figure",
]

"""superdyn.theory: symbolic and closed-form results for power-law training dynamics.

Profiles and the task (paper Section 2), closed-form exponents of the three decay
classes (Section 3, Appendix A.1), the symbolic scaling-law engine (Watson's lemma),
the linear superposition limits (Appendix A.2), width scaling (Liu et al. 2025) and
the closed forms of online SGD on the linear model.
Only sympy, mpmath and numpy are used here.
"""

from .closed_form import (
    PhaseDiagram,
    alpha_algebraic,
    alpha_exponential,
    alpha_power_law,
    log_power_exponential,
    phase_diagram,
    prefactor_algebraic,
    prefactor_exponential,
    prefactor_power_law,
)
from .curve import LossCurve
from .engine import derive
from .errors import (
    DerivationError,
    InvalidInput,
    MissingDependency,
    SuperdynError,
)
from .profiles import (
    PROFILES,
    AlgebraicEdge,
    Constant,
    Custom,
    PowerLaw,
    Profile,
    StretchedExponential,
    make_profile,
)
from .scaling_law import ScalingLaw, finite_size_exponent
from .sgd import OnlineSGD, sgd_lr_limit
from .spectrum import ModeSpectrum
from .superposition import (
    ClusteredLimit,
    IsotropicLimit,
    clustered_limit,
    contiguous_clusters,
    isotropic_limit,
)
from .task import Task
from .width import weak_superposition_loss, width_exponent_strong, width_exponent_weak

__all__ = [
    "PROFILES",
    "AlgebraicEdge",
    "ClusteredLimit",
    "Constant",
    "Custom",
    "DerivationError",
    "InvalidInput",
    "IsotropicLimit",
    "LossCurve",
    "MissingDependency",
    "ModeSpectrum",
    "OnlineSGD",
    "PhaseDiagram",
    "PowerLaw",
    "Profile",
    "ScalingLaw",
    "StretchedExponential",
    "SuperdynError",
    "Task",
    "alpha_algebraic",
    "alpha_exponential",
    "alpha_power_law",
    "clustered_limit",
    "contiguous_clusters",
    "derive",
    "finite_size_exponent",
    "isotropic_limit",
    "log_power_exponential",
    "make_profile",
    "phase_diagram",
    "prefactor_algebraic",
    "prefactor_exponential",
    "prefactor_power_law",
    "sgd_lr_limit",
    "weak_superposition_loss",
    "width_exponent_strong",
    "width_exponent_weak",
]

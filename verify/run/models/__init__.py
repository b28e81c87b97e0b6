"""The student models, one module each, found through a small registry."""

from .autoencoder import Autoencoder
from .base import Model
from .linear import Linear
from .superposition import Learnable, Superposition, random_embedding

MODELS = {cls.name: cls for cls in (Linear, Superposition, Learnable, Autoencoder)}

__all__ = ["MODELS", "Autoencoder", "Learnable", "Linear", "Model", "Superposition", "random_embedding"]

"""One parametrised model family; see `registry.MODELS`."""
from .base import AutoEncoder
from .registry import MODELS, build_model

__all__ = ["AutoEncoder", "MODELS", "build_model"]

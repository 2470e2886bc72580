"""How rows become tensors and back: encoders for tables and images (no torch here)."""

from .images import ImageCodec
from .tabular import NumericEncoder, Span, TabularEncoder, resolve_categorical

__all__ = ["ImageCodec", "NumericEncoder", "Span", "TabularEncoder", "resolve_categorical"]

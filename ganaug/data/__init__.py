"""How rows become tensors and back: encoders for tables and images (no torch here)."""

from .anchors import neighbour_pairs, pooled_within_class_root
from .images import ImageCodec
from .tabular import NumericEncoder, Span, TabularEncoder, resolve_categorical

__all__ = [
    "ImageCodec", "NumericEncoder", "Span", "TabularEncoder", "neighbour_pairs",
    "pooled_within_class_root", "resolve_categorical",
]

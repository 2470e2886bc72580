"""How rows become tensors and back: encoders for tables and images (no torch here)."""

from .anchors import (
    column_shares,
    neighbour_noise,
    neighbour_pairs,
    point_masses,
    pooled_share,
    pooled_within_class_root,
)
from .categorical import resolve_categorical
from .images import ImageCodec
from .numeric import NumericEncoder
from .tabular import Span, TabularEncoder

__all__ = [
    "ImageCodec", "NumericEncoder", "Span", "TabularEncoder", "column_shares",
    "neighbour_noise", "neighbour_pairs", "point_masses", "pooled_share",
    "pooled_within_class_root", "resolve_categorical",
]

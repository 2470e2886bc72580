"""ImageCodec: image layout, dtype and value range <-> NCHW float in [-1, 1]."""

from __future__ import annotations

import numpy as np
import pandas as pd


def pixel_array(X) -> np.ndarray:
    """Images (or a frame of flattened image rows) as one numpy array.

    A frame whose columns are pandas' nullable numbers (``UInt8``, ``Int64``,
    ``Float32``, ...) with no missing value comes back in their common numpy dtype,
    where ``np.asarray`` would give ``object``.
    """
    if not isinstance(X, pd.DataFrame):
        return np.asarray(X)
    plain = [getattr(d, "numpy_dtype", d) for d in X.dtypes]
    if (len(plain) and all(isinstance(d, np.dtype) and d.kind in "biuf" for d in plain)
            and not X.isna().to_numpy().any()):
        return X.to_numpy(dtype=np.result_type(*plain))
    return X.to_numpy()


class ImageCodec:
    """Map images in the caller's layout, dtype and range to NCHW in [-1, 1] and back.

    Accepted inputs: 4-D ``(N, H, W, C)`` or ``(N, C, H, W)``, 3-D ``(N, H, W)`` (one
    channel), or 2-D rows ``(N, H*W*C)`` together with ``image_shape`` given as ``(H, W)``,
    ``(H, W, C)`` (rows flattened channels-last, as numpy's ``reshape`` does) .

    Storage is compact: uint8 images stay uint8 (decoded on the device with
    ``x * scale + offset``); other dtypes are stored as float32 already in [-1, 1].
    """

    def fit(self, X: np.ndarray, image_shape: tuple[int, ...] | None = None) -> ImageCodec:
        # rows of a DataFrame come back as one with its columns (whatever their names;
        # scikit-learn's feature_names_in_ exists for string names only)
        self.columns_ = X.columns if isinstance(X, pd.DataFrame) else None
        # and in its own dtypes (nullable UInt8 stays UInt8)
        self.frame_dtypes_ = X.dtypes if isinstance(X, pd.DataFrame) else None
        X = pixel_array(X)
        self.dtype_ = X.dtype
        self.input_shape_ = X.shape[1:]
        if X.ndim == 2:
            if image_shape is None:
                raise ValueError("2-D image rows need `image_shape=(H, W)` or `(H, W, C)`.")
            shape = tuple(int(s) for s in image_shape)
            if len(shape) == 2:
                shape = (*shape, 1)
            if len(shape) != 3 or min(shape) < 1:
                raise ValueError(
                    f"`image_shape` must be (H, W) or (H, W, C) with positive sizes; got "
                    f"{image_shape!r}."
                )
            if shape[2] > 4:  # (C, H, W) read as (H, W, C) scrambled the pixels
                hint = (" It looks like (C, H, W), channels first: give rows in (H, W, C) "
                        "order, X.reshape(n, C, H, W).transpose(0, 2, 3, 1).reshape(n, -1), "
                        f"with image_shape=({shape[1]}, {shape[2]}, {shape[0]})."
                        if shape[0] <= 4 else "")
                raise ValueError(
                    f"`image_shape` is (H, W, C) with 1-4 channels last; got "
                    f"{image_shape!r}, {shape[2]} channels.{hint}"
                )
            if int(np.prod(shape)) != X.shape[1]:
                raise ValueError(
                    f"`image_shape`={image_shape!r} holds {int(np.prod(shape))} values per "
                    f"image but X has {X.shape[1]} columns: pass the shape of one image."
                )
            self.layout_ = "flat"
            h, w, c = shape
        elif X.ndim == 3:
            self.layout_ = "NHW"
            h, w, c = X.shape[1], X.shape[2], 1
        elif X.ndim == 4:
            self.layout_ = _guess_layout(X.shape)
            if self.layout_ == "NHWC":
                h, w, c = X.shape[1:]
            else:
                c, h, w = X.shape[1:]
        else:
            raise ValueError(
                f"Images must be 4-D (N, H, W, C) / (N, C, H, W), 3-D (N, H, W) or 2-D rows "
                f"with `image_shape`; got an array with {X.ndim} dimensions."
            )
        if min(h, w) < 4:
            raise ValueError(
                f"Images must be at least 4x4 pixels; got {h}x{w} (layout {self.layout_}). "
                "If this is a table, pass it as a 2-D array without `image_shape`."
            )
        self.shape_ = (c, h, w)  # CHW of one image
        # the value range seen (uint8 too: digits' 0-16 levels, masks); outputs never
        # leave it, and the networks' [-1, 1] spans it
        self.low_, self.high_ = float(X.min()), float(X.max())
        # float images holding only whole numbers (e.g. digits' 0-16 levels) come back on
        # that grid
        self.grid_ = bool(X.dtype.kind == "f" and X.size and np.isfinite(X).all()
                          and (X == np.rint(X)).all())
        # centre and half-width, computed without overflow for magnitudes up to ~1e308
        self.mid_ = self.low_ / 2 + self.high_ / 2
        self.half_ = (self.high_ / 2 - self.low_ / 2) or 1.0  # constant images: any scale
        return self

    def _other_shape(self, X: np.ndarray) -> str | None:
        """What differs when ``X``'s images have another size, channels or layout."""
        if tuple(X.shape[1:]) == tuple(self.input_shape_):
            return None
        c = self.shape_[0]
        return (f"images had shape {tuple(self.input_shape_)} each ({c} channel"
                f"{'s' * (c > 1)}, {self.layout_} layout) and have {tuple(X.shape[1:])}")

    def check_compatible(self, X: np.ndarray) -> tuple[list[str], list[str]]:
        """Problems (refuse) and warnings for encoding new images with this fitted codec."""
        X = pixel_array(X)
        shape = self._other_shape(X)
        if shape:
            return [shape], []
        if X.dtype != self.dtype_:
            return [f"images were {self.dtype_} and are {X.dtype}"], []
        if X.size and (X.min() < self.low_ or X.max() > self.high_):
            return [], ["pixel values fall outside the first fit's range; generated images "
                        "stay inside that range"]
        return [], []

    def require_compatible(self, X: np.ndarray, whose: str) -> None:
        """Refuse images that ``whose`` (e.g. "the classifier's") was not trained on:
        another shape, or another value convention (floats against integers: 0-1
        against 0-255; booleans), which give silently wrong numbers. Another dtype of
        the same kind (float32 for float64, int64 for uint8) is the same pixels."""
        X = pixel_array(X)
        kinds = {"f": "float", "b": "bool", "i": "int", "u": "int"}
        problem = self._other_shape(X) or (
            f"images were {self.dtype_} and are {X.dtype}"
            if kinds.get(X.dtype.kind) != kinds.get(np.dtype(self.dtype_).kind) else None)
        if problem is None:
            return
        c = self.shape_[0]
        grey = c == 3 and 3 * int(np.prod(X.shape[1:])) == int(np.prod(self.input_shape_))
        axis = 1 if self.layout_ == "NCHW" else -1
        hint = (f" (grey images for this colour model: repeat the channel 3 times, e.g. "
                f"np.repeat(X{'[..., None]' if X.ndim == 3 else ''}, 3, axis={axis}))"
                if grey else "")
        raise ValueError(f"These images do not match {whose} training images: "
                         f"{problem}. Pass images of the training shape and value "
                         f"range{hint}.")

    # -- storage on the device ---------------------------------------------------------
    @property
    def scale(self) -> float:
        """Multiply stored values by this, then add `offset`, to get [-1, 1]."""
        # uint8 is stored as is and maps its seen range to [-1, 1] (files saved when uint8
        # always spanned 0-255 hold low_ 0 and high_ 255: 2 / 255 and -1, as then)
        return 1.0 / self.half_ if self.dtype_ == np.uint8 else 1.0

    @property
    def offset(self) -> float:
        return -self.mid_ / self.half_ if self.dtype_ == np.uint8 else -1.0

    def to_storage(self, X: np.ndarray) -> np.ndarray:
        """Images as NCHW: uint8 unchanged in value, anything else as float32 in [-1, 1]."""
        x = self._to_nchw(pixel_array(X))
        if self.dtype_ == np.uint8:
            return np.ascontiguousarray(x)
        x = x.astype(np.float64)
        x = (x / self.half_ - self.mid_ / self.half_ + 1.0).astype(np.float32)
        # stored values are decoded with scale 1 and offset -1
        return np.ascontiguousarray(x)

    # -- back to the caller ------------------------------------------------------------
    def inverse_transform(self, x: np.ndarray) -> np.ndarray:
        """NCHW float in [-1, 1] -> the caller's layout, dtype and value range."""
        x = np.clip(np.asarray(x, dtype=np.float64), -1.0, 1.0)
        x = np.clip(x * self.half_ + self.mid_, self.low_, self.high_)
        if np.issubdtype(self.dtype_, np.integer) or self.dtype_ == np.bool_:
            x = _to_integer(np.rint(x), self.dtype_)
        else:
            if getattr(self, "grid_", False):
                x = np.rint(x)
            x = x.astype(self.dtype_, copy=False)
        n = x.shape[0]
        if self.layout_ == "NCHW":
            return x
        if self.layout_ == "NHW":
            return x[:, 0]
        x = x.transpose(0, 2, 3, 1)
        if self.layout_ == "flat":
            return x.reshape(n, -1)
        return x

    def _to_nchw(self, X: np.ndarray) -> np.ndarray:
        c, h, w = self.shape_
        if self.layout_ == "flat":
            return X.reshape(len(X), h, w, c).transpose(0, 3, 1, 2)
        if self.layout_ == "NHW":
            return X[:, None]
        if self.layout_ == "NHWC":
            return X.transpose(0, 3, 1, 2)
        return X


def _to_integer(x: np.ndarray, dtype: np.dtype, bounds: tuple | None = None) -> np.ndarray:
    """Rounded floats to an integer dtype without wrap-around at the dtype's limits.

    ``float(np.iinfo(np.int64).max)`` is 2**63, which casts to -2**63; values at or
    beyond a limit's float are set to the limit itself. ``bounds`` (exact integers, e.g.
    the training column's min and max) then clip the result in the integer dtype.
    """
    if dtype == np.bool_:
        return x.astype(bool)
    info = np.iinfo(dtype)
    hi, lo = x >= float(info.max), x <= float(info.min)
    out = np.where(hi | lo, 0, x).astype(dtype)
    out[hi], out[lo] = info.max, info.min
    return out if bounds is None else np.clip(out, *bounds)


def _guess_layout(shape: tuple[int, ...]) -> str:
    """'NHWC' or 'NCHW' from a 4-D shape: square spatial dims first, then channel counts."""
    _, a, b, c = shape
    channels = (1, 2, 3, 4)
    if a == b and c in channels:
        return "NHWC"
    if b == c and a in channels:
        return "NCHW"
    if c in channels and a not in channels:
        return "NHWC"
    if a in channels and c not in channels:
        return "NCHW"
    # both ends could be channels: only one reading may leave sides of 4 pixels or more
    # (the smallest images the networks take)
    nhwc, nchw = min(a, b) >= 4, min(b, c) >= 4
    if nhwc != nchw:
        return "NHWC" if nhwc else "NCHW"
    raise ValueError(
        f"Cannot tell the channel axis of images of shape {shape}: pass (N, H, W, C) or "
        "(N, C, H, W) with 1-4 channels, or flatten each image into a row and pass "
        "image_shape=(H, W, C)."
    )

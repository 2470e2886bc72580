"""Validation of what the estimators are given: parameters, X, y and sampling_strategy.

Nothing here sets attributes besides what scikit-learn's ``validate_data`` sets
(``n_features_in_``, ``feature_names_in_``): what validation decides about X (its data
kind, and whether a table needs the mixed-type encoder) is returned, never stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral, Real
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from imblearn.utils import check_sampling_strategy, check_target_type
from scipy import sparse
from sklearn import get_config
from sklearn.base import is_classifier
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array

from ._compat import Interval, Options, validate_data
from ._sampling import class_position, one_hot_array
from ._warm import warm_ready
from .data import resolve_categorical
from .data.images import pixel_array
from .nn.diffaug import POLICIES, parse_policy


class Checked(NamedTuple):
    """Validated X and what validation learnt about it."""

    X: Any  # the caller's container (DataFrame or array), unchanged
    kind: str  # 'tabular' or 'image'
    mixed: bool  # a table that needs the mixed-type TabularEncoder


# ------------------------------------------------------------- parameter constraints --
class _Check(Options):
    """A ``_parameter_constraints`` entry checked by ``is_satisfied_by``.

    scikit-learn's ``make_constraint`` accepts only its own constraint classes, so
    these derive from its ``Options`` (with no fixed options) and override the test
    and the text of the error message.
    """

    def __init__(self) -> None:
        super().__init__(object, set())


class Number(Interval):
    """scikit-learn's ``Interval`` that refuses booleans: True is an int to Python, and
    ``width=True`` failed inside torch, ``max_categories=True`` meant 1."""

    def is_satisfied_by(self, val: Any) -> bool:
        return not isinstance(val, bool | np.bool_) and super().is_satisfied_by(val)


class AdamBetas(_Check):
    """Constraint: two numbers in [0, 1) (a tuple or a list)."""

    def is_satisfied_by(self, val: Any) -> bool:
        return isinstance(val, tuple | list) and len(val) == 2 and all(
            isinstance(b, Real) and 0 <= b < 1 for b in val
        )

    def __str__(self) -> str:
        return "a tuple of two numbers in [0, 1)"


class ImageShape(_Check):
    """Constraint: ``(H, W)`` or ``(H, W, C)`` of positive ints (a tuple or a list)."""

    def is_satisfied_by(self, val: Any) -> bool:
        return isinstance(val, tuple | list) and len(val) in (2, 3) and all(
            isinstance(s, Integral) and s > 0 for s in val
        )

    def __str__(self) -> str:
        return "a tuple (H, W) or (H, W, C) of positive ints"


class DiffAugPolicy(_Check):
    """Constraint: 'auto' or a comma list of DiffAugment ops (see ``parse_policy``)."""

    def is_satisfied_by(self, val: Any) -> bool:
        if not isinstance(val, str):
            return False
        if val == "auto":
            return True
        try:
            parse_policy(val)
        except ValueError:
            return False
        return True

    def __str__(self) -> str:
        return f"'auto' or a comma list of DiffAugment ops from {POLICIES}"


class Classifier(_Check):
    """Constraint: a scikit-learn classifier (``is_classifier``: a regressor's numbers or
    a clusterer's cluster ids are not class codes; with them the check was silently off
    or wrong)."""

    def is_satisfied_by(self, val: Any) -> bool:
        if not (hasattr(val, "fit") and hasattr(val, "predict")):
            return False
        try:
            return is_classifier(val)
        except AttributeError:  # fit and predict, but no scikit-learn tags
            return False

    def __str__(self) -> str:
        return "a scikit-learn classifier (fit / predict, e.g. LogisticRegression)"


# ---------------------------------------------------------------------------- X and y --
def rows_array(X) -> np.ndarray:
    """A list of rows (or other array-like) as an array; rows mixing numbers and text
    become an object array (numpy would make every value text), so numbers stay
    numbers and text columns are categorical."""
    arr = np.asarray(X)
    return np.asarray(X, dtype=object) if arr.dtype.kind in "US" else arr


def nan_as_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with NaN in nullable float columns (``Float64``, pyarrow doubles) marked
    missing, as NaN is everywhere else.

    With ``pd.set_option("future.distinguish_nan_and_na", True)`` pandas no longer counts
    NaN in these columns as missing (``isna`` is False), so they reached the encoders as
    numbers ("Input X contains NaN"). A copy with those cells set to ``pd.NA``; the
    frame itself when nothing needs it (always, without that option).
    """
    out = None
    for j, dtype in enumerate(frame.dtypes):
        if isinstance(dtype, np.dtype) or not pd.api.types.is_float_dtype(dtype):
            continue
        col = frame.iloc[:, j]
        nan = np.isnan(col.to_numpy(dtype=np.float64, na_value=np.nan))
        if (nan & ~np.asarray(col.isna(), dtype=bool)).any():
            out = frame.copy(deep=False) if out is None else out
            out.isetitem(j, col.mask(nan, pd.NA))
    return frame if out is None else out


def check_X(est, X) -> Checked:
    """Validate X without changing it; return it (a frame whose nullable float columns
    hold NaN that pandas does not count as missing: a copy with them marked missing,
    :func:`nan_as_missing`) with its data kind (sets n_features_in_)."""
    if X is None:
        raise ValueError("X is None; pass a 2-D array, a DataFrame or an array of images.")
    if sparse.issparse(X):
        raise TypeError(
            "A sparse matrix was passed, but ganaug needs dense data: convert it with "
            "X.toarray() (or pass a dense numpy array / DataFrame)."
        )
    if isinstance(X, pd.DataFrame):
        sparse_cols = [c for c, d in X.dtypes.items() if isinstance(d, pd.SparseDtype)]
        if sparse_cols:
            raise TypeError(
                f"Columns {sparse_cols[:5]} of X are pandas sparse columns, but ganaug "
                "needs dense data: pass X.sparse.to_dense() (or X.astype(float) for "
                "those columns)."
            )
        if X.columns.has_duplicates:
            dup = list(X.columns[X.columns.duplicated()].unique())
            raise ValueError(f"X has duplicate column names {dup}; rename them first.")
        X = nan_as_missing(X)
    elif not isinstance(X, (np.ndarray, pd.Series)):  # lists, torch tensors, xarray, ...
        X = rows_array(X)  # (their dtypes are not numpy's, so read them as numpy first)
    check_cells(X)
    kind = kind_of(est, X)
    check_kind_params(est, kind)
    if kind == "tabular":
        if getattr(X, "ndim", 2) != 2:
            fix_1d = "X.to_frame()" if isinstance(X, pd.Series) else "X.reshape(-1, 1)"
            raise ValueError(
                f"Tabular X must be 2-D (n_samples, n_features); got {np.ndim(X)} "
                f"dimension(s). Use {fix_1d} for a single feature, or pass "
                "data_kind='image' / `image_shape` for images."
            )
        if X.shape[1] == 0:  # scikit-learn's check fails on a frame without columns with
            raise ValueError(  # a numpy message ("at least one array or dtype")
                f"Found array with 0 feature(s) (shape={tuple(X.shape)}) while a minimum "
                "of 1 is required: X has no feature columns.")
        if is_mixed_table(est, X):  # categorical columns / missing values
            return Checked(check_mixed(est, X), kind, True)
        if getattr(X, "dtype", None) is not None and X.dtype.kind in "US":
            raise ValueError(
                f"X is a numpy array of text (dtype {X.dtype}), so its numbers are text "
                "too. Pass a DataFrame (or an object array) whose numeric columns hold "
                "numbers, or name the categorical columns with categorical_features=[...]."
            )
        try:
            Xc = check_array(
                X, dtype="numeric", ensure_min_samples=2, ensure_all_finite=True,
                input_name="X",
            )
        except ValueError:
            _refuse_infinity(X)  # names the columns where scikit-learn's message does not
            raise
        if get_config()["assume_finite"]:  # scikit-learn skipped its check; the noise
            _refuse_infinity(X)  # model's covariance cannot take inf
        _validate_columns(est, X)
        return Checked(X if isinstance(X, pd.DataFrame) else Xc, kind, False)
    frame = X if isinstance(X, pd.DataFrame) else None  # rows of flattened images
    X = pixel_array(X)  # pandas' nullable UInt8 / Float32 ... as their numpy dtype
    if frame is not None and X.dtype == object and all(
            getattr(d, "numpy_dtype", d).kind in "biuf" for d in frame.dtypes):
        raise ValueError("Images hold missing pixels (pd.NA); fill or drop them.")
    if X.dtype.kind not in "biuf":
        raise TypeError(f"Images must have a numeric dtype; got {X.dtype}.")
    if X.shape[0] < 2:
        raise ValueError(
            f"Found array with {X.shape[0]} sample(s) while a minimum of 2 is required."
        )
    if X.dtype.kind == "f" and not np.isfinite(X).all():
        raise ValueError("Images contain NaN or infinity; clean them before fitting.")
    if X.ndim == 2:  # a frame's column names are kept: sample() returns a frame too
        validate_data(est, X=X if frame is None else frame, reset=True,
                      skip_check_array=True)
    else:
        est.n_features_in_ = int(np.prod(X.shape[1:]))
        if hasattr(est, "feature_names_in_"):
            del est.feature_names_in_
    # a frame's rows stay a frame: the codec keeps its columns (int names too, which
    # feature_names_in_ leaves out) and sample() returns a frame of them
    return Checked(X if frame is None else frame, kind, False)

def _refuse_infinity(X) -> None:
    """Name the columns of a numeric table that hold inf or -inf (scikit-learn's check
    says only that X does), as the mixed-type encoder does; called after that check
    failed, so clean data pays nothing."""
    try:
        arr = (X.to_numpy(dtype=np.float64, na_value=np.nan) if isinstance(X, pd.DataFrame)
               else np.asarray(X, dtype=np.float64))
    except (TypeError, ValueError):  # not numbers: scikit-learn's own message stands
        return
    if arr.ndim != 2:
        return
    bad = np.flatnonzero(np.isinf(arr).any(axis=0))
    if len(bad):
        names = list(X.columns[bad]) if isinstance(X, pd.DataFrame) else bad.tolist()
        raise ValueError(
            f"Column(s) {names[:5]} of X contain infinity; clean them first (NaN is "
            "read as a missing value)."
        )


def check_cells(X) -> None:
    """Refuse cells that are neither one number nor one category, naming the column.

    Complex numbers would lose their imaginary part and lists or dicts cannot be
    categories; both are refused before any training, with the fix.
    """
    if isinstance(X, pd.DataFrame):
        columns = ((name, X[name]) for name in X.columns)
    elif getattr(X, "ndim", 0) == 2 and X.dtype.kind in "cO":
        columns = ((j, X[:, j]) for j in range(X.shape[1]))
    else:
        columns = [("", X)] if getattr(X, "dtype", None) is not None else []
    for name, col in columns:
        where = f"Column {name!r} of X" if name != "" else "X"
        kind = getattr(col.dtype, "kind", "")
        inferred = pd.api.types.infer_dtype(col, skipna=True) if kind == "O" else ""
        odd = None
        if inferred.startswith("mixed"):  # a Python scan only where types mix
            odd = next((v for v in col if isinstance(
                v, list | dict | set | np.ndarray | complex)), None)
        if kind == "c" or inferred == "complex" or isinstance(odd, complex):
            raise ValueError(  # scikit-learn's wording and type, with the column
                f"Complex data not supported: {where} holds complex numbers, which "
                "would lose their imaginary part; split it into real columns first "
                "(np.real and np.imag)."
            )
        if odd is not None:  # scikit-learn's type and wording ("argument must be ...")
            raise TypeError(
                f"{where} holds {type(odd).__name__} values (e.g. {odd!r:.60}), but each "
                "cell's argument must be a string or a number (one category or one "
                "value): expand that column into several, or encode it as strings, first."
            )


def names_categorical(est) -> bool:
    """Whether ``categorical_features`` names columns (not None, not 'auto')."""
    spec = est.categorical_features
    return not (spec is None or (isinstance(spec, str) and spec == "auto"))


def is_mixed_table(est, X) -> bool:
    """Whether X needs the mixed-type encoder (categories, strings, missing values)."""
    explicit = names_categorical(est)
    if isinstance(X, pd.DataFrame):
        if any(
            not pd.api.types.is_numeric_dtype(d) or pd.api.types.is_bool_dtype(d)
            or isinstance(d, pd.CategoricalDtype) for d in X.dtypes
        ):
            return True
        if X.shape[0] and bool(X.isna().to_numpy().any()):
            return True
    elif getattr(X, "dtype", None) is None or X.dtype.kind != "O":
        if X.dtype.kind == "f" and X.size and bool(np.isnan(X).any()):
            return True  # missing values: indicators, as in DataFrames
        # numeric (and string) arrays keep the strict numeric path unless told
        return explicit and X.shape[1] > 0 and bool(
            resolve_categorical(X, est.categorical_features).any()
        )
    else:
        return True
    return explicit and bool(resolve_categorical(X, est.categorical_features).any())

def check_mixed(est, X):
    """Validate a mixed-type table (DataFrame or object array); set n_features_in_."""
    n, d = X.shape
    if n < 2:
        raise ValueError(
            f"Found array with {n} sample(s) (shape={X.shape}) while a minimum of 2 "
            "is required."
        )
    if d < 1:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={X.shape}) while a minimum of 1 is "
            "required."
        )
    mask = resolve_categorical(X, est.categorical_features)  # checks the spec
    if isinstance(X, pd.DataFrame):
        for j in np.flatnonzero(~mask):
            _check_numeric_column(X.iloc[:, j], repr(X.columns[j]), frame=True)
    else:
        arr = np.asarray(X)
        for j in np.flatnonzero(~mask):
            col = pd.to_numeric(pd.Series(arr[:, j], dtype=object), errors="coerce")
            bad = col.isna().to_numpy() & ~pd.isna(arr[:, j])
            if bad.any():
                raise ValueError(
                    f"Column {j} of X holds non-numbers (e.g. {arr[bad, j][0]!r}); list "
                    "it in categorical_features."
                )
            _check_numeric_column(pd.Series(arr[:, j], dtype=object), str(j), frame=False,
                                  array_dtype=arr.dtype)
    _validate_columns(est, X)
    return X


def _validate_columns(est, X) -> None:
    """scikit-learn's column count and names: set on a fresh fit, checked on a warm
    refit, whose message then says how to start over instead."""
    warm = warm_ready(est)
    try:
        validate_data(est, X=X, reset=not warm, skip_check_array=True)
    except ValueError as err:
        if not warm:
            raise
        raise ValueError(f"warm_start=True but X's columns differ from the first fit's: "
                         f"{err} Pass the same columns, or set warm_start=False to start "
                         "over.") from err

def _check_numeric_column(col: pd.Series, name: str, frame: bool,
                          array_dtype: np.dtype | None = None) -> None:
    """Refuse a column left out of ``categorical_features`` that numbers cannot stand for:
    a category dtype (generated numbers are not among its categories: they came back
    missing) or text (numbers written as text came back as numbers, or for a str column
    as new text such as '4.0' for '4'; other text cannot be read as numbers at all).
    ``array_dtype``: the dtype of the numpy array the column came from (its columns
    reach here as object Series), so that the message names what the caller passed."""
    head = (f"Column {name} of X is not in categorical_features, so it would be treated "
            "as numbers, but it")
    convert = (f"X[{name}] = pd.to_numeric(X[{name}])" if frame
               else "give that column as numbers, in a float or object array")
    if isinstance(col.dtype, pd.CategoricalDtype):
        raise ValueError(
            f"{head} has dtype category: numbers generated for it would not be among its "
            "categories. List it in categorical_features, or, if its categories are "
            f"numbers, convert it first (X[{name}] = X[{name}].astype(float)).")
    if isinstance(col.dtype, pd.PeriodDtype):
        raise ValueError(
            f"{head} has dtype {col.dtype}: periods cannot be rebuilt from generated "
            "numbers. List it in categorical_features, or convert it first "
            f"(X[{name}] = X[{name}].dt.to_timestamp()).")
    inferred = pd.api.types.infer_dtype(col, skipna=True)  # no Python loop over values
    if inferred == "integer" and col.dtype == object:
        ints = [v for v in col.dropna().tolist() if isinstance(v, Integral)]
        if ints and max(abs(min(ints)), abs(max(ints))) > 2**53:
            where = ("in an object column" if array_dtype is None or array_dtype.kind == "O"
                     else f"(an {array_dtype} array with categorical_features set, whose "
                     "numeric columns are read as float64)")
            raise ValueError(
                f"{head} holds whole numbers beyond 2**53 {where}, which "
                "float64 cannot hold exactly (new values would be rounded or wrap "
                "around). " + ("Give the column an int64 or uint64 dtype (exact there)"
                               if frame else "Pass X as a DataFrame with that column as "
                               "int64 or uint64 (exact there)")
                + ", or list it in categorical_features.")
    if inferred == "boolean" and col.dtype == object:
        if array_dtype is not None and array_dtype.kind == "b":
            raise ValueError(
                f"Column {name} of X is not in categorical_features, but X is a bool "
                "array: with some of its columns listed, the others would be generated "
                "as numbers and come back as 1/0. List every column in "
                "categorical_features, or leave it unset (a bool array then comes back "
                "as bool).")
        raise ValueError(
            f"{head} holds True/False in an object column, which would come back as 1/0. "
            "List it in categorical_features, or convert it first "
            f"(X[{name}] = X[{name}].astype('boolean'))." if frame else
            f"{head} holds True/False, which would come back as 1/0. List it in "
            "categorical_features.")
    if inferred not in ("string", "bytes", "mixed", "mixed-integer"):
        return  # no text
    text = [v for v in col.dropna().tolist() if isinstance(v, str | bytes)]
    if not text:
        return
    parsed = pd.to_numeric(pd.Series(text, dtype=object), errors="coerce")
    if parsed.isna().any():
        raise ValueError(
            f"{head} holds text ({text[int(np.flatnonzero(parsed.isna())[0])]!r}), which "
            "cannot be read as numbers. List it in categorical_features.")
    back = ("new text (such as '4.0' for '4')" if pd.api.types.is_string_dtype(col.dtype)
            and col.dtype != object else "numbers")
    raise ValueError(
        f"{head} holds numbers written as text (e.g. {text[0]!r}), which would come back "
        f"as {back}. List it in categorical_features, or convert it first ({convert}).")


def kind_of(est, X) -> str:
    """The data kind of X: ``data_kind``, or read from X's shape and ``image_shape``."""
    if est.data_kind != "auto":
        return est.data_kind
    ndim = getattr(X, "ndim", 2)
    if ndim in (3, 4) or (ndim == 2 and est.image_shape is not None):
        return "image"
    return "tabular"



def check_kind_params(est, kind: str) -> None:
    """Refuse parameters that the data kind would silently ignore: ``image_shape`` for
    a table (``data_kind='tabular'``), ``categorical_features`` for images."""
    if kind == "tabular" and est.image_shape is not None:
        raise ValueError(
            f"image_shape={est.image_shape!r} is for images, but data_kind='tabular' "
            "treats X as a table and would ignore it; drop image_shape, or set "
            "data_kind='image' (or 'auto').")
    if kind == "image" and names_categorical(est):
        raise ValueError(
            f"categorical_features={est.categorical_features!r} is for tables, but X is "
            "read as images (image_shape, data_kind='image' or 3-D/4-D X), which have no "
            "categorical columns; drop categorical_features, or drop image_shape and set "
            "data_kind='tabular' for a table.")


def require_y(est, y) -> None:
    """Refuse ``y=None`` where class labels are needed, naming the unconditional route."""
    if y is None:
        raise ValueError(
            f"{type(est).__name__} requires y to be passed, but the target y is None. "
            "Pass the class labels; for new rows without labels use "
            "GANAugmenter().fit(X).sample(n)."
        )


def check_X_y(est, X, y) -> tuple[Checked, Any, bool]:
    """Validate X and class labels y: (checked X, y, whether imblearn binarised y)."""
    require_y(est, y)
    if sparse.issparse(y):
        raise TypeError("y is a sparse matrix; pass a 1-D array of class labels.")
    if isinstance(y, pd.DataFrame) and y.shape[1] > 1:  # one-hot labels, as an array
        y = one_hot_array(y)
    y = plain_labels(y)
    check_classification_targets(y)  # "Unknown label type: continuous ..."
    y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
    y_arr = np.asarray(y)
    if y_arr.ndim != 1:
        raise ValueError(f"y must be 1-D; got shape {y_arr.shape}.")
    checked = check_X(est, X)
    if len(checked.X) != len(y_arr):
        raise ValueError(
            f"X and y have different lengths: {len(checked.X)} rows vs {len(y_arr)} labels."
        )
    return checked, y, binarize_y



def check_strategy(est, y) -> dict:
    """``sampling_strategy_`` for labels y, checking a callable's answer first."""
    strategy = est.sampling_strategy
    source = "sampling_strategy asks for"
    if callable(strategy):  # check its answer here, before any training
        strategy = strategy(y)
        source = "The sampling_strategy callable returned"
        classes = np.unique(np.asarray(y))
        if not isinstance(strategy, dict):
            raise TypeError(
                "A callable sampling_strategy must return a dict {class: number of rows "
                f"after resampling}}; it returned {type(strategy).__name__}."
            )
        for label in strategy:
            if class_position(classes, label) < 0:
                raise ValueError(
                    f"The sampling_strategy callable returned class {label!r}, which is "
                    f"not in y (classes {sorted(classes.tolist(), key=str)})."
                )
    if isinstance(strategy, Mapping) and not isinstance(strategy, dict):
        strategy = dict(strategy)  # imbalanced-learn reads dicts only (None otherwise)
    if isinstance(strategy, dict):  # a float count failed only after training
        for label, count in strategy.items():
            if isinstance(count, bool) or not isinstance(count, Integral | np.integer):
                raise TypeError(
                    f"{source} {count!r} rows for class {label!r}; counts must be ints "
                    "(e.g. int(round(x)))."
                )
    return check_sampling_strategy(strategy, y, est._sampling_type)


def plain_labels(y):
    """Object arrays of plain ints as ints (as scikit-learn's classifiers take them).

    Missing labels (NaN, None, pandas' NA) are refused first. scikit-learn's
    ``type_of_target`` calls any object array that does not hold strings 'unknown';
    labels mixing types (ints and strings) are refused with a clear message.
    The caller's labels are not modified (a converted copy is returned).
    """
    # missing labels first (NaN, None, pd.NA): sorting labels (type_of_target) fails on
    # None with a message about '<', and on pd.NA with one about NaN in "Input y"
    if pd.isna(pd.Series(np.asarray(y, dtype=object).ravel())).any():
        raise ValueError("y contains missing labels (NaN/None/NA); drop or fill those rows.")
    dtype = getattr(y, "dtype", None)
    plain = getattr(dtype, "numpy_dtype", None)
    if (isinstance(dtype, pd.api.extensions.ExtensionDtype) and isinstance(plain, np.dtype)
            and plain.kind != "O"):
        # pandas' nullable Int64 / UInt64 / boolean (no missing value, checked above):
        # scikit-learn's checks turned them into float64, so 2**60 + 1 came back
        # rounded and True had to be asked for as 1.0
        return np.asarray(y, dtype=plain)
    arr = np.asarray(y)
    if arr.dtype != object or arr.ndim != 1:
        return y
    # numpy scalars count as their Python kind (np.float64 and float are one type)
    values = arr.tolist()
    kinds = {type(v.item()) if isinstance(v, np.generic) else type(v) for v in values}
    if all(issubclass(k, Integral) and not issubclass(k, bool | np.bool_) for k in kinds):
        if min(values) >= -(2**63) and max(values) < 2**63:
            return arr.astype(np.int64)
        if min(values) >= 0 and max(values) < 2**64:
            return arr.astype(np.uint64)
        raise ValueError(
            "y holds integer labels beyond 64 bits, which numpy cannot hold as numbers; "
            "pass them as strings (e.g. y = [str(v) for v in y]).")
    if all(issubclass(k, str) for k in kinds):
        return y
    if len(kinds) == 1:  # one non-string type (floats, bools): its own numpy dtype
        return np.array(values)
    names = sorted(k.__name__ for k in kinds)
    raise ValueError(
        f"y mixes label types ({', '.join(names)}); use one type for all labels, e.g. "
        "y.astype(str)."
    )

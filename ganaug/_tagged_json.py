"""The tagged-JSON codec of ``ganaug.io``: fitted attributes as JSON plus a tensor table.

:class:`Encoder` turns values into JSON-able data (tagged objects for what JSON cannot
hold, tensors and numeric arrays into a table of tensors); :class:`Decoder` is its
inverse and builds only allowlisted classes (ganaug's codecs and a few scikit-learn
estimators). The tags are listed in the docstring of ``ganaug.io``.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import importlib
import sys
import uuid
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from torch import nn

_MODULE_ROOTS = ("ganaug", "sklearn")
# the only scikit-learn classes a file may name (checked before anything is imported):
# the codecs' scaler, and the classifiers ``class_filter`` may hold (saved unfitted, as
# parameters; the fitted check is rebuilt on first use)
_SKLEARN_CLASSES = frozenset({
    "sklearn.preprocessing._data:StandardScaler",
    "sklearn.linear_model._logistic:LogisticRegression",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting:"
    "HistGradientBoostingClassifier",
    "sklearn.ensemble._forest:RandomForestClassifier",
    "sklearn.ensemble._forest:ExtraTreesClassifier",
    "sklearn.tree._classes:DecisionTreeClassifier",
    "sklearn.neighbors._classification:KNeighborsClassifier",
    "sklearn.svm._classes:SVC",  # the kernel check's kind
})
#: bit generators a saved ``RandomState`` may run on (numpy's own; MT19937 is the default)
_BIT_GENERATORS = frozenset({"MT19937", "PCG64", "PCG64DXSM", "Philox", "SFC64"})
# classes that moved: the name older files hold -> where the class lives now
_MOVED = {"ganaug.data.tabular:NumericEncoder": "ganaug.data.numeric:NumericEncoder"}


# ----------------------------------------------------------------------------- encoding --
class Encoder:
    """Turns fitted attributes into JSON-able values plus a table of tensors."""

    def __init__(self) -> None:
        self.tensors: dict[str, torch.Tensor] = {}

    def _tensor(self, t: torch.Tensor) -> str:
        name = f"t{len(self.tensors)}"
        self.tensors[name] = t.detach().to("cpu").contiguous().clone()
        return name

    def encode(self, v: Any, where: str) -> Any:  # noqa: C901 - one branch per type
        if v is None or isinstance(v, bool | str):
            return v
        if isinstance(v, bytes):  # kept apart from str (b"ab" must not load as "ab")
            return {"__bytes__": v.decode("latin-1")}
        if v is pd.NA:
            return {"__pd_na__": None}
        if v is pd.NaT:
            return {"__pd_nat__": None}
        if isinstance(v, pd.Timestamp):
            return {"__pd_timestamp__": v.isoformat()}
        if isinstance(v, pd.Timedelta):
            # the count in its own unit: durations past ~292 years have no nanoseconds
            td = v.to_timedelta64()
            return {"__pd_timedelta__": int(td.astype(np.int64)),
                    "unit": np.datetime_data(td.dtype)[0]}
        if isinstance(v, np.datetime64 | np.timedelta64):
            return {"__npdatetime__": str(v), "dtype": v.dtype.str}
        if isinstance(v, pd.Period):
            return {"__pd_period__": str(v), "freq": v.freqstr}
        if isinstance(v, pd.Interval):
            return {"__pd_interval__": [self.encode(v.left, where), self.encode(v.right, where)],
                    "closed": v.closed}
        if isinstance(v, decimal.Decimal):  # exact, as text
            return {"__decimal__": str(v)}
        if isinstance(v, datetime.datetime):  # before date: a datetime is a date
            return {"__datetime__": v.isoformat()}
        if isinstance(v, datetime.date | datetime.time):
            return {f"__{type(v).__name__}__": v.isoformat()}
        if isinstance(v, datetime.timedelta):
            return {"__timedelta__": [v.days, v.seconds, v.microseconds]}
        if isinstance(v, uuid.UUID):
            return {"__uuid__": str(v)}
        if isinstance(v, int | float) and not isinstance(v, np.generic):
            return v
        if isinstance(v, np.generic):
            if v.dtype.kind not in "biufUS":
                raise TypeError(f"ganaug.save cannot store {where}: numpy {v.dtype} scalar.")
            return {"__npscalar__": v.item(), "dtype": v.dtype.str}
        if isinstance(v, torch.Tensor):
            return {"__tensor__": self._tensor(v)}
        if isinstance(v, np.ndarray):
            return self._array(v, where)
        if isinstance(v, np.dtype):
            return {"__dtype__": v.str}
        if isinstance(v, pd.CategoricalDtype):
            cats = None if v.categories is None else self.encode(v.categories, where)
            return {"__pd_categorical__": cats, "ordered": bool(v.ordered)}
        if isinstance(v, pd.StringDtype):  # str() drops the storage (python / pyarrow)
            return {"__pd_string__": v.storage, "na_nan": v.na_value is not pd.NA}
        if isinstance(v, pd.ArrowDtype):  # str() does not name dictionary / decimal types
            import pyarrow as pa  # present: the dtype is one of its types

            schema = pa.schema([pa.field("x", v.pyarrow_dtype)]).serialize().to_pybytes()
            return {"__pd_arrow__": base64.b64encode(schema).decode("ascii")}
        if isinstance(v, pd.api.extensions.ExtensionDtype):
            try:
                same = pd.api.types.pandas_dtype(str(v)) == v
            except (TypeError, ValueError, NotImplementedError):
                same = False
            if not same:  # what could not be read back is refused now, not at load
                raise TypeError(f"{where}: cannot save the pandas dtype {v!r} (its name "
                                f"{str(v)!r} does not read back as it); convert the column "
                                f"to a numpy, category or string dtype before fitting.")
            return {"__pd_dtype__": str(v)}
        if isinstance(v, pd.MultiIndex):
            return {
                "__pd_multiindex__": [self.encode(tuple(t), where) for t in v.tolist()],
                "names": self.encode(list(v.names), where),
            }
        if isinstance(v, pd.RangeIndex):  # a frame's default columns stay a RangeIndex
            return {"__pd_rangeindex__": [v.start, v.stop, v.step],
                    "name": self.encode(v.name, where)}
        if isinstance(v, pd.Index):
            return {
                "__pd_index__": self._array(np.asarray(v, dtype=object), where),
                "dtype": self.encode(v.dtype, where),
                "name": self.encode(v.name, where),
            }
        if isinstance(v, pd.Series):
            return {
                "__pd_series__": [self.encode(x, where) for x in v.tolist()],
                "index": self.encode(v.index, where),
                "dtype": self.encode(v.dtype, where),
                "name": self.encode(v.name, where),
            }
        if isinstance(v, torch.device):
            return {"__device__": str(v)}
        if isinstance(v, np.random.RandomState):
            state = v.get_state(legacy=False)  # a dict naming the bit generator
            if state["bit_generator"] == "MT19937":  # the legacy form, as older files hold
                return {"__random_state__": self.encode(v.get_state(), where)}
            if state["bit_generator"] not in _BIT_GENERATORS:
                raise TypeError(
                    f"{where}: cannot save a RandomState on the bit generator "
                    f"{state['bit_generator']!r}; use an int or a RandomState on one of "
                    f"{sorted(_BIT_GENERATORS)}."
                )
            return {"__random_state__": self.encode(state, where)}
        if isinstance(v, tuple):
            return {"__tuple__": [self.encode(x, f"{where}[{i}]") for i, x in enumerate(v)]}
        if isinstance(v, list):
            return [self.encode(x, f"{where}[{i}]") for i, x in enumerate(v)]
        if isinstance(v, dict):
            return {"__dict__": [
                [self.encode(k, where), self.encode(x, f"{where}[{k!r}]")] for k, x in v.items()
            ]}
        if isinstance(v, nn.Module):
            raise TypeError(
                f"ganaug.save cannot store {where}: a torch module that is not a generator."
            )
        cls = type(v)
        if _allowed_class(cls):
            skip = getattr(cls, "_transient_attrs", ())  # caches rebuilt on first use
            state = {k: self.encode(x, f"{where}.{k}") for k, x in vars(v).items()
                     if k not in skip}
            return {"__object__": f"{cls.__module__}:{cls.__qualname__}", "state": state}
        raise TypeError(
            f"ganaug.save cannot store {where} of type {cls.__module__}.{cls.__qualname__}; "
            "use pickle for estimators holding arbitrary objects."
        )

    def _array(self, a: np.ndarray, where: str) -> dict:
        if a.dtype.kind in "biufcmM":
            raw = np.ascontiguousarray(a).reshape(-1).view(np.uint8)
            return {
                "__ndarray__": self._tensor(torch.from_numpy(raw.copy())),
                "dtype": a.dtype.str, "shape": list(a.shape),
            }
        if a.dtype.kind in "USO":  # bytes in an object array are tagged, as they are alone
            items = [self.encode(x, where) if a.dtype.kind == "O" and isinstance(x, bytes)
                     else _json_scalar(x, where) if _is_json_scalar(x)
                     else self.encode(x, where) for x in a.reshape(-1).tolist()]
            return {"__ndarray_obj__": items, "dtype": a.dtype.str, "shape": list(a.shape)}
        raise TypeError(f"ganaug.save cannot store {where}: numpy array of dtype {a.dtype}.")


def _is_json_scalar(x: Any) -> bool:
    return x is None or isinstance(x, bool | int | float | str | bytes)


def _json_scalar(x: Any, where: str) -> Any:
    if x is None or isinstance(x, bool | int | float | str):
        return x
    if isinstance(x, bytes):
        return x.decode("latin-1")
    raise TypeError(f"ganaug.save cannot store {where}: an array holding {type(x).__name__}.")


def _allowed_class(cls: type) -> bool:
    """ganaug's codecs (``ganaug.data``) and the allowlisted scikit-learn estimators
    (saving refuses what loading would refuse), nothing else."""
    module = cls.__module__
    if module == "ganaug.data" or module.startswith("ganaug.data."):
        return not issubclass(cls, nn.Module)
    return (f"{module}:{cls.__qualname__}" in _SKLEARN_CLASSES
            and issubclass(cls, BaseEstimator))


# ----------------------------------------------------------------------------- decoding --
class Decoder:
    """The inverse of :class:`Encoder`; builds only allowlisted classes."""

    def __init__(self, tensors: dict[str, torch.Tensor]):
        self.tensors = tensors

    def tensor(self, name: Any) -> torch.Tensor:
        if not isinstance(name, str) or name not in self.tensors:
            raise ValueError(f"Corrupt ganaug file: no tensor {name!r}.")
        t = self.tensors[name]
        if not isinstance(t, torch.Tensor):
            raise ValueError(f"Corrupt ganaug file: {name!r} is not a tensor.")
        return t

    def decode(self, v: Any) -> Any:  # noqa: C901 - one branch per tag
        if v is None or isinstance(v, bool | int | float | str):
            return v
        if isinstance(v, list):
            return [self.decode(x) for x in v]
        if not isinstance(v, dict) or len(v) == 0:
            raise ValueError(f"Corrupt ganaug file: unexpected value {v!r:.80}.")
        tag = next(iter(v))
        if tag == "__bytes__":
            return v[tag].encode("latin-1")
        if tag == "__pd_na__":
            return pd.NA
        if tag == "__pd_nat__":
            return pd.NaT
        if tag == "__pd_timestamp__":
            return pd.Timestamp(str(v[tag]))
        if tag == "__pd_timedelta__":
            unit = str(v.get("unit", "ns"))  # files before units were kept: ns
            if unit not in ("s", "ms", "us", "ns"):
                raise ValueError(f"Corrupt ganaug file: a duration in unit {unit!r}.")
            return pd.Timedelta(np.timedelta64(int(v[tag]), unit))
        if tag == "__npdatetime__":
            dtype = np.dtype(v["dtype"])
            if dtype.kind not in "mM":
                raise ValueError(f"Corrupt ganaug file: datetime of dtype {dtype}.")
            return np.array(str(v[tag]), dtype=dtype)[()]
        if tag == "__pd_period__":
            return pd.Period(str(v[tag]), freq=str(v["freq"]))
        if tag == "__pd_interval__":
            left, right = (self.decode(x) for x in v[tag])
            return pd.Interval(left, right, closed=str(v["closed"]))
        if tag == "__decimal__":
            return decimal.Decimal(str(v[tag]))
        if tag == "__datetime__":
            return datetime.datetime.fromisoformat(str(v[tag]))
        if tag == "__date__":
            return datetime.date.fromisoformat(str(v[tag]))
        if tag == "__time__":
            return datetime.time.fromisoformat(str(v[tag]))
        if tag == "__timedelta__":
            days, seconds, micro = (int(x) for x in v[tag])
            return datetime.timedelta(days, seconds, micro)
        if tag == "__uuid__":
            return uuid.UUID(str(v[tag]))
        if tag == "__pd_multiindex__":
            return pd.MultiIndex.from_tuples(self.decode(v[tag]), names=self.decode(v["names"]))
        if tag == "__tuple__":
            return tuple(self.decode(x) for x in v[tag])
        if tag == "__dict__":
            return {self.decode(k): self.decode(x) for k, x in v[tag]}
        if tag == "__tensor__":
            return self.tensor(v[tag])
        if tag == "__ndarray__":
            dtype = np.dtype(v["dtype"])
            if dtype.kind not in "biufcmM":  # raw bytes never become object pointers
                raise ValueError(f"Corrupt ganaug file: raw array of dtype {dtype}.")
            raw = self.tensor(v[tag]).numpy()
            return raw.view(dtype).reshape(v["shape"]).copy()
        if tag == "__ndarray_obj__":
            dtype = np.dtype(v["dtype"])
            if dtype.kind not in "USO":
                raise ValueError(f"Corrupt ganaug file: object array of dtype {dtype}.")
            out = np.empty(len(v[tag]), dtype=dtype)
            items = [self.decode(x) if isinstance(x, dict) else x for x in v[tag]]
            out[:] = items if dtype.kind != "S" else [x.encode("latin-1") for x in items]
            return out.reshape(v["shape"])
        if tag == "__npscalar__":
            return np.array(v[tag], dtype=np.dtype(v["dtype"]))[()]
        if tag == "__dtype__":
            return np.dtype(v[tag])
        if tag == "__pd_categorical__":
            cats = None if v[tag] is None else self.decode(v[tag])
            return pd.CategoricalDtype(cats, ordered=bool(v["ordered"]))
        if tag == "__pd_dtype__":
            return pd.api.types.pandas_dtype(v[tag])
        if tag == "__pd_string__":
            # pandas before 2.3 has no na_value (its string dtype always used pd.NA)
            na = {"na_value": np.nan} if v["na_nan"] else {}
            try:
                return pd.StringDtype(v[tag], **na)
            except ImportError:  # saved with pyarrow storage, loaded without pyarrow
                return pd.StringDtype("python", **na)
        if tag == "__pd_arrow__":
            try:
                import pyarrow as pa
            except ImportError as exc:
                raise ImportError("This model was fitted on pyarrow-backed columns: "
                                  "install pyarrow to load it.") from exc
            schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(v[tag])))
            return pd.ArrowDtype(schema.field(0).type)
        if tag == "__pd_rangeindex__":
            start, stop, step = (int(x) for x in v[tag])
            return pd.RangeIndex(start, stop, step, name=self.decode(v["name"]))
        if tag == "__pd_index__":
            values = self.decode(v[tag])
            return pd.Index(values, dtype=self.decode(v["dtype"]), name=self.decode(v["name"]))
        if tag == "__pd_series__":
            values = [self.decode(x) for x in v[tag]]
            index = self.decode(v["index"])
            dtype = self.decode(v["dtype"])
            if dtype == np.dtype(object):
                arr = np.empty(len(values), dtype=object)
                arr[:] = values
                return pd.Series(arr, index=index, name=self.decode(v["name"]), dtype=object)
            return pd.Series(values, index=index, dtype=dtype, name=self.decode(v["name"]))
        if tag == "__device__":
            return torch.device(v[tag])
        if tag == "__random_state__":
            state = self.decode(v[tag])
            if isinstance(state, dict):  # another bit generator than MT19937
                if state.get("bit_generator") not in _BIT_GENERATORS:
                    raise ValueError(f"Unknown bit generator in a saved RandomState: "
                                     f"{state.get('bit_generator')!r}.")
                rs = np.random.RandomState(getattr(np.random, state["bit_generator"])())
            else:
                rs = np.random.RandomState()
            rs.set_state(state)
            return rs
        if tag == "__object__":
            cls = _resolve_class(v[tag])
            obj = object.__new__(cls)
            state = {k: self.decode(x) for k, x in v["state"].items()}
            obj.__dict__.update(state)
            return obj
        raise ValueError(f"Corrupt ganaug file: unknown tag {tag!r}.")


def _resolve_class(name: Any) -> type:
    """A class named ``module:qualname`` from the allowlist, or ValueError."""
    if not isinstance(name, str) or name.count(":") != 1:
        raise ValueError(f"Refusing to load: {name!r} is not a class name.")
    name = _MOVED.get(name, name)
    module, qualname = name.split(":")
    parts = module.split(".")
    if parts[0] not in _MODULE_ROOTS or "." in qualname or "__main__" in parts or (
        parts[0] == "sklearn" and name not in _SKLEARN_CLASSES
    ):
        raise ValueError(
            f"Refusing to load: class {name!r} is not a ganaug or allowed scikit-learn class."
        )
    try:
        # ganaug's modules are imported already; scikit-learn's may be imported here
        # (importing a library module is what `import ganaug` itself does)
        mod = sys.modules.get(module)
        if mod is None:
            if parts[0] != "sklearn":
                raise ImportError(module)
            mod = importlib.import_module(module)
        cls = getattr(mod, qualname)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"Cannot load: class {name!r} does not exist here.") from exc
    if not isinstance(cls, type) or not _allowed_class(cls) or cls.__module__ != module:
        raise ValueError(f"Refusing to load: {name!r} is not an allowed class.")
    return cls

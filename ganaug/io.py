"""Save and load fitted augmenters as plain tensors plus a JSON description.

Which to trust
--------------
``pickle`` / ``joblib`` (what scikit-learn users do by default) keep working, but
unpickling a file can run any code the file names: only unpickle files you made
yourself or got from someone you trust. :func:`save` / :func:`load` are the format to
share models: the file holds tensors and a JSON document, is read with
``torch.load(..., weights_only=True)``, which refuses pickled objects, and :func:`load`
rebuilds only ganaug's augmenters, its codecs (classes of ``ganaug.data``) and
scikit-learn estimators, by setting their attributes to the stored data (no ``__init__``, no
``__setstate__``, no ``__reduce__`` runs). A malicious file can still hold a bad model
(bad samples); it cannot make :func:`load` run code.

File format (``format_version`` 2)
----------------------------------
One ``torch.save`` archive (a zip) of a dict with only strings, ints and tensors::

    {"format": "ganaug", "format_version": 2,
     "config": "<JSON text>",            # everything that is not a tensor
     "tensors": {"t0": Tensor, ...},     # every tensor and numeric numpy array
     "checksum": "<sha256 hex>"}         # of the config and every tensor (see _digest)

The checksum guards against damage (truncation, flipped bits), not against a forger: a
file that does not match it is refused. Version 1 files (no checksum) still load, with a
warning. Before any network is built, the shapes of the stored weights are compared
with those the stored parameters imply (on torch's "meta" device, which allocates
nothing), so a small file cannot make :func:`load` allocate a huge network.

The JSON document has ``ganaug_version``, ``torch_version``, ``estimator`` (the class
name), ``params`` (``get_params(deep=False)``), ``fitted`` (every other attribute of the
estimator) and ``modules`` (how to rebuild each ``torch.nn.Module`` attribute: its state
dict plus the number of classes it was built for). Values that JSON cannot hold are
tagged objects: ``{"__ndarray__": "t3", "dtype": "<i8", "shape": [3]}`` (numeric numpy
array, stored as raw bytes in a uint8 tensor, exact dtype and byte order),
``{"__ndarray_obj__": [...], "dtype": "<U5"}`` (string / object arrays of JSON
scalars), ``{"__tensor__": "t7"}``, ``{"__dtype__": "<f8"}``, ``{"__pd_index__": ...}``,
``{"__pd_series__": ...}``, ``{"__pd_dtype__": "Int64"}``, ``{"__pd_categorical__": ...}``,
``{"__npscalar__": 3, "dtype": "<i8"}``, ``{"__tuple__": [...]}``, ``{"__dict__": [[k,
v], ...]}`` (any dict, keys keep their types), ``{"__device__": "cuda:0"}``,
``{"__random_state__": ...}`` and ``{"__object__": "ganaug.data.tabular:NumericEncoder",
"state": {...}}`` (classes of ``ganaug.data`` and scikit-learn estimators only).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import pickle
import sys
import warnings
import zipfile
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from torch import nn

from ._fitting import build_generator, generator_classes
from ._version import __version__

__all__ = ["load", "save"]

FORMAT = "ganaug"
FORMAT_VERSION = 2
_READABLE_VERSIONS = (1, 2)
_MODULE_ROOTS = ("ganaug", "sklearn")
# the only scikit-learn classes a file may name (checked before anything is imported)
_SKLEARN_CLASSES = frozenset({"sklearn.preprocessing._data:StandardScaler"})
# fitted attributes of older files that this version no longer uses (ignored on load)
_DROPPED = frozenset({"_kind", "_mixed"})


def _digest(config: str, tensors: dict[str, torch.Tensor]) -> str:
    """SHA-256 of the config text and of every tensor's name, dtype, shape and bytes."""
    h = hashlib.sha256(config.encode("utf-8"))
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        h.update(f"\0{name}\0{t.dtype}\0{tuple(t.shape)}\0".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


# ----------------------------------------------------------------------------- encoding --
class _Encoder:
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
        if v is pd.NA:
            return {"__pd_na__": None}
        if v is pd.NaT:
            return {"__pd_nat__": None}
        if isinstance(v, pd.Timestamp):
            return {"__pd_timestamp__": v.isoformat()}
        if isinstance(v, pd.Timedelta):
            return {"__pd_timedelta__": int(v.value)}
        if isinstance(v, np.datetime64 | np.timedelta64):
            return {"__npdatetime__": str(v), "dtype": v.dtype.str}
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
        if isinstance(v, pd.api.extensions.ExtensionDtype):
            return {"__pd_dtype__": str(v)}
        if isinstance(v, pd.MultiIndex):
            return {
                "__pd_multiindex__": [self.encode(tuple(t), where) for t in v.tolist()],
                "names": self.encode(list(v.names), where),
            }
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
            return {"__random_state__": self.encode(v.get_state(), where)}
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
        if a.dtype.kind in "USO":
            items = [_json_scalar(x, where) if _is_json_scalar(x) else self.encode(x, where)
                     for x in a.reshape(-1).tolist()]
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
    """ganaug's codecs (``ganaug.data``) and scikit-learn estimators, nothing else."""
    module = cls.__module__
    if module == "ganaug.data" or module.startswith("ganaug.data."):
        return not issubclass(cls, nn.Module)
    return module.split(".")[0] == "sklearn" and issubclass(cls, BaseEstimator)


# ----------------------------------------------------------------------------- decoding --
class _Decoder:
    """The inverse of :class:`_Encoder`; builds only allowlisted classes."""

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
        if tag == "__pd_na__":
            return pd.NA
        if tag == "__pd_nat__":
            return pd.NaT
        if tag == "__pd_timestamp__":
            return pd.Timestamp(str(v[tag]))
        if tag == "__pd_timedelta__":
            return pd.Timedelta(int(v[tag]))
        if tag == "__npdatetime__":
            dtype = np.dtype(v["dtype"])
            if dtype.kind not in "mM":
                raise ValueError(f"Corrupt ganaug file: datetime of dtype {dtype}.")
            return np.array(str(v[tag]), dtype=dtype)[()]
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
            rs = np.random.RandomState()
            rs.set_state(self.decode(v[tag]))
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


# --------------------------------------------------------------------------------- API --
def save(estimator, path: str | os.PathLike) -> None:
    """Save an augmenter (fitted or not) as tensors plus JSON, without pickling objects.

    Parameters
    ----------
    estimator : GANAugmenter or ConditionalGANAugmenter
        The augmenter to store: its parameters, its generator weights, and its fitted
        metadata (classes with their dtype, codec state, history, sampling RNG state,
        and the warm-start train state if kept).
    path : str or path-like
        File to write (conventionally ``*.ganaug``; a zip written by ``torch.save``).

    Raises
    ------
    TypeError
        If the estimator holds something this format cannot describe (for example a
        callable ``sampling_strategy``): use pickle for such estimators.

    See Also
    --------
    load : read the file back; safe on files from others (no code runs).

    Notes
    -----
    The module docstring of ``ganaug.io`` describes the file format. Pickle (and
    joblib) also work, but only unpickle files you trust.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> import ganaug
    >>> X = np.random.RandomState(0).normal(size=(30, 2))
    >>> aug = ganaug.GANAugmenter(epochs=1, width=8, random_state=0).fit(X)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.ganaug")
    >>> ganaug.save(aug, path)
    >>> ganaug.load(path).sample(3).shape
    (3, 2)
    """
    from .base import BaseGANAugmenter

    if not isinstance(estimator, BaseGANAugmenter):
        raise TypeError(
            f"ganaug.save stores ganaug augmenters; got {type(estimator).__name__}."
        )
    if type(estimator).__module__ != "ganaug.augmenters":
        raise TypeError(
            f"ganaug.save stores ganaug's own augmenter classes; {type(estimator).__name__} "
            "is a subclass defined elsewhere: use pickle."
        )
    enc = _Encoder()
    params = estimator.get_params(deep=False)
    for key, value in params.items():
        if callable(value) and not isinstance(value, type):
            raise TypeError(
                f"ganaug.save cannot store the callable parameter {key}={value!r}; set it "
                "to a dict (e.g. the fitted sampling_strategy_) or use pickle."
            )
    config: dict[str, Any] = {
        "ganaug_version": __version__,
        "torch_version": torch.__version__,
        "estimator": type(estimator).__name__,
        "params": {k: enc.encode(v, k) for k, v in params.items()},
        "fitted": {},
        "modules": {},
    }
    skip = set(params) | set(getattr(estimator, "_transient_attrs", ()))
    for key, value in vars(estimator).items():
        if key in skip:
            continue
        if isinstance(value, nn.ModuleList):
            config["modules"][key] = {"list": [
                _module_entry(enc, m, f"{key}[{i}]", 0) for i, m in enumerate(value)
            ]}
        elif isinstance(value, nn.Module):
            config["modules"][key] = _module_entry(enc, value, key, generator_classes(estimator))
        else:
            config["fitted"][key] = enc.encode(value, key)
    text = json.dumps(config)
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "config": text,
        "tensors": enc.tensors,
        "checksum": _digest(text, enc.tensors),
    }
    torch.save(payload, path)


def _module_entry(enc: _Encoder, module: nn.Module, where: str, n_classes: int) -> dict:
    state = {k: enc.encode(t, f"{where}.{k}") for k, t in module.state_dict().items()}
    return {"n_classes": n_classes, "state": state}


def load(path: str | os.PathLike, *, device: str | torch.device | None = None):
    """Load an augmenter written by :func:`save`, without running code from the file.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.
    device : str, torch.device or None, default=None
        Where to sample: None keeps the device the model was trained on when this
        machine has it, else the CPU (a model trained on a GPU loads on a CPU-only
        machine); otherwise a device name as for the estimators' ``device``.

    Returns
    -------
    estimator : GANAugmenter or ConditionalGANAugmenter
        The augmenter, ready to ``sample`` (and to refit).

    Raises
    ------
    ValueError
        If the file is not a ganaug file, carries pickled objects (refused by
        ``torch.load(weights_only=True)`` before anything runs), names a class outside
        the allowlist, or was written by a ganaug of another major version.

    Warns
    -----
    UserWarning
        If the file was written by another (same-major) ganaug version.

    See Also
    --------
    save : write the file.
    """
    from . import augmenters
    from ._device import resolve_device, resolve_or_cpu
    from .base import BaseGANAugmenter

    if os.path.isdir(path):
        raise ValueError(f"{os.fspath(path)!r} is a directory, not a ganaug file.")
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such ganaug file: {os.fspath(path)!r}.")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except OSError as exc:  # e.g. a truncated archive: "[Errno 22] Invalid argument"
        raise ValueError(
            f"Cannot read {os.fspath(path)!r}: the file is damaged or truncated ({exc})."
        ) from exc
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile,
            AttributeError, TypeError, ValueError) as exc:
        raise ValueError(
            f"Refusing to load {os.fspath(path)!r}: not a safe ganaug file (it holds "
            f"something other than tensors and plain data, or is corrupt): {exc}"
        ) from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{os.fspath(path)!r} is not a ganaug file (see ganaug.save).")
    version = payload.get("format_version")
    if version not in _READABLE_VERSIONS:
        raise ValueError(
            f"{os.fspath(path)!r} has format version {version!r}; "
            f"this ganaug {__version__} reads versions {list(_READABLE_VERSIONS)}."
        )
    tensors = payload.get("tensors", {})
    if not isinstance(tensors, dict) or not isinstance(payload.get("config"), str) or not all(
        isinstance(t, torch.Tensor) for t in tensors.values()
    ):
        raise ValueError(f"Corrupt ganaug file {os.fspath(path)!r}: bad config or tensors.")
    if version == 1:
        warnings.warn(
            f"{os.fspath(path)!r} is a format-1 file without a checksum: its integrity "
            "cannot be checked. Save it again to add one.", UserWarning, stacklevel=2,
        )
    elif payload.get("checksum") != _digest(payload["config"], tensors):
        raise ValueError(
            f"{os.fspath(path)!r} is damaged: its content does not match its checksum "
            "(a truncated copy or flipped bits). Use an intact copy of the file."
        )
    try:
        config = json.loads(payload["config"])
    except (KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"Corrupt ganaug file {os.fspath(path)!r}: {exc}") from exc
    _check_version(str(config.get("ganaug_version", "?")))
    name = config.get("estimator")
    cls = getattr(augmenters, name, None) if isinstance(name, str) else None
    if not (isinstance(cls, type) and issubclass(cls, BaseGANAugmenter)):
        raise ValueError(f"Refusing to load: {name!r} is not a ganaug augmenter.")
    dec = _Decoder(tensors)
    params = {k: dec.decode(v) for k, v in config["params"].items()}
    known = cls().get_params(deep=False)
    unknown = sorted(set(params) - set(known))
    if unknown:
        warnings.warn(
            f"Parameters {unknown} of the saved model are not known to this ganaug "
            f"{__version__}; they are ignored.", UserWarning, stacklevel=2,
        )
    est = cls(**{k: v for k, v in params.items() if k in known})
    for key, value in config["fitted"].items():
        if key in _DROPPED:
            continue
        setattr(est, key, dec.decode(value))
    saved_device = getattr(est, "device_", None)
    if config["modules"]:
        # build on the saved device kind: default sizes may depend on it
        est.device_ = torch.device(saved_device or "cpu")
        for key, entry in config["modules"].items():
            if "list" in entry:
                setattr(est, key, nn.ModuleList(
                    [_rebuild(est, e, dec, f"{key}[{i}]") for i, e in enumerate(entry["list"])]
                ))
            else:
                setattr(est, key, _rebuild(est, entry, dec, key))
    if saved_device is not None or device is not None:
        if device is not None:
            est.device_ = resolve_device(device)
        else:  # trained on a GPU, loaded on a machine without one: the CPU
            est.device_ = resolve_or_cpu(saved_device)
    return est


def _rebuild(est, entry: dict, dec: _Decoder, where: str) -> nn.Module:
    n_classes = entry["n_classes"]
    if not isinstance(n_classes, int) or n_classes < 0:
        raise ValueError(f"Corrupt ganaug file: bad n_classes for {where}.")
    state = {k: dec.decode(v) for k, v in entry["state"].items()}
    with torch.device("meta"):  # sizes first: nothing is allocated on "meta"
        meta = build_generator(est, n_classes)
        expected = {k: tuple(t.shape) for k, t in meta.state_dict().items()}
    stored = {k: tuple(t.shape) if isinstance(t, torch.Tensor) else None for k, t in state.items()}
    if expected != stored:
        raise ValueError(
            f"Corrupt ganaug file: the stored weights of {where} do not have the sizes its "
            "parameters imply (a damaged or tampered file)."
        )
    G = build_generator(est, n_classes)
    try:
        G.load_state_dict(state)
    except RuntimeError as exc:
        raise ValueError(
            f"The saved weights of {where} do not fit the network this ganaug builds: {exc}"
        ) from exc
    return G.eval().requires_grad_(False)


def _check_version(saved: str) -> None:
    def major(v: str) -> str:
        return v.split(".")[0]

    if major(saved) != major(__version__):
        raise ValueError(
            f"This file was written by ganaug {saved}; this is ganaug {__version__}, a "
            "different major version whose format may differ. Load it with ganaug "
            f"{major(saved)}.x, or refit the model."
        )
    if saved != __version__:
        warnings.warn(
            f"This file was written by ganaug {saved}; loading it with ganaug "
            f"{__version__}.", UserWarning, stacklevel=3,
        )

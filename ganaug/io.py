"""Save and load fitted augmenters as plain tensors plus a JSON description.

Which to trust
--------------
``pickle`` / ``joblib`` (what scikit-learn users do by default) keep working, but
unpickling a file can run any code the file names: only unpickle files you made
yourself or got from someone you trust. :func:`save` / :func:`load` are the format to
share models: the file holds tensors and a JSON document, is read with
``torch.load(..., weights_only=True)``, which refuses pickled objects, and :func:`load`
rebuilds only ganaug's augmenters, its codecs (classes of ``ganaug.data``) and an
allowlist of scikit-learn classes (``_tagged_json._SKLEARN_CLASSES``: the class check's
kinds and a few common classifiers; a model whose ``class_filter`` is another classifier
can be pickled, not saved), by setting their attributes to the stored data (no ``__init__``, no
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
``{"__random_state__": ...}``, category values that are not JSON scalars
(``{"__decimal__": "0.10"}``, ``{"__date__": "2020-01-31"}``, ``__datetime__``,
``__time__``, ``__timedelta__``, ``__uuid__``, ``{"__pd_period__": "2020-01", "freq":
"M"}``, ``{"__pd_interval__": [left, right], "closed": "right"}``, pandas timestamps,
timedeltas and missing-value markers) and ``{"__object__": "ganaug.data.numeric:NumericEncoder",
"state": {...}}`` (classes of ``ganaug.data`` and scikit-learn estimators only; files that
name ``ganaug.data.tabular:NumericEncoder``, its former place, still load). The
codec of these tags is ``ganaug/_tagged_json.py``; this module holds the file format
and :func:`save` / :func:`load`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import pickle
import warnings
import zipfile
from typing import Any

import torch
from torch import nn

from ._device import torch_defaults
from ._fitting import build_generator, generator_classes
from ._tagged_json import Decoder, Encoder
from ._version import __version__

__all__ = ["load", "save"]

FORMAT = "ganaug"
#: 3: class tail shares as (positions, shares), RandomStates on other bit generators,
#: string and pyarrow dtypes by storage and type (older ganaug cannot read them, and
#: says so by the version instead of calling the file corrupt)
FORMAT_VERSION = 3
_READABLE_VERSIONS = (1, 2, 3)
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
        File to write (conventionally ``*.ganaug``; a zip written by ``torch.save``);
        ``~`` is expanded. Open files and buffers are not taken.

    Raises
    ------
    TypeError
        If the estimator holds something this format cannot describe (for example a
        callable ``sampling_strategy``): use pickle for such estimators.
    ValueError
        If ``path`` is a directory.
    FileNotFoundError
        If the folder of ``path`` does not exist.

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
    path = _file_path(path, "save")
    if type(estimator).__module__ != "ganaug.augmenters":
        raise TypeError(
            f"ganaug.save stores ganaug's own augmenter classes; {type(estimator).__name__} "
            "is a subclass defined elsewhere: use pickle."
        )
    if os.path.isdir(path):
        raise ValueError(
            f"{os.fspath(path)!r} is a directory; pass a file path inside it, e.g. "
            f"{os.path.join(os.fspath(path), 'model.ganaug')!r}."
        )
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.exists(parent) and not os.path.isdir(parent):
        raise FileExistsError(
            f"Cannot save to {os.fspath(path)!r}: {parent!r} is a file, not a folder."
        )
    if not os.path.isdir(parent):
        raise FileNotFoundError(
            f"Cannot save to {os.fspath(path)!r}: the folder {parent!r} does not exist; "
            "create it first (os.makedirs)."
        )
    enc = Encoder()
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
    try:
        torch.save(payload, path)
    except (OSError, RuntimeError) as exc:  # torch's own text does not name the file
        raise OSError(f"Cannot save to {os.fspath(path)!r}: {exc}") from exc


def _file_path(path, verb: str) -> str:
    """``path`` as a text path with ``~`` expanded, or a TypeError / ValueError naming it
    (bytes, open files and buffers are not paths here)."""
    if isinstance(path, bytes) or not isinstance(path, str | os.PathLike):
        raise TypeError(f"ganaug.{verb} takes a file path (str or pathlib.Path); got "
                        f"{type(path).__name__}. Write to a file and pass its path.")
    text = os.path.expanduser(os.fspath(path))
    if isinstance(text, bytes) or not text:
        raise ValueError(f"ganaug.{verb} needs a file path; got {path!r}.")
    return text


def _module_entry(enc: Encoder, module: nn.Module, where: str, n_classes: int) -> dict:
    state = {k: enc.encode(t, f"{where}.{k}") for k, t in module.state_dict().items()}
    return {"n_classes": n_classes, "state": state}


def load(path: str | os.PathLike, *, device: str | torch.device | None = None):
    """Load an augmenter written by :func:`save`, without running code from the file.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save` (``~`` is expanded).
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
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If the file is not a ganaug file, carries pickled objects (refused by
        ``torch.load(weights_only=True)`` before anything runs), names a class outside
        the allowlist, was written by a ganaug of another major version, or holds a
        model that is inconsistent (edited) or cannot draw a row.

    Warns
    -----
    UserWarning
        If the file was written by another (same-major) ganaug version.

    See Also
    --------
    save : write the file.
    """
    from . import augmenters
    from ._device import resolve_device
    from .base import BaseGANAugmenter

    path = _file_path(path, "load")
    if os.path.isdir(path):
        raise ValueError(f"{os.fspath(path)!r} is a directory, not a ganaug file.")
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such ganaug file: {os.fspath(path)!r}.")
    if os.path.getsize(path) == 0:  # torch's error for it is empty text
        raise ValueError(f"Cannot read {os.fspath(path)!r}: the file is empty (0 bytes); "
                         "save the model again (ganaug.save).")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except OSError as exc:  # e.g. a truncated archive: "[Errno 22] Invalid argument"
        raise ValueError(
            f"Cannot read {os.fspath(path)!r}: the file is damaged or truncated ({exc})."
        ) from exc
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile,
            AttributeError, TypeError, ValueError, LookupError, OverflowError) as exc:
        # a damaged pickle stream fails in torch's weights-only unpickler with whatever
        # its opcodes hit: a memo key or a stack index that is not there (LookupError),
        # a length too large (OverflowError), besides the unpickling errors
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
    if not isinstance(config, dict):
        raise ValueError(f"Corrupt ganaug file {os.fspath(path)!r}: its config is a "
                         f"{type(config).__name__}, not an object.")
    _check_version(str(config.get("ganaug_version", "?")))
    name = config.get("estimator")
    cls = getattr(augmenters, name, None) if isinstance(name, str) else None
    if not (isinstance(cls, type) and issubclass(cls, BaseGANAugmenter)):
        raise ValueError(f"Refusing to load: {name!r} is not a ganaug augmenter.")
    try:
        est = _restore(cls, config, Decoder(tensors))
    except (LookupError, TypeError, AttributeError, ArithmeticError, UnicodeError,
            RuntimeError) as exc:  # a file edited (and re-checksummed) by hand
        raise ValueError(f"Corrupt ganaug file {os.fspath(path)!r}: "
                         f"{type(exc).__name__}: {exc}") from exc
    if device is not None and "device_" in vars(est):  # an unfitted model stays unfitted
        est.device_ = resolve_device(device)
    _check_restored(est, path)
    return est


def _restore(cls, config: dict, dec: Decoder):
    """The estimator described by a checked file's config and tensors, on the device it
    was saved on when this machine has it, else the CPU."""
    from ._device import resolve_or_cpu

    params = {k: dec.decode(v) for k, v in config["params"].items()}
    known = cls().get_params(deep=False)
    unknown = sorted(set(params) - set(known))
    if unknown:
        warnings.warn(
            f"Parameters {unknown} of the saved model are not known to this ganaug "
            f"{__version__}; they are ignored.", UserWarning, stacklevel=3,
        )
    est = cls(**{k: v for k, v in params.items() if k in known})
    est._validate_params()  # a hand-edited value (max_steps=-5) is refused here
    for key, value in config["fitted"].items():
        if key in _DROPPED:
            continue
        if not isinstance(key, str) or key.startswith("__"):  # no __class__ & co.
            raise ValueError(f"Corrupt ganaug file: the attribute name {key!r}.")
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
    if saved_device is not None:  # trained on a GPU, loaded without one: the CPU
        est.device_ = resolve_or_cpu(saved_device)
    return est


def _check_restored(est, path) -> None:
    """A fitted model that cannot draw one row is a damaged file, said at load, not at
    the first ``sample`` (a renamed estimator, emptied networks, reshaped anchors).

    The row is drawn on the CPU by a shallow copy whose random streams (the model's own)
    are put back afterwards, so the model's sampling stream is untouched and nothing
    large is copied; the class check it fits on the way is kept (the first ``sample``
    would fit it anyway).
    """
    if not hasattr(est, "codec_"):
        return  # unfitted: nothing to sample
    from .base import kept_sampling_streams
    from .report import sampled_classes

    probe = copy.copy(est)
    probe.__dict__.pop("_device_generators", None)
    probe.device_ = torch.device("cpu")
    try:
        with kept_sampling_streams(est):  # the probe shares them: put back after
            if probe.classes_ is None:
                probe.sample(1)
            else:
                trained = sampled_classes(probe, probe.classes_)
                if len(trained):  # none: fit_resample on balanced data trained nothing
                    probe.sample(1, y=trained[0])
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - the model's own content failed to sample
        raise ValueError(f"Corrupt ganaug file {os.fspath(path)!r}: the model it holds "
                         f"cannot draw a row ({type(exc).__name__}: {exc}).") from exc
    if "_class_judge" in probe.__dict__:
        est._class_judge = probe._class_judge


@torch_defaults(grad=False)  # float32 networks whatever the caller's default dtype
def _rebuild(est, entry: dict, dec: Decoder, where: str) -> nn.Module:
    n_classes = entry["n_classes"]
    if not isinstance(n_classes, int) or n_classes < 0:
        raise ValueError(f"Corrupt ganaug file: bad n_classes for {where}.")
    state = {k: dec.decode(v) for k, v in entry["state"].items()}
    with torch.device("meta"):  # sizes first: nothing is allocated on "meta"
        meta = build_generator(est, n_classes)
        expected = {k: tuple(t.shape) for k, t in meta.state_dict().items()}
    stored = {k: tuple(t.shape) if isinstance(t, torch.Tensor) else None for k, t in state.items()}
    if set(expected) != set(stored):
        extra, missing = sorted(set(stored) - set(expected)), sorted(set(expected) - set(stored))
        raise ValueError(
            f"The saved weights of {where} are not those of the network this ganaug "
            f"{__version__} builds (unexpected {extra}, missing {missing}): the file was "
            "written by another ganaug version; refit the model with this one."
        )
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

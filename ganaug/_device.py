"""Device resolution: one place decides where tensors live (and CPU threads)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import torch

# Largest seed handed to numpy / torch generators (numpy's RandomState takes < 2**32;
# 2**31 - 1 also fits a C int everywhere).
MAX_SEED = 2**31 - 1


def resolve_device(device: str | torch.device) -> torch.device:
    """'auto' -> CUDA if present, else Apple MPS, else CPU; explicit names are checked.

    Raises
    ------
    ValueError
        For an unknown name or a device this machine does not have (naming the
        environment variable ``GANAUG_DEVICE`` when the name came from it).
    """
    try:
        return _resolve(device)
    except ValueError as exc:
        forced = os.environ.get("GANAUG_DEVICE", "").strip()
        if forced and forced == str(device):  # the user passed 'auto': say where it came from
            raise ValueError(
                f"The environment variable GANAUG_DEVICE={forced!r} overrides "
                f"device='auto', but: {exc} Unset it, or set it to a device this machine "
                "has.") from exc
        raise


def _resolve(device: str | torch.device) -> torch.device:
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device={device!r} is not a device name; use 'auto', 'cpu', 'cuda', 'cuda:N' "
            "or 'mps'."
        ) from exc
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} but CUDA is not available on this machine; use "
                "device='auto' or device='cpu'."
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} but this machine has {torch.cuda.device_count()} CUDA "
                "device(s); pick an index below that."
            )
    elif dev.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ValueError(
                "device='mps' but Apple MPS is not available here; use device='auto'."
            )
    elif dev.type != "cpu":
        raise ValueError(
            f"device={device!r} is not supported; use 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'."
        )
    return dev


def resolve_or_cpu(device: str | torch.device) -> torch.device:
    """:func:`resolve_device`, falling back to the CPU when this machine lacks the device.

    For models trained on a GPU and unpickled or loaded on a machine without one.

    Parameters
    ----------
    device : str or torch.device
        The device a model was trained or saved on.

    Returns
    -------
    torch.device
        That device when this machine has it, else the CPU.
    """
    try:
        return resolve_device(device)
    except ValueError:  # trained on a GPU, loaded on a machine without it
        return torch.device("cpu")


def amp_dtype(device: torch.device, mixed_precision: bool | str) -> torch.dtype | None:
    """The autocast dtype of training on ``device``: bfloat16 on a CUDA device that runs
    it natively, where ``mixed_precision`` is 'auto' or True; None (full precision)
    otherwise. Never float16: training has no loss scaler, and float16 gradients that
    small underflow to 0. Asked of the fit's own device (``cuda:1`` may differ from the
    current one), without counting emulated bf16 (torch >= 2.3 counts it by default)."""
    if device.type != "cuda" or mixed_precision not in ("auto", True):
        return None
    with torch.cuda.device(device):
        try:
            native = torch.cuda.is_bf16_supported(including_emulation=False)
        except TypeError:  # torch < 2.3: no emulation counted
            native = torch.cuda.is_bf16_supported()
    return torch.bfloat16 if native else None


def autocast(device: torch.device, dtype: torch.dtype | None):
    """``torch.autocast`` to ``dtype`` on ``device``, or a no-op context where ``dtype``
    is None (torch before 2.5 refuses ``torch.autocast('mps', enabled=False)``: an
    autocast that is off is never built)."""
    if dtype is None:
        return nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


@contextmanager
def cpu_threads(n: int | str | None, device: torch.device | None,
                kind: str | None) -> Iterator[None]:
    """torch's CPU thread count inside the block only, restored afterwards (concurrent
    blocks in threads restore the count the first of them found, when the last leaves:
    a thread that leaves earlier keeps the block's count in its own torch setting, as
    restoring it there would also set the count back under the blocks still inside).

    ``n='auto'``: one thread for the small tabular networks on the CPU (measured by
    ``benchmarks/fit_time.py`` on 2 cores: with two busy processes alongside, torch's two
    threads took 8.5 s against 4.3 s; idle, 2.1 against 2.6 s), torch's setting
    otherwise; an int sets it; None leaves torch's alone. Nothing changes off the CPU.

    Parameters
    ----------
    n : int, 'auto' or None
        The estimators' ``cpu_threads``.
    device : torch.device or None
        Where the networks run.
    kind : {'tabular', 'image'} or None
        The fitted data kind.
    """
    if n == "auto":
        n = 1 if (device is not None and device.type == "cpu" and kind == "tabular") else None
    if n is None or (device is not None and device.type != "cpu"):
        yield
        return
    with _THREADS_LOCK:
        if _THREADS["users"] == 0:
            _THREADS["saved"] = torch.get_num_threads()
        _THREADS["users"] += 1
        saved = _THREADS["saved"]
    try:
        torch.set_num_threads(int(n))
        yield
    finally:
        with _THREADS_LOCK:
            _THREADS["users"] -= 1
            if _THREADS["users"] == 0:  # a block still inside keeps its count
                torch.set_num_threads(saved)


#: cpu_threads' shared state: torch's thread count is also the default of new threads, so
#: concurrent fits (threads) restore the count the first of them found; saving it each
#: (the second saved the first's 1 and restored it) left new threads at one
_THREADS_LOCK = threading.Lock()
_THREADS = {"users": 0, "saved": 1}


#: torch_defaults' shared state: the default dtype is process-wide, so concurrent fits
#: (threads) share one switch: the first to enter sets float32, the last to leave restores
_DEFAULTS_LOCK = threading.Lock()
_DEFAULTS = {"users": 0, "saved": None}


@contextmanager
def torch_defaults(grad: bool = True) -> Iterator[None]:
    """The torch state ganaug's networks are built and run in, whatever the caller's.

    Inside the block the default dtype is float32 (networks, noise and inputs agree:
    a caller's ``torch.set_default_dtype(torch.float64)`` made layers float64 and the
    float32 data failed, and a model fitted before it failed to sample), the default
    device is the CPU (ganaug places its tensors itself; a caller's
    ``torch.device('meta')`` or ``set_default_device`` block is left outside), inference
    mode is off and gradients are on where ``grad`` (a ``fit`` inside ``torch.no_grad()``
    or ``torch.inference_mode()`` could not train). The caller's state is restored after.
    The default dtype is process-wide in torch: it is set by the first of concurrent
    calls (threads) and restored by the last, and the caller's other threads see float32
    meanwhile.

    Parameters
    ----------
    grad : bool, default=True
        Whether gradients are enabled inside (training); sampling passes False.
    """
    with _DEFAULTS_LOCK:
        if _DEFAULTS["users"] == 0:
            _DEFAULTS["saved"] = torch.get_default_dtype()
            if _DEFAULTS["saved"] != torch.float32:
                torch.set_default_dtype(torch.float32)
        _DEFAULTS["users"] += 1
    get_device = getattr(torch, "get_default_device", None)  # torch >= 2.3
    on_cpu = get_device is None or get_device().type == "cpu"
    try:
        # a device mode only when needed: it routes every torch call through Python
        with (nullcontext() if on_cpu else torch.device("cpu")), \
                torch.inference_mode(False), torch.set_grad_enabled(grad):
            yield
    finally:
        with _DEFAULTS_LOCK:
            _DEFAULTS["users"] -= 1
            if _DEFAULTS["users"] == 0 and _DEFAULTS["saved"] != torch.float32:
                torch.set_default_dtype(_DEFAULTS["saved"])

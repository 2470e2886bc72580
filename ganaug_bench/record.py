"""The run record of a benchmark (command, date, device, versions, code commit) and memory.

Every benchmark stores :func:`run_record` (or the pieces it needs) with its results, so
a number can always be traced to the command, machine and code that produced it.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

#: The folder holding ``ganaug_bench/`` (a source checkout's root, or site-packages).
ROOT = Path(__file__).resolve().parents[1]


def utc_now() -> str:
    """The current UTC time, ISO 8601 to the second (``2026-01-31T12:00:00+00:00``).

    Returns
    -------
    stamp : str
    """
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def code_version(short: bool = False) -> str | None:
    """The git commit of the source checkout, with ``+dirty`` for uncommitted changes.

    Only tracked files count, and not those under ``benchmarks/results/`` nor markdown
    files: benchmarks rewrite their own result files while they run, and neither those nor
    the documentation change what runs. Outside a checkout (an installed package) the
    environment variable ``GANAUG_COMMIT`` is returned when set (a machine without git
    that runs a copy of the tree), else None.

    Parameters
    ----------
    short : bool, default=False
        Abbreviated commit hash.

    Returns
    -------
    commit : str or None
    """
    if not (ROOT / ".git").exists():
        return os.environ.get("GANAUG_COMMIT") or None
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", *(["--short"] if short else []), "HEAD"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no",
             "--", ".", ":(exclude)benchmarks/results", ":(exclude,glob)**/*.md"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return os.environ.get("GANAUG_COMMIT") or None
    return out + ("+dirty" if dirty else "") if out else None


def load_average() -> float | None:
    """The 1-minute load average (None where the platform has none).

    Returns
    -------
    load : float or None
    """
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def device_info(device: Any = "cpu") -> dict[str, Any]:
    """The device a run uses: its resolved name, processor or GPU, cores, threads, load.

    Parameters
    ----------
    device : str or torch.device, default='cpu'
        As for the estimators' ``device`` ('auto' picks a GPU when there is one).

    Returns
    -------
    info : dict
        ``device``, ``name``, ``cpu_count``, ``torch_threads``, ``load_average_1m``.
    """
    import torch

    from ganaug._device import resolve_device

    dev = resolve_device(device)
    name = platform.processor() or platform.machine()
    if dev.type == "cuda":
        name = torch.cuda.get_device_name(dev)
    return {
        "device": str(dev),
        "name": name,
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "load_average_1m": load_average(),
    }


def versions(*extra: str) -> dict[str, str]:
    """Versions of ganaug, torch, scikit-learn, numpy, Python and ``extra`` modules.

    Parameters
    ----------
    *extra : str
        Further importable module names (e.g. ``"pandas"``); missing ones are skipped.

    Returns
    -------
    versions : dict
    """
    import importlib

    out = {"python": platform.python_version()}
    names = {"ganaug": "ganaug", "torch": "torch", "sklearn": "sklearn", "numpy": "numpy",
             **{e: e for e in extra}}
    for key, module in names.items():
        try:
            out[key] = str(importlib.import_module(module).__version__)
        except (ImportError, AttributeError):
            continue
    return out


def command_line(prog: str | None = None, argv: list[str] | None = None) -> str:
    """The command line of this run, for the record.

    Parameters
    ----------
    prog : str or None, default=None
        How the program was called (None: ``python <script>``).
    argv : list of str or None, default=None
        Its arguments (None: ``sys.argv[1:]``).

    Returns
    -------
    command : str
    """
    if prog is None:
        prog = "python " + sys.argv[0]
    return " ".join([prog, *(sys.argv[1:] if argv is None else argv)])


def run_record(command: str | None = None, device: Any = "cpu",
               *extra_versions: str) -> dict[str, Any]:
    """Command, date, device, versions and code commit of this run, in one dict.

    Parameters
    ----------
    command : str or None, default=None
        The command line (None: :func:`command_line`).
    device : str or torch.device, default='cpu'
        The device of the run (see :func:`device_info`).
    *extra_versions : str
        Further modules whose versions are recorded.

    Returns
    -------
    record : dict
        ``command``, ``date`` (UTC), ``device``, ``versions``, ``git_commit``.
    """
    return {
        "command": command or command_line(),
        "date": utc_now(),
        "device": device_info(device),
        "versions": versions(*extra_versions),
        "git_commit": code_version(),
    }


def write_record(out: str | Path, name: str, tag: str, record: dict[str, Any],
                 markdown: list[str]) -> Path:
    """Write ``record`` as ``<name>[_<tag>].json`` and ``markdown`` (lines) as ``.md``.

    Parameters
    ----------
    out : str or Path
        The folder (made if missing).
    name, tag : str
        The files' stem is ``name``, with ``_tag`` when ``tag`` is not empty.
    record : dict
        JSON-serialisable run record.
    markdown : list of str
        Lines of the markdown file.

    Returns
    -------
    json_path : Path
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    stem = name + (f"_{tag}" if tag else "")
    (out / f"{stem}.json").write_text(json.dumps(record, indent=2) + "\n")
    (out / f"{stem}.md").write_text("\n".join(markdown) + "\n")
    return out / f"{stem}.json"


def memory_mb(device: Any = None) -> dict[str, float]:
    """Memory of this process: resident and peak resident set size, and GPU peak.

    The one memory reading of the benchmarks (``tabular_vs_ctgan.py``, ``gan_speed.py``,
    ``memory_sample.py``); :func:`reset_peak_memory` restarts the peaks. Resident size
    comes from ``/proc/self/statm`` (NaN where there is none), the peak from the standard
    library's ``resource.getrusage`` (``ru_maxrss``: KiB on Linux, bytes on macOS), which
    counts every allocation of the process (numpy's, torch's, C libraries'). With a CUDA
    ``device`` the peak memory torch's allocator held on it is added.

    On Linux a process's ``ru_maxrss`` starts at the resident peak of the process that
    launched it, and :func:`reset_peak_memory` cannot lower it below that: measure in a
    process launched by a small one.

    Parameters
    ----------
    device : str, torch.device or None, default=None
        A CUDA device to read as well.

    Returns
    -------
    memory : dict
        ``rss_mb``, ``peak_rss_mb`` and, for CUDA, ``gpu_peak_mb`` (MB = 10**6 bytes).
    """
    try:
        with open("/proc/self/statm") as f:
            rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        rss = float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_mb = peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6
    out = {"rss_mb": rss, "peak_rss_mb": peak_mb}
    if _is_cuda(device):
        import torch

        out["gpu_peak_mb"] = torch.cuda.max_memory_allocated(device) / 1e6
    return out


def reset_peak_memory(device: Any = None) -> bool:
    """Restart the peaks :func:`memory_mb` reads at the current usage.

    The resident peak through ``/proc/self/clear_refs`` (writing ``5``; Linux >= 4.0),
    and with a CUDA ``device`` torch's allocator peak on it.

    Parameters
    ----------
    device : str, torch.device or None, default=None
        A CUDA device whose peak to restart as well.

    Returns
    -------
    reset : bool
        False where the resident peak cannot be restarted (not Linux): later peaks are
        then peaks since the process started.
    """
    if _is_cuda(device):
        import torch

        torch.cuda.reset_peak_memory_stats(device)
    try:  # Linux >= 4.0: "5" resets the resident-set high-water mark
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def _is_cuda(device: Any) -> bool:
    return device is not None and str(device).startswith("cuda")

"""Write docs/api.md, the API reference, from the public docstrings (numpydoc text as is).

Run from the repository root: ``python docs/make_api.py``. A test checks that the file is
current, so the reference never drifts from the code.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import ganaug
from ganaug.report import marginal_fidelity, quality_report

OBJECTS = [
    ("ganaug.ConditionalGANAugmenter", ganaug.ConditionalGANAugmenter),
    ("ganaug.GANAugmenter", ganaug.GANAugmenter),
    ("ganaug.save", ganaug.save),
    ("ganaug.load", ganaug.load),
    ("ganaug.report.quality_report", quality_report),
    ("ganaug.report.marginal_fidelity", marginal_fidelity),
]
METHODS = ("fit", "fit_resample", "sample")


def render() -> str:
    parts = ["# API reference", "",
             "Generated from the docstrings by `python docs/make_api.py`; the command line is "
             "described by `ganaug --help` and `ganaug COMMAND --help`.", ""]
    for name, obj in OBJECTS:
        sig = "" if inspect.isclass(obj) else str(inspect.signature(obj))
        parts += [f"## `{name}{sig}`", "", "```text", inspect.getdoc(obj) or "", "```", ""]
        if inspect.isclass(obj):
            for meth in METHODS:
                fn = getattr(obj, meth)
                parts += [f"### `{name.split('.')[-1]}.{meth}{inspect.signature(fn)}`", "",
                          "```text", inspect.getdoc(fn) or "", "```", ""]
    return "\n".join(parts)


if __name__ == "__main__":
    path = Path(__file__).with_name("api.md")
    path.write_text(render())
    print(f"wrote {path}")

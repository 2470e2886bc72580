"""Summary over seeds, paired comparisons, the markdown report and the output files."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np

from ..markdown import mean_pm_std, table
from ..stats import mean_std, paired_difference, summarize
from .settings import ARMS, CLASSIC, METRICS


def summarise(runs: list[dict], arms: list[str]) -> tuple[dict, dict]:
    """Per-arm mean ± std and paired differences vs ``none`` and the best classic arm.

    Parameters
    ----------
    runs : list of dict
        Result rows (one per arm and seed).
    arms : list of str
        The arms, in table order.

    Returns
    -------
    summary : dict
        Per arm: :func:`ganaug_bench.stats.mean_std` of each metric, the mean
        per-class recall and the mean timings.
    comparisons : dict
        :func:`ganaug_bench.stats.paired_difference` of top-1, macro-F1 and few-shot
        accuracy against ``none`` and the best classic arm (by mean top-1).
    """
    by_arm = {a: sorted((r for r in runs if r["arm"] == a), key=lambda r: r["seed"])
              for a in arms}
    summary = summarize(runs, arms, METRICS)
    for a, rs in by_arm.items():
        s = summary[a]
        s["per_class_recall"] = [mean_std([r["per_class_recall"][c] for r in rs])["mean"]
                                 for c in range(10)] if rs else []
        tkeys = sorted({k for r in rs for k in r["times"]})
        s["times"] = {k: mean_std([r["times"][k] for r in rs if k in r["times"]])
                      for k in tkeys}

    def diffs(ref: str) -> dict:
        out = {}
        ref_by_seed = {r["seed"]: r for r in by_arm[ref]}
        for a in arms:
            if a == ref:
                continue
            pairs = [(r, ref_by_seed[r["seed"]]) for r in by_arm[a] if r["seed"] in ref_by_seed]
            out[a] = {m: paired_difference([p[0][m] for p in pairs], [p[1][m] for p in pairs])
                      for m in ("top1", "macro_f1", "few")}
        return out

    comparisons: dict = {}
    if "none" in by_arm:
        comparisons["vs_none"] = diffs("none")
    # the best classic arm among those with a top-1 mean (None: no run finished)
    classic = [a for a in arms if a in CLASSIC and summary[a]["top1"]["mean"] is not None]
    if classic:
        best = max(classic, key=lambda a: summary[a]["top1"]["mean"])
        comparisons["best_classic"] = best
        comparisons["vs_best_classic"] = diffs(best)
    return summary, comparisons


def _or_nan(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def _fmt(s: dict | None, scale: float = 100.0) -> str:
    return mean_pm_std(s, scale=scale, digits=1)


def _fmt_diff(d: dict | None) -> str:
    if not d or d.get("mean") is None:
        return "–"
    m = d["mean"] * 100
    if d.get("ci_low") is None:
        return f"{m:+.1f} (n={d['n']}, no CI)"
    if d["ci_low"] == d["ci_high"]:  # identical differences (deterministic runs)
        return f"{m:+.1f} (n={d['n']}, identical differences: no interval)"
    mark = " *" if d["ci_low"] > 0 or d["ci_high"] < 0 else ""
    return f"{m:+.1f} [{d['ci_low'] * 100:+.1f}, {d['ci_high'] * 100:+.1f}]{mark}"


def markdown_report(result: dict) -> str:
    """The markdown table (and header) of one result JSON.

    Parameters
    ----------
    result : dict
        A result of :func:`ganaug_bench.cifar10.main` or :func:`merge_results`.

    Returns
    -------
    text : str
    """
    s, comp, arms = result["summary"], result["comparisons"], result["arms"]
    best = comp.get("best_classic")
    torch_track = result["track"] == "torch"
    lines = [
        f"# CIFAR-10 benchmark: protocol `{result['protocol']}`, track `{result['track']}`"
        + (" (smoke)" if result["smoke"] else ""),
        "",
        f"- date: {result['created']}; device: {result['device']}; git: {result['git']}",
        f"- command: `{result['command']}`" + (
            f" (merged from {len(result['merged_from'])} runs: "
            + "; ".join(f"`{m['command']}`" for m in result["merged_from"]) + ")"
            if result.get("merged_from") else ""),
        f"- data: {result['data']['source']}; training counts per class "
        f"{result['data']['train_counts']}; test counts {result['data']['test_counts']}",
        f"- seeds: {result['seeds']}; sampling_strategy: {result['sampling_strategy']}"
        + ("" if result.get("complete", True) else
           " (**partial**: written after the last finished seed; the run did not end)"),
        f"- many / medium / few classes (by training count): {result['groups']}",
        "",
        "Accuracies in %, mean ± std over seeds. Δ: mean paired difference of top-1 "
        "(percentage points) with a 95 % t-interval over seeds; * marks an interval that "
        "excludes 0." + (f" Best classic arm: `{best}`." if best else ""),
        "",
    ]
    tcols = (["GAN fit s", "sample s", "clf s"] if torch_track
             else ["pipeline fit s", "predict s"])
    tkeys = ["gan_fit_s", "sample_s", "clf_s"] if torch_track else ["pipeline_fit_s",
                                                                    "predict_s"]
    head = ["arm", "top-1 (= bal. acc.)", "macro-F1", "many", "medium", "few",
            "Δ vs none", f"Δ vs best classic ({best})" if best else "Δ vs best classic",
            *tcols]
    rows = []
    for a in arms:
        row = s[a]
        times = [_fmt(row["times"].get(k), scale=1.0) for k in tkeys]
        rows.append([
            f"`{a}`", _fmt(row["top1"]), _fmt(row["macro_f1"]), _fmt(row["many"]),
            _fmt(row["medium"]), _fmt(row["few"]),
            "–" if a == "none" else _fmt_diff(comp.get("vs_none", {}).get(a, {}).get("top1")),
            "–" if a == best else _fmt_diff(
                comp.get("vs_best_classic", {}).get(a, {}).get("top1")),
            *times,
        ])
    lines += [table(head, rows), ""]
    return "\n".join(lines)


def write_outputs(result: dict, out: Path, stem: str) -> list[Path]:
    """Write ``<stem>.json``, ``<stem>.md`` and the bar chart ``<stem>.png`` into ``out``.

    Parameters
    ----------
    result : dict
        A result as built by :func:`ganaug_bench.cifar10.main` (or :func:`merge_results`).
    out : Path
        Output folder (created if missing).
    stem : str
        File name without suffix.

    Returns
    -------
    paths : list of Path
        The files written.
    """
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{stem}.json", out / f"{stem}.md"]
    paths[0].write_text(json.dumps(result, indent=1, default=_json_default))
    paths[1].write_text(markdown_report(result))
    arms, summary = result["arms"], result["summary"]
    try:
        from ganaug.plotting import save_bar_chart

        cats = ["top1", "many", "medium", "few"]
        paths.append(save_bar_chart(
            # a value missing is no bar (it was drawn as a 0 % bar)
            {arm: [_or_nan(summary[arm][m]["mean"]) for m in cats] for arm in arms},
            cats, out / f"{stem}.png",
            errors={arm: [_or_nan(summary[arm][m]["std"]) for m in cats] for arm in arms},
            ylabel="accuracy on the balanced test set",
            title=f"CIFAR-10 {result['protocol']} ({result['track']}), mean ± std over "
                  f"{len(result['seeds'])} seed(s)",
        ))
    except ImportError as exc:  # pragma: no cover - matplotlib missing
        warnings.warn(f"no bar chart: {exc}", stacklevel=1)
    return paths


def merge_results(results: list[dict]) -> dict:
    """Combine results of one protocol and track run in several invocations.

    Runs are pooled (a later file's (arm, seed) replaces an earlier one), and the
    summary and paired comparisons are recomputed over the union of seeds.

    Parameters
    ----------
    results : list of dict
        Loaded result JSONs with the same ``protocol``, ``track`` and ``smoke``.

    Returns
    -------
    merged : dict
    """
    first = results[0]
    for r in results[1:]:
        for key in ("protocol", "track", "smoke"):
            if r[key] != first[key]:
                raise ValueError(f"cannot merge results with different {key}: "
                                 f"{first[key]!r} vs {r[key]!r}")
    runs: dict = {}
    for r in results:
        for run in r["runs"]:
            runs[(run["arm"], run["seed"])] = run
    arms = [a for a in ARMS if any(k[0] == a for k in runs)]
    merged = dict(first)
    merged["runs"] = [runs[k] for k in sorted(runs, key=lambda k: (k[1], ARMS.index(k[0])))]
    merged["arms"] = arms
    merged["seeds"] = sorted({k[1] for k in runs})
    merged["summary"], merged["comparisons"] = summarise(merged["runs"], arms)
    merged["merged_from"] = [{"command": r["command"], "created": r["created"],
                              "device": r["device"], "git": r["git"]} for r in results]
    merged["elapsed_s"] = sum(r.get("elapsed_s", 0.0) for r in results)
    return merged


def _json_default(o):
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, tuple):
        return list(o)
    return str(o)



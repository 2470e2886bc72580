"""Tables, pictures and files of the main job (:mod:`ganaug_bench.digits`), and its entry.

:func:`main_digits` is what ``ganaug bench`` runs: :func:`ganaug_bench.digits.run_bench`,
then the printed table and ``results.json``, ``results.md``, ``samples.png``,
``summary.png``, ``paired.png``, ``cgan_losses.png`` and ``quality.csv`` in the output
folder.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .digits import CEILING, IMBALANCE_RATIO, METRICS, run_bench
from .markdown import mean_pm_std, seconds_text, table

TARGET = 0.02
"""The gain in balanced accuracy over the best classical arm that the main job aims at."""


def format_comparison(record: dict[str, Any]) -> str:
    """One line per metric: the GAN arm minus the best classical arm, with its interval.

    Parameters
    ----------
    record : dict
        A record from :func:`~ganaug_bench.digits.run_bench`.

    Returns
    -------
    text : str
        Empty when there is nothing to compare.
    """
    comp = record.get("gan_vs_classical")
    if not comp:
        return ""
    lines = [f"GAN arm ({comp['gan_arm']}) minus best classical arm "
             f"({comp['classical_arm']}, the classical arm with the highest mean balanced "
             "accuracy on these seeds, chosen after the fact), paired over "
             f"{comp['balanced_accuracy']['n']} seeds:"]

    def ci(e: dict[str, Any]) -> str:
        return (f"95 % CI [{e['ci95'][0]:+.3f}, {e['ci95'][1]:+.3f}]" if e["ci95"]
                else "no interval (fewer than 2 seeds or identical differences)")

    for metric in METRICS:
        e = comp[metric]
        share = e.get("share_of_ros_to_ceiling_gap_closed")
        closed = ("" if share is None else
                  f"; its gain over RandomOverSampler is {share:.0%} of the ceiling's")
        top = e.get("best_on_metric")
        other = ("" if top is None else f"; against {top['arm']}, the best classical arm "
                 f"on this metric: {top['mean_difference']:+.3f} ({ci(top)})")
        lines.append(f"- {metric.replace('_', ' ')}: {e['mean_difference']:+.3f} ({ci(e)})"
                     f"{closed}{other}")
    return "\n".join(lines)


def format_table(record: dict[str, Any]) -> str:
    """The summary as a Markdown table (mean ± std over seeds).

    Parameters
    ----------
    record : dict
        A record from :func:`~ganaug_bench.digits.run_bench`.

    Returns
    -------
    table : str
    """
    fit = record["timing"]["fit_seconds_per_arm"]

    def seconds(arm: str) -> str:  # arms without a sampler fit nothing; ms stay visible
        return "–" if arm in ("none", CEILING) else seconds_text(fit[arm])

    return table(
        ["arm", "balanced accuracy", "macro-F1", "tail recall", "fit s/seed"],
        ([arm, *(mean_pm_std(stats[m]) for m in METRICS),  # one seed: no spread shown
          seconds(arm)] for arm, stats in record["summary"].items()),
    )


def format_diagnostics(record: dict[str, Any]) -> str:
    """Markdown table of the GAN arms' sample diagnostics (mean over seeds).

    Parameters
    ----------
    record : dict
        A record from :func:`~ganaug_bench.digits.run_bench`.

    Returns
    -------
    table : str
        Empty when no GAN arm ran.
    """
    rows = [r for r in record["runs"] if "samples" in r]
    if not rows:
        return ""
    lines = []
    for arm in dict.fromkeys(r["arm"] for r in rows):
        rs = [r for r in rows if r["arm"] == arm]
        mean = {k: float(np.mean([r["samples"][k] for r in rs])) for k in rs[0]["samples"]}
        d = float(np.mean([r["final_losses"].get("d_loss", np.nan) for r in rs]))
        g = float(np.mean([r["final_losses"].get("g_loss", np.nan) for r in rs]))
        lines.append([
            arm, f"{mean['recognised']:.3f} / {mean['recognised_min']:.3f}",
            *(f"{mean[k]:.3f}" for k in ("spread_ratio", "dcr_ratio", "near_copies",
                                         "coverage")),
            f"{d:.3f} / {g:.3f}",
        ])
    return table(["GAN arm", "recognised (mean / worst class)", "spread ratio", "DCR ratio",
                  "near copies", "coverage", "final d_loss / g_loss"], lines)


def _grid_rows(fitted: dict[str, Any]) -> tuple[list[np.ndarray], list[str]]:
    X_real, y_real = fitted["_real"]
    n = fitted["_n_grid"]
    short = {"ConditionalGANAugmenter": "cGAN", "GANAugmenter": "GAN/class"}
    rows, labels = [], []
    for c in np.unique(y_real):
        rows.append(X_real[y_real == c][:n].reshape(-1, 8, 8))
        labels.append(f"{c} real (n={int(np.sum(y_real == c))})")
        for arm in ("ConditionalGANAugmenter", "GANAugmenter"):
            if arm in fitted:
                X_new, _ = fitted[arm].sample(n, y=c)
                rows.append(np.asarray(X_new, dtype=float).reshape(-1, 8, 8))
                labels.append(f"{c} {short[arm]}")
    return rows, labels


def write_outputs(record: dict[str, Any], fitted: dict[str, Any], out: str | Path) -> dict:
    """Write ``results.json``, ``results.md``, ``samples.png`` (and loss curves) to ``out``.

    Parameters
    ----------
    record : dict
        A record from :func:`~ganaug_bench.digits.run_bench`; its ``files`` entry is filled in.
    fitted : dict
        The second value returned by :func:`~ganaug_bench.digits.run_bench`.
    out : path
        Output folder (created).

    Returns
    -------
    files : dict
        Paths written, by kind.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    try:
        from ganaug.plotting import save_image_grid, save_loss_curves

        rows, labels = _grid_rows(fitted)
        files["samples_png"] = str(save_image_grid(
            rows, out / "samples.png", row_labels=labels,
            title="digits-LT: real training rows vs generated (last seed)",
        ))
        files["summary_png"] = str(save_summary_chart(record, out / "summary.png"))
        if record.get("gan_vs_classical"):
            files["paired_png"] = str(save_paired_chart(record, out / "paired.png"))
        if "ConditionalGANAugmenter" in fitted:
            files["cgan_losses_png"] = str(save_loss_curves(
                fitted["ConditionalGANAugmenter"].history_, out / "cgan_losses.png",
                title="ConditionalGANAugmenter losses (last seed)",
            ))
    except ImportError as exc:  # matplotlib missing: numbers still count
        print(f"warning: no pictures written ({exc})", file=sys.stderr)
    quality = fitted.get("ConditionalGANAugmenter_quality")
    if quality is not None:  # the cGAN's per-class quality report, last seed
        quality.round(4).to_csv(out / "quality.csv")
        files["quality_csv"] = str(out / "quality.csv")
    files["results_json"] = str(out / "results.json")
    files["results_md"] = str(out / "results.md")
    record["files"] = {k: Path(v).name for k, v in files.items()}
    (out / "results.json").write_text(json.dumps(record, indent=2) + "\n")
    (out / "results.md").write_text(markdown_report(record))
    return files


def save_summary_chart(record: dict[str, Any], path: str | Path) -> Path:
    """Bar chart of the summary: one group per metric, one bar per arm, std error bars.

    Parameters
    ----------
    record : dict
        A record from :func:`~ganaug_bench.digits.run_bench` (or read back from ``results.json``).
    path : path
        PNG file to write.

    Returns
    -------
    path : Path
    """
    from ganaug.plotting import save_bar_chart

    summary = record["summary"]
    return save_bar_chart(
        {arm: [summary[arm][m]["mean"] for m in METRICS] for arm in summary},
        [m.replace("_", " ") for m in METRICS],
        path,
        errors={arm: [summary[arm][m]["std"] or 0.0 for m in METRICS] for arm in summary},
        ylabel="mean over seeds",
        title=f"{record['benchmark']}: SVC after each oversampler",
    )


def save_paired_chart(record: dict[str, Any], path: str | Path) -> Path:
    """The paired differences GAN minus best classical arm, with their 95 % intervals.

    Every metric against the arm with the best mean balanced accuracy (the text output
    also names another arm that leads on a metric). Dashed lines mark no difference and
    the main job's target, which is on balanced accuracy only (+0.02).

    Parameters
    ----------
    record : dict
        A record with a ``gan_vs_classical`` entry (from
        :func:`~ganaug_bench.digits.run_bench`, or read back from ``results.json``).
    path : path
        PNG file to write.

    Returns
    -------
    path : Path
    """
    from ganaug.plotting import save_interval_chart

    comp = record["gan_vs_classical"]
    estimates = {}
    for metric in METRICS:
        e = comp[metric]
        low, high = e["ci95"] or (None, None)
        estimates[metric.replace("_", " ")] = (e["mean_difference"], low, high)
    return save_interval_chart(
        estimates, path,
        references={"no difference": 0.0, f"target: +{TARGET:.2f} balanced accuracy": TARGET},
        xlabel=f"{comp['gan_arm']} minus {comp['classical_arm']}, paired over "
               f"{comp['balanced_accuracy']['n']} seeds (95 % interval)",
        title=f"{record['benchmark']}: gain over the best classical arm by balanced accuracy",
    )


def markdown_report(record: dict[str, Any]) -> str:
    """A short Markdown report: command, date, device, versions and the table.

    Parameters
    ----------
    record : dict
        A record from :func:`~ganaug_bench.digits.run_bench`.

    Returns
    -------
    text : str
    """
    dev = record["device"]
    return (
        f"# ganaug bench: {record['benchmark']}\n\n"
        f"- command: `{record['command']}`\n"
        f"- date: {record['date']}\n"
        f"- device: {dev['device']} ({dev['name']}, {dev['cpu_count']} cores, "
        f"torch threads {dev['torch_threads']}, load average at start "
        f"{dev['load_average_1m']})\n"
        f"- versions: ganaug {record['versions']['ganaug']}, torch "
        f"{record['versions']['torch']}, scikit-learn {record['versions']['sklearn']}; "
        f"commit {record['git_commit']}\n"
        f"- seeds: {record['protocol']['seeds']}; wall time "
        f"{record['timing']['total_seconds']:.0f} s, CPU time of the process "
        f"{record['timing']['total_cpu_seconds']:.0f} s\n"
        f"- GAN arms: {record['protocol']['gan_params']}\n\n"
        f"{format_table(record)}\n\n"
        f"{format_comparison(record)}\n\n"
        "Mean ± standard deviation over seeds; each seed redraws the split and the "
        "samplers' random state. Tail recall: mean recall of the "
        f"{len(record['protocol']['data_last_seed']['tail_classes'])} rarest training "
        "classes.\n"
        + (
            "\nGAN samples, judged on the training split only (mean over seeds and "
            "classes; per class for the last seed in `quality.csv`): the share an SVC "
            "fitted on the real training rows assigns to the requested class; the "
            "spread ratio (per-feature spread of generated over real rows, 1 = as "
            "varied); the DCR ratio (median distance of a generated row to the closest "
            "real row, over the same for real rows: near 0 = copies, about 1 = as new "
            "as another real row); near copies (share of generated rows closer to a "
            "real row than 95 % of real rows are to theirs); coverage (share of real "
            "rows with a generated row within the distance to their 5th nearest real "
            "neighbour; fewer neighbours in a class of 5 rows or fewer).\n\n"
            + format_diagnostics(record) + "\n"
            if format_diagnostics(record) else ""
        )
    )


def main_digits(
    seeds: int = 3,
    out: str | Path = "bench_out",
    epochs: int | None = None,
    device: str = "cpu",
    threads: int | None = 1,
    quiet: bool = False,
    command: str | None = None,
) -> int:
    """Run the digits-LT bench, print the table and write the outputs; returns 0.

    Parameters
    ----------
    seeds : int, default=3
        Number of seeds.
    out : path, default='bench_out'
        Output folder.
    epochs : int or None, default=None
        GAN epochs (None: the estimators' default step budget).
    device : str, default='cpu'
        Device of the GAN arms.
    threads : int or None, default=1
        ``torch.set_num_threads`` for this process (None: leave torch's default).
    quiet : bool, default=False
        No per-seed progress: print the result tables and the output paths.
    command : str or None, default=None
        The command line to record.

    Returns
    -------
    status : int
    """
    if threads is not None:
        import torch

        torch.set_num_threads(int(threads))
    record, fitted = run_bench(
        seeds=seeds, epochs=epochs, device=device, verbose=not quiet, command=command
    )
    files = write_outputs(record, fitted, out)
    print()
    print(f"digits-LT (imbalance ratio {IMBALANCE_RATIO}), SVC, "
          f"{len(record['protocol']['seeds'])} seed(s), "
          f"{'mean ± std' if len(record['protocol']['seeds']) > 1 else 'one seed: no spread'}; "
          f"device {record['device']['device']}; "
          f"wall time {record['timing']['total_seconds']:.1f} s "
          f"(process CPU time {record['timing']['total_cpu_seconds']:.1f} s)")
    print(format_table(record))
    print()
    print(format_comparison(record))
    diag = format_diagnostics(record)
    if diag:
        print()
        print("GAN samples on the training split (recognised by an SVC fitted on it; "
              "spread, distance to the closest real row and coverage vs the real rows):")
        print(diag)
    for path in files.values():
        print(f"wrote {path}")
    return 0

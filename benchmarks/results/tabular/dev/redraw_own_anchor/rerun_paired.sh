#!/usr/bin/env bash
# Paired differences of the recorded re-runs at 20e1c59 (own-anchor redraws) against
# the runs before them (the previous versions of the same files, from git history).
# Run from the repository root: bash benchmarks/results/tabular/dev/redraw_own_anchor/rerun_paired.sh
set -euo pipefail
prev=$(mktemp -d)
git show 20e1c59:benchmarks/results/digits_lt/results.json > "$prev/digits_lt.json"
git show 64bdd7b:benchmarks/results/tabular/defaults/tabular_oversampling.json > "$prev/defaults.json"
git show 64bdd7b:benchmarks/results/tabular/multiclass/tabular_multiclass.json > "$prev/multiclass.json"
git show 20e1c59:benchmarks/results/other_data/other_data.json > "$prev/other_data.json"
echo "# Recorded re-runs at 20e1c59 against the runs before them (points, run minus previous)"
echo
echo "Command: \`bash $0\`; $(date -u +%Y-%m-%dT%H:%M:%SZ); HEAD $(git rev-parse --short HEAD)."
echo "Previous runs: the main job and other data sets as recorded before 64bdd7b, the"
echo "tables and multi-class tables as recorded before f147f8d (code 064558f). Paired by seed"
echo "(main job) or by (data set, seed, fold, classifier) cell; standard errors over those."
echo
echo "## Main job (ganaug bench), cGAN"
python benchmarks/paired_runs.py "$prev/digits_lt.json" benchmarks/results/digits_lt/results.json --arm ConditionalGANAugmenter
echo
echo "## 20 core tables, cGAN"
python benchmarks/paired_runs.py "$prev/defaults.json" benchmarks/results/tabular/defaults/tabular_oversampling.json --arm cgan
echo
echo "## 8 multi-class tables, cGAN"
python benchmarks/paired_runs.py "$prev/multiclass.json" benchmarks/results/tabular/multiclass/tabular_multiclass.json --arm cgan
echo
echo "## 10 other data sets, cGAN"
python benchmarks/paired_runs.py "$prev/other_data.json" benchmarks/results/other_data/other_data.json --arm cgan
rm -rf "$prev"

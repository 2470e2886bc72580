#!/usr/bin/env bash
# Paired differences (cGAN arm) of the recorded main job, 20 core tables, multi-class
# tables and other data sets against earlier versions of the same result files, read
# from git history. Run from the repository root:
#   bash benchmarks/rerun_paired.sh MAIN_JOB_REV TABLES_REV MULTICLASS_REV OTHER_DATA_REV
# (each REV: the commit whose version of that result file is the earlier run).
set -euo pipefail
prev=$(mktemp -d)
trap 'rm -rf "$prev"' EXIT
git show "$1":benchmarks/results/digits_lt/results.json > "$prev/digits_lt.json"
git show "$2":benchmarks/results/tabular/defaults/tabular_oversampling.json > "$prev/defaults.json"
git show "$3":benchmarks/results/tabular/multiclass/tabular_multiclass.json > "$prev/multiclass.json"
git show "$4":benchmarks/results/other_data/other_data.json > "$prev/other_data.json"
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

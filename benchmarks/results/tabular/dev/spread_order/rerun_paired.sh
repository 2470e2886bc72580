#!/usr/bin/env bash
# Paired differences of the recorded re-runs at a707509 (a checked class's rows spread at
# random over its positions in a sample) against the runs before them (the versions of
# the same files committed at a707509, made at 20e1c59 / 64bdd7b).
# Run from the repository root: bash benchmarks/results/tabular/dev/spread_order/rerun_paired.sh
set -euo pipefail
echo "# Recorded re-runs at a707509 against the runs before them (points, run minus previous)"
echo
echo "Command: \`bash $0\`; $(date -u +%Y-%m-%dT%H:%M:%SZ); HEAD $(git rev-parse --short HEAD)."
echo "Previous runs: the versions committed at a707509 (main job and other data sets at"
echo "code 20e1c59, tables and multi-class tables at 20e1c59 as recorded in f147f8d). The"
echo "change only reorders each checked class's new rows, so differences come from"
echo "classifiers that depend on row order (random forests' and gradient boosting's"
echo "random draws over positions). Paired by seed (main job) or by (data set, seed, fold,"
echo "classifier) cell; standard errors over those."
echo
bash benchmarks/rerun_paired.sh a707509 a707509 a707509 a707509

#!/usr/bin/env bash
# Paired differences of the recorded re-runs at 0dc50b9 (point masses kept, adopted from
# branch mass-pin) against the runs before them (the versions of the same files
# committed at e21e16f, made at a707509).
# Run from the repository root: bash benchmarks/results/tabular/dev/mass_pin/rerun_paired.sh
set -euo pipefail
echo "# Recorded re-runs at 0dc50b9 against the runs before them (points, run minus previous)"
echo
echo "Command: \`bash $0\`; $(date -u +%Y-%m-%dT%H:%M:%SZ); HEAD $(git rev-parse --short HEAD)."
echo "Previous runs: the versions committed at e21e16f (all four made at code a707509)."
echo "The change keeps, in sampling, values many of a class's rows share. It acts on the"
echo "numeric encoder's tables (digits, all-numeric tables); the quantile encoder of tables"
echo "with a category or a missing value spreads tied values when it encodes, so those"
echo "rarely move (six of the seven mixed core tables did not at all; us_crime, whose one"
echo "missing value leaves some training folds all-numeric, did). Paired by seed (main"
echo "job) or by (data set, seed, fold, classifier) cell; standard errors over those."
echo
bash benchmarks/rerun_paired.sh e21e16f e21e16f e21e16f e21e16f

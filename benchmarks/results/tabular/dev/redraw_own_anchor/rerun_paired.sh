#!/usr/bin/env bash
# Paired differences of the recorded re-runs at 20e1c59 (own-anchor redraws) against
# the runs before them (the previous versions of the same files, from git history).
# It compares with the result files as they are now: its recorded output, rerun_paired.md,
# was made at f147f8d, before the re-runs at a707509 (see ../spread_order/).
# Run from the repository root: bash benchmarks/results/tabular/dev/redraw_own_anchor/rerun_paired.sh
set -euo pipefail
echo "# Recorded re-runs at 20e1c59 against the runs before them (points, run minus previous)"
echo
echo "Command: \`bash $0\`; $(date -u +%Y-%m-%dT%H:%M:%SZ); HEAD $(git rev-parse --short HEAD)."
echo "Previous runs: the main job and other data sets as recorded before 64bdd7b, the"
echo "tables and multi-class tables as recorded before f147f8d (code 064558f). Paired by seed"
echo "(main job) or by (data set, seed, fold, classifier) cell; standard errors over those."
echo
bash benchmarks/rerun_paired.sh 20e1c59 64bdd7b 64bdd7b 20e1c59

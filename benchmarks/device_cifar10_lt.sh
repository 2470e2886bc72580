#!/usr/bin/env bash
# CIFAR-10-LT (imbalance ratio 100) on one GPU, the whole protocol in one call.
#
# Arms: none, ros, reweight, drw, mixup (Mixup-DRW), cgan (ConditionalGANAugmenter, the
# conditional ResNet for images) and cgan+filter; 3 seeds, each training its own GAN; the
# same classifier (ganaug.metrics.train_classifier) for every arm. Sized for at most ~9
# minutes on an H100/H200: the GAN gets --gan-time-budget seconds per seed, the classifier a fixed number of examples.
# Writes JSON, markdown and a PNG chart into $OUT (default bench_device_out/), again after
# every seed, so a call stopped at its time limit still returns the seeds it finished.
#
# On the GPU machine (from the repository root):
#   bash benchmarks/device_cifar10_lt.sh                 # data from .data/lt100.npz
# Prepare here first (CPU, once):
#   python -m ganaug_bench.cifar10 --protocol lt100 --pack .data/lt100.npz --data-dir DIR
#   python -m pip download --no-deps --only-binary=:all: -d .whl imbalanced-learn==0.14.2 \
#       sklearn-compat==0.1.6     # imbalanced-learn 0.14 imports sklearn_compat
# and carry .data and .whl. The CPU dry run that the test suite runs (fake data, tiny
# models, the same script and flags otherwise):
#   bash benchmarks/device_cifar10_lt.sh --dry-run
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-bench_device_out}
DATA=${GANAUG_LT100:-.data/lt100.npz}
PY=${PYTHON:-python3}
mkdir -p "$OUT"
if ! "$PY" -c "import imblearn" 2>/dev/null; then  # the GPU machine lacks it: carried wheel
    "$PY" -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
    export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONUNBUFFERED=1
ARGS=(--protocol lt100 --methods none,ros,reweight,drw,mixup,cgan,cgan+filter
      --seeds 3 --out "$OUT" --tag device)
if [ "${1:-}" = "--dry-run" ]; then
    "$PY" -m ganaug_bench.cifar10 "${ARGS[@]}" --fake-data --smoke --device cpu --seeds 1 \
        --gan-time-budget 5 2>&1 | tee "$OUT/log.txt"
else
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
    "$PY" -c "import sklearn, imblearn, torch; print('torch', torch.__version__, 'sklearn',
sklearn.__version__, 'imblearn', imblearn.__version__)" | tee -a "$OUT/gpu.txt"
    # preflight (seconds): every arm once, fake data and tiny settings, on the GPU, so a CUDA-only
    # failure stops the call at once instead of minutes in
    "$PY" -m ganaug_bench.cifar10 "${ARGS[@]}" --fake-data --smoke --device cuda --seeds 1 \
        --gan-time-budget 5 --out /tmp/ganaug_preflight --quiet 2>&1 | tail -n 5
    echo "preflight passed"
    "$PY" -m ganaug_bench.cifar10 "${ARGS[@]}" --data-dir "$DATA" --device cuda \
        --gan-time-budget 75 --gan-batch-size 128 2>&1 | tee "$OUT/log.txt"
fi

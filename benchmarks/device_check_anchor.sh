#!/usr/bin/env bash
# The default (anchor-mode) design on one GPU, in one call (~6 minutes on an H100/H200):
#   1. `benchmarks/device_choice.py` (default table fits and sampling, CPU against GPU);
#   2. the main job, `ganaug bench --device cuda --seeds $SEEDS` (default 10; the GAN arms
#      on the GPU);
#   3. the test suite (estimators left at device="auto" run on the GPU there).
# Carry .whl (imbalanced-learn 0.14.2 and sklearn-compat 0.1.6 wheels: the GPU machine
# lacks them). At most 8 files come back, so only these are kept in $OUT: gpu.txt,
# device_choice.json / .md, the bench's results.json / results.md / samples.png and
# pytest.txt. GANAUG_COMMIT (optional) names the code that ran: the device copy's git
# metadata can be the session's starting checkout.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-device_check_out}
PY=${PYTHON:-python3}
# a dry run here: DEVICE=cpu TESTS=tests/test_anchor.py XDIST= SEEDS=1 \
#   CHOICE_ARGS="--small --repeats 1 --n-sample 1000"
DEVICE=${DEVICE:-cuda}
TESTS=${TESTS:-tests}
XDIST=${XDIST--n 8}
mkdir -p "$OUT"
if ! "$PY" -c "import imblearn" 2>/dev/null; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
    export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
{
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || echo "no nvidia-smi"
    "$PY" -c "import sklearn, imblearn, torch; print('torch', torch.__version__, 'sklearn',
sklearn.__version__, 'imblearn', imblearn.__version__)"
    echo "code: ${GANAUG_COMMIT:-$(git rev-parse HEAD 2>/dev/null)}"
} 2>&1 | tee "$OUT/gpu.txt"
timeout 240 "$PY" benchmarks/device_choice.py --devices "cpu,$DEVICE" --out "$OUT" \
    ${CHOICE_ARGS:-} 2>&1 | tail -n 10
timeout 240 "$PY" -c "import sys; from ganaug.cli import main; sys.exit(main(sys.argv[1:]))" \
    bench --device "$DEVICE" --seeds "${SEEDS:-10}" --out /tmp/digits_lt_cuda --quiet 2>&1 \
    | tail -n 30
cp /tmp/digits_lt_cuda/results.json /tmp/digits_lt_cuda/results.md \
    /tmp/digits_lt_cuda/samples.png "$OUT/" 2>/dev/null
timeout ${TEST_TIMEOUT:-240} "$PY" -m pytest -q $XDIST -p no:cacheprovider $TESTS \
    > "$OUT/pytest.txt" 2>&1
echo "pytest exit $?"
tail -n 25 "$OUT/pytest.txt"

#!/usr/bin/env bash
# Measure lenet5 and best on an NVIDIA GPU under Keras's JAX backend.
#
# For a machine with JAX (or PyTorch) but no TensorFlow and no internet:
# fashionzoo is installed from this checkout without its dependencies, and
# what else it needs (keras, pooch, scikit-learn...) from the wheels in
# WHEELS (default: .whl/ in this checkout) when it is not installed already.
# The Fashion-MNIST files are read from FASHIONZOO_DATA (the four IDX .gz
# files). Results: one JSON line per run in OUT (default gpu_results.jsonl).
#
#   bash benchmarks/gpu_run.sh                   # the CPU recipes on the GPU
#   bash benchmarks/gpu_run.sh --config gpu      # the wider, longer GPU recipe
#   bash benchmarks/gpu_run.sh --dry-run         # 1 epoch, 1,000 images, any machine
set -euo pipefail
cd "$(dirname "$0")/.."
WHEELS=${WHEELS:-.whl}
OUT=${OUT:-gpu_results.jsonl}
export KERAS_BACKEND=${KERAS_BACKEND:-jax}
if ! python3 -c "import fashionzoo" 2>/dev/null; then
  site=${SITE:-/tmp/fashionzoo-site}
  needed=()
  for module in keras pooch sklearn joblib matplotlib h5py; do
    python3 -c "import $module" 2>/dev/null || needed+=("$module")
  done
  if [ ${#needed[@]} -gt 0 ]; then
    [ -d "$WHEELS" ] || { echo "missing: ${needed[*]} and no wheels in $WHEELS" >&2; exit 1; }
    python3 -m pip install -q --no-index --no-deps --target "$site" "$WHEELS"/*.whl
  fi
  python3 -m pip install -q --no-deps --no-build-isolation --target "$site" . \
    || python3 -m pip install -q --no-deps --target "$site" .
  export PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}"
fi
python3 benchmarks/gpu_run.py --out "$OUT" "$@"

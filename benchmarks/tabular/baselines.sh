#!/usr/bin/env bash
# Runs the scikit-learn baselines of the tabular suite with Debian's python3-sklearn, installing it if missing
# (a benchmark, not a test). Usage, from anywhere: bash benchmarks/tabular/baselines.sh [--splits 10] [--out FILE]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
if ! /usr/bin/python3 -c "import sklearn" 2>/dev/null; then
  echo "baselines: installing Debian's python3-sklearn" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 python3-sklearn >/dev/null
fi
cd "$repo"
OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}" \
  exec /usr/bin/python3 benchmarks/tabular/baselines.py --root "$repo" "$@"

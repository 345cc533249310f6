#!/usr/bin/env bash
# nice-perf, the side-by-side benchmark of issue 16. Installs what it needs first (idempotent):
#   - Debian's PyTorch (python3-torch; 1.13.1 on Debian 12) with apt, if /usr/bin/python3 cannot import torch;
#   - OpenBLAS (Debian's libopenblas0-openmp) unpacked into out/perf-deps with apt-get download + dpkg-deb -x, loaded
#     by the PyTorch process only through LD_LIBRARY_PATH (the system's default BLAS is never changed);
#   - OPENBLAS_CORETYPE when OpenBLAS does not know this CPU and falls back to its generic "Prescott" kernels.
# Usage: bash benchmarks/perf/perf.sh compare [--threads 2,1] [--rounds 3] [--parts train,score,gemm] ...
#        bash benchmarks/perf/perf.sh threads [--tasks tabular,fashion] [--rounds 3] [--busy 2]
#        bash benchmarks/perf/perf.sh <any nice-perf command and options>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache="${NICE_PERF_CACHE:-$root/out/perf-deps}"
cmd="${1:-compare}"; [ $# -gt 0 ] && shift

if ! /usr/bin/python3 -c "import torch, numpy" 2>/dev/null; then
  echo "perf: installing Debian's python3-torch (apt)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-torch >/dev/null
fi
ob="$cache/openblas/usr/lib/x86_64-linux-gnu/openblas-openmp"
if [ ! -e "$ob/libblas.so.3" ]; then
  echo "perf: unpacking Debian's libopenblas0-openmp into $cache/openblas (for the PyTorch process only)"
  mkdir -p "$cache"
  (cd "$cache" && rm -f libopenblas0-openmp_*.deb && apt-get download libopenblas0-openmp 2>/dev/null \
     && dpkg-deb -x libopenblas0-openmp_*.deb openblas)
fi
core="${OPENBLAS_CORETYPE:-}"
if [ -z "$core" ]; then
  detected=$(LD_LIBRARY_PATH="$ob" /usr/bin/python3 -c "import ctypes, torch; o=ctypes.CDLL('libopenblas.so.0'); o.openblas_get_corename.restype=ctypes.c_char_p; print(o.openblas_get_corename().decode())")
  if [ "$detected" = "Prescott" ]; then
    flags=$(grep -m1 '^flags' /proc/cpuinfo)
    case "$flags" in
      *avx512_bf16*) core=COOPERLAKE ;;
      *avx512f*) core=SKYLAKEX ;;
      *avx2*) core=HASWELL ;;
    esac
    echo "perf: OpenBLAS $(basename "$(readlink -f "$ob/libopenblas.so.0")") does not know this CPU ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)) and picked its generic Prescott kernels; using OPENBLAS_CORETYPE=${core:-none}"
  else
    echo "perf: OpenBLAS picked its $detected kernels for this CPU"
  fi
fi

if [ "$cmd" = threads ] && [ ! -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  bash "$root/scripts/prereqs.sh" --fashion-mnist
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if ! out=$(dotnet build "$here/Nice.MLNet.Perf/Nice.MLNet.Perf.csproj" -c Release -v q -nologo 2>&1); then
  echo "$out" >&2; echo "perf: build failed" >&2; exit 1
fi
exe="$here/Nice.MLNet.Perf/bin/Release/net10.0/nice-perf"
cd "$root"
case "$cmd" in
  compare) exec "$exe" compare --openblas "$ob" --openblas-core "$core" "$@" ;;
  threads) exec bash "$here/threads.sh" "$exe" "$@" ;;
  *) exec "$exe" "$cmd" "$@" ;;
esac

#!/usr/bin/env bash
# A/B of the forward graph's column layout (GraphLayout, commit 2056f28) on bare ONNX Runtime: the graph a build of
# the library before it (BEFORE, default 18be65d) exports vs the one this checkout exports, for the same model shape,
# scored alternately by the same InferenceSession code (nice-perf score --engine ort --onnx FILE).
# Usage: bash benchmarks/perf/graph-ab.sh [--width 16 --hidden 1] [--threads "1 2"] [--rounds 3] [--rows 5120]
# (the paper-size model is --width 1000 --hidden 5). Needs what ./run.sh perf sets up (run it once first).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
width=16 hidden=1 threads="1 2" rounds=3 rows=5120 before=${BEFORE:-18be65d}
while [ $# -gt 0 ]; do
  case "$1" in
    --width) width=$2; shift 2 ;; --hidden) hidden=$2; shift 2 ;; --threads) threads=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;; --rows) rows=$2; shift 2 ;;
    *) echo "graph-ab: unknown option $1" >&2; exit 2 ;;
  esac
done
exe=benchmarks/perf/Nice.MLNet.Perf/bin/Release/net10.0/nice-perf
work=out/graph-ab-$width-$hidden
dotnet build benchmarks/perf/Nice.MLNet.Perf/Nice.MLNet.Perf.csproj -c Release -v q -nologo >/dev/null
# The model, its rows and the graph this checkout writes.
[ -e "$work/model.zip" ] || "$exe" compare --parts score --work "$work" --width "$width" --hidden "$hidden" \
  --threads 1 --rounds 1 --score-rows "$rows" --train-rows "$rows" --reps 1 >/dev/null
"$exe" export-onnx --work "$work" --out "$work/graph-after.onnx"
# The graph the library at $before writes for the same shape (its workspace fits the same seeded model on the same
# seeded rows), from a throwaway worktree.
if [ ! -e "$work/graph-before.onnx" ]; then
  tree=$(mktemp -d)/before
  git worktree add --detach "$tree" "$before" >/dev/null
  dotnet build "$tree/benchmarks/perf/Nice.MLNet.Perf/Nice.MLNet.Perf.csproj" -c Release -v q -nologo >/dev/null
  (cd "$tree" && "$tree/$exe" compare --parts score --work ws --width "$width" --hidden "$hidden" --threads 1 \
    --rounds 0 --score-rows "$rows" --train-rows "$rows" >/dev/null)
  cp "$tree/ws/model.onnx" "$work/graph-before.onnx"
  git worktree remove --force "$tree"
fi
echo "graph-ab: D = 784, 4 couplings x $hidden x $width; $(uptime)"
for t in $threads; do
  for r in $(seq "$rounds"); do
    for g in before after; do
      echo "threads $t round $r $g: $("$exe" score --work "$work" --width "$width" --hidden "$hidden" --engine ort \
        --onnx "$work/graph-$g.onnx" --threads "$t" --rows "$rows" --reps 3 | grep -o '"rows_per_s":\[[^]]*\]')"
    done
  done
done
echo "graph-ab: done; $(uptime)"

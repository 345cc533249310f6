#!/usr/bin/env bash
# The thread-collapse experiment of issue 16 §2: each fit in a process of its own, with N busy processes beside it or none,
# for each thread setting, the order rotating between rounds. Called by perf.sh threads; prints one line per fit, then medians.
#   settings: "default" (the library's own choice: NiceOptions.Threads = 0, i.e. 1 thread for small GEMMs, else the
#   cores, with OMP_WAIT_POLICY=PASSIVE set by the library), a number (NiceOptions.Threads = N), with "+spin" =
#   GOMP_SPINCOUNT=300000 in the environment (libgomp's own default spinning; the library then leaves the wait policy
#   alone: "2+spin" is how the library trained before phase 2), "+passive" = OMP_WAIT_POLICY=PASSIVE in the environment,
#   "+inproc" = the same set by the process itself with libc setenv.
set -euo pipefail
exe="$1"; shift
tasks=tabular,fashion; rounds=3; busy=2; settings="default,1,2,2+spin"; loads="idle,busy"; extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tasks) tasks="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --busy) busy="$2"; shift 2 ;;
    --settings) settings="$2"; shift 2 ;;
    --loads) loads="$2"; shift 2 ;;
    *) extra+=("$1"); shift ;;
  esac
done
pids=()
stop_busy() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; pids=(); }
trap stop_busy EXIT
start_busy() { for _ in $(seq "$busy"); do bash -c 'while :; do :; done' & pids+=($!); done; sleep 1; }
results=$(mktemp)
IFS=, read -r -a T <<< "$tasks"; IFS=, read -r -a S <<< "$settings"; IFS=, read -r -a L <<< "$loads"
echo "threads experiment on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; busy = $busy busy-loop processes; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for task in "${T[@]}"; do
  for load in "${L[@]}"; do
    [ "$load" = busy ] && start_busy
    for r in $(seq 0 $((rounds - 1))); do
      n=${#S[@]}
      for i in $(seq 0 $((n - 1))); do
        s=${S[$(( (i + r) % n ))]}
        threads=${s%%+*}
        env_args=(-u OMP_NUM_THREADS -u MKL_NUM_THREADS)
        [[ "$s" == *+passive* ]] && env_args+=(OMP_WAIT_POLICY=PASSIVE)
        [[ "$s" == *+spin* ]] && env_args+=(GOMP_SPINCOUNT=300000)
        wp=(); [[ "$s" == *+inproc* ]] && wp=(--wait-policy PASSIVE)
        line=$(env "${env_args[@]}" "$exe" threads --task "$task" --threads "$threads" "${wp[@]}" "${extra[@]}" | grep '^RESULT ')
        secs=$(echo "$line" | sed -E 's/.*"fit_seconds":([0-9.]+).*/\1/')
        printf '%-8s %-5s round %d  %-16s fit %8.2f s   %s\n' "$task" "$load" $((r + 1)) "$s" "$secs" "$(echo "$line" | sed -E 's/.*"load":"([^"]*)".*/load \1/')"
        echo "$task $load $s $secs" >> "$results"
      done
    done
    [ "$load" = busy ] && stop_busy
  done
done
echo
echo "median fit seconds:"
python3 - "$results" <<'PY'
import sys, statistics, collections
d = collections.defaultdict(list)
for line in open(sys.argv[1]):
    t, l, s, v = line.split(); d[(t, l, s)].append(float(v))
for t in dict.fromkeys(k[0] for k in d):
    for l in dict.fromkeys(k[1] for k in d if k[0] == t):
        cells = {s: statistics.median(v) for (tt, ll, s), v in d.items() if tt == t and ll == l}
        best = min(cells.values())
        print(f"  {t:8} {l:5} " + "  ".join(f"{s}: {m:.2f} s ({m / best:.2f}x best)" for s, m in cells.items()))
PY
rm -f "$results"

#!/usr/bin/env bash
# One entry point for a new machine: installs what is missing (idempotently), then runs.
#   ./run.sh quickstart [options]   train NICE on the embedded digits (or your data) — the main job
#   ./run.sh test                   the test suite (what CI runs; installs Fashion-MNIST for the image tests)
#   ./run.sh <command> [options]    any other command; ./run.sh help lists them, ./run.sh <command> --help its options
# The commands run where you stand: relative paths (--data my.csv, --out dir) are yours, not the repository's.
# The programs are built only when a source file is newer than the last build; then the built dll runs directly.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cmd="${1:-help}"; [ $# -gt 0 ] && shift
needs=()
case "$cmd" in
  test|density|anomaly|images|flows|bench-train) needs+=(--fashion-mnist) ;;
esac
bash "$repo/scripts/prereqs.sh" "${needs[@]}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 NICE_CLI_NAME=./run.sh

cli="$repo/src/Nice.MLNet.Cli/bin/Release/net10.0/nice.dll"
bench="$repo/benchmarks/Nice.MLNet.Benchmarks/bin/Release/net10.0/Nice.MLNet.Benchmarks.dll"
stamp="$repo/benchmarks/Nice.MLNet.Benchmarks/bin/Release/net10.0/.run.sh-built"

# Builds the CLI and the benchmarks (one build: the benchmarks reference the CLI) when a program is missing or a
# source, project or build file changed since the last build by this script.
build_if_stale() {
  local changed=""
  if [ -f "$cli" ] && [ -f "$bench" ] && [ -f "$stamp" ]; then
    changed="$(find "$repo/src" "$repo/benchmarks/Nice.MLNet.Benchmarks" "$repo/build" "$repo/Directory.Build.props" \
      \( -name bin -o -name obj \) -prune -o -type f -newer "$stamp" -print -quit)"
    [ -z "$changed" ] && return 0
  fi
  echo "run.sh: building (${changed:-first build})" >&2
  local log; log="$(mktemp)"
  if ! dotnet build "$repo/benchmarks/Nice.MLNet.Benchmarks/Nice.MLNet.Benchmarks.csproj" -c Release -nologo -v q -nodeReuse:false >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"; exit 1
  fi
  rm -f "$log"
  touch "$stamp"
}

case "$cmd" in
  test)
    exec dotnet test "$repo/Nice.MLNet.sln" -c Release "$@" ;;
  help|--help|-h)
    build_if_stale
    echo "usage: ./run.sh COMMAND [options]     (./run.sh COMMAND --help lists a command's options)"
    echo
    echo "commands:"
    printf '  %-14s %s\n' test "The test suite (dotnet test; what CI runs)."
    printf '  %-14s %s\n' notebooks "Pack the library, run the notebooks in the .NET Interactive kernel, save their outputs."
    dotnet "$cli" --list-commands
    echo
    echo "benchmarks of the engine's internals (benchmarks/Nice.MLNet.Benchmarks/README.md):"
    dotnet "$bench" --list-commands ;;
  bench-train|bench-score|bench-memory)
    build_if_stale
    exec dotnet "$bench" "$cmd" "$@" ;;
  notebooks)   # pack the library, run each notebook in the .NET Interactive C# kernel, write its outputs back
    exec dotnet run --project "$repo/tools/NotebookRunner" -c Release -- --pack --write "$repo"/notebooks/*.ipynb "$@" ;;
  *)
    build_if_stale
    exec dotnet "$cli" "$cmd" "$@" ;;
esac

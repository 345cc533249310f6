#!/usr/bin/env bash
# One entry point for a new machine: installs what is missing (idempotently), then runs.
#   ./run.sh quickstart [options]   train NICE on the embedded digits (or your data) — the main job
#   ./run.sh test                   the test suite (what CI runs; installs Fashion-MNIST for the image tests)
#   ./run.sh <command> [options]    any other Nice.MLNet.Cli command (./run.sh help lists them)
set -euo pipefail
cd "$(dirname "$0")"
cmd="${1:-help}"; [ $# -gt 0 ] && shift
needs=()
case "$cmd" in
  test|density|anomaly|images|flows|bench-train) needs+=(--fashion-mnist) ;;
esac
bash scripts/prereqs.sh "${needs[@]}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
case "$cmd" in
  test)
    exec dotnet test Nice.MLNet.sln -c Release "$@" ;;
  notebooks)   # pack the library, run each notebook in the .NET Interactive C# kernel, write its outputs back
    exec dotnet run --project tools/NotebookRunner -c Release -- --pack --write notebooks/*.ipynb "$@" ;;
  *)
    exec dotnet run --project src/Nice.MLNet.Cli -c Release -- "$cmd" "$@" ;;
esac

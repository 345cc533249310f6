#!/usr/bin/env bash
# What a scoring-only deployment of Nice.MLNet weighs: publishes benchmarks/perf/NiceNoTorch (Nice.MLNet + ONNX
# Runtime's native package, no libtorch) for linux-x64, framework-dependent, once as it is and once with the libtorch
# CPU package added (-p:WithLibTorch=true), and prints both sizes. With a model zip as $1, the scoring-only build
# scores it (mlContext.Model.LoadNice) and says whether libtorch was loaded.
# Usage: bash benchmarks/perf/deploy-size.sh [MODEL.zip]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/out/perf/deploy"
rid="${RID:-linux-x64}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
for kind in scoring-only with-libtorch; do
  flag=false; [ "$kind" = with-libtorch ] && flag=true
  rm -rf "$out/$kind"
  if ! log=$(dotnet publish "$here/NiceNoTorch/NiceNoTorch.csproj" -c Release -r "$rid" --self-contained false \
      -p:WithLibTorch=$flag -o "$out/$kind" -nologo -v q 2>&1); then
    echo "$log" >&2; echo "deploy-size: publish failed ($kind)" >&2; exit 1
  fi
  # The project's obj/ is shared by both publishes; restore again for the next one.
  rm -rf "$here/NiceNoTorch/obj"
  size=$(du -sh "$out/$kind" | cut -f1)
  biggest=$(cd "$out/$kind" && ls -S | head -3 | while read -r f; do printf '%s %s, ' "$f" "$(du -h "$f" | cut -f1)"; done)
  echo "$kind ($rid, framework-dependent): $size in $out/$kind — largest files: ${biggest%, }"
done
if [ $# -gt 0 ]; then
  echo "scoring-only build on $1:"
  dotnet "$out/scoring-only/nice-no-torch.dll" "$1"
fi

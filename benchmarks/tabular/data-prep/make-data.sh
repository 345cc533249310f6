#!/usr/bin/env bash
# Rebuilds data/tabular/*/*.csv.gz from the Debian packages that ship them (run once; the results are committed).
# Needs apt-get download (any Debian 12 machine), Rscript (r-base-core) for the R packages' .rda files, and python3.
#   bash benchmarks/tabular/data-prep/make-data.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; repo="$(cd "$here/../../.." && pwd)"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cd "$work"
pkgs=(python3-sklearn r-cran-kernlab r-cran-caret r-cran-rrcov r-cran-mass weka)
apt-get download "${pkgs[@]}" >/dev/null
for f in *.deb; do mkdir -p x; dpkg-deb -x "$f" x; done
ls *.deb
command -v Rscript >/dev/null || { echo "make-data: Rscript is missing (apt-get install --no-install-recommends r-base-core)" >&2; exit 1; }
Rscript "$here/export.R" "$work/x" "$work/csv"
python3 "$here/make_data.py" "$work/x" "$work/csv" "$repo/data/tabular"

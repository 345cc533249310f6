#!/usr/bin/env bash
# Final report. nice-proposed = the conditional rule assembled from the runs that implement it for each task:
# n >= D and n <= 1000: covariance-shaped smoothing (rule-c) where it ran (crabs), else isotropic rule-a rows;
# n < D (musk) or n > 1000 (spam): no smoothing (rule-j0).
cd "$(dirname "$0")/../.."
R=out/tabular/runs
{ echo "task,split,train_digest,method,auroc,dr5,fpr,seconds,calibration_rows,notes"
  cat $R/final-a-*.csv | grep -v "^task" | grep -v "^musk\|^spam\|^crabs" | sed 's/,nice-rule-a,/,nice-proposed,/'
  cat $R/probe-c-crabs-*.csv | grep "^crabs" | sed 's/,nice-rule-c,/,nice-proposed,/'
  cat $R/probe-j0-musk.csv $R/probe-j0-spam.csv $R/rule-j0-*.csv 2>/dev/null | grep "^musk\|^spam" | sed 's/,nice-rule-j0,/,nice-proposed,/'
} > $R/composite-proposed.csv
F=out/tabular/baselines.csv,$(ls $R/today-cancer*.csv $R/final-a*.csv $R/today-default.csv $R/composite-proposed.csv | tr '\n' ',' | sed 's/,$//')
dotnet run -c Release --project benchmarks/tabular -- report --files $F

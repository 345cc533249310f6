"""Paired bootstrap of the one-class AUROC gap between two methods of `probe-subspace` (scores dumped with
PROBE_SCORES=DIR): per resample, the test rows are drawn with replacement (the same rows for both methods and every
class), and the gap is the mean over classes of AUROC(b) - AUROC(a). Prints each class's AUROC under both and the gap, both methods' mean AUROC, the mean gap, its
bootstrap standard error and 95% interval, and the classes where b is ahead.

usage: python3 paired_bootstrap.py DIR METHOD_A METHOD_B [--resamples 1000] [--fashion-dir /usr/share/datasets/fashion-mnist]
"""
import argparse, gzip, os
import numpy as np

p = argparse.ArgumentParser()
p.add_argument("dir"); p.add_argument("a"); p.add_argument("b")
p.add_argument("--resamples", type=int, default=1000)
p.add_argument("--fashion-dir", default="/usr/share/datasets/fashion-mnist")
args = p.parse_args()
with gzip.open(os.path.join(args.fashion_dir, "t10k-labels-idx1-ubyte.gz")) as f:
    labels = np.frombuffer(f.read()[8:], dtype=np.uint8)

def auroc(score, anomaly, weight):
    # AUROC with row weights (bootstrap counts): P(score of an anomaly > score of a normal), ties count half.
    order = np.argsort(score, kind="mergesort")
    s, y, w = score[order], anomaly[order], weight[order]
    _, start, counts = np.unique(s, return_index=True, return_counts=True)
    wn = np.add.reduceat(w * (~y), start); wa = np.add.reduceat(w * y, start)
    below = np.concatenate([[0], np.cumsum(wn)[:-1]])
    return float(np.sum(wa * (below + 0.5 * wn)) / (wn.sum() * wa.sum()))

classes = sorted(int(f[5:f.index("-")]) for f in os.listdir(args.dir) if f.endswith(f"-{args.a}.f64")
                 and os.path.exists(os.path.join(args.dir, f.replace(f"-{args.a}.f64", f"-{args.b}.f64"))))
scores = {c: [np.fromfile(os.path.join(args.dir, f"class{c}-{m}.f64"), dtype="<f8") for m in (args.a, args.b)]
          for c in classes}
one = np.ones(len(labels))
aucs = {c: [auroc(s, labels != c, one) for s in scores[c]] for c in classes}
gaps = {c: aucs[c][1] - aucs[c][0] for c in classes}
rng = np.random.default_rng(0)
boot = []
for _ in range(args.resamples):
    w = np.bincount(rng.integers(0, len(labels), len(labels)), minlength=len(labels)).astype(float)
    boot.append(np.mean([auroc(scores[c][1], labels != c, w) - auroc(scores[c][0], labels != c, w) for c in classes]))
boot = np.array(boot)
print(f"{args.b} - {args.a}, {len(classes)} classes, {len(labels)} test rows, {args.resamples} paired resamples")
for c in classes:
    print(f"  class {c}: {aucs[c][0]:.5f} -> {aucs[c][1]:.5f}, {gaps[c]:+.5f}")
print(f"  mean AUROC {args.a} {np.mean([a[0] for a in aucs.values()]):.5f}, "
      f"{args.b} {np.mean([a[1] for a in aucs.values()]):.5f}")
mean = np.mean(list(gaps.values()))
lo, hi = np.percentile(boot, [2.5, 97.5])
print(f"  mean gap {mean:+.5f}, bootstrap s.e. {boot.std(ddof=1):.5f}, 95% interval [{lo:+.5f}, {hi:+.5f}], "
      f"ahead on {sum(g > 0 for g in gaps.values())} of {len(classes)} classes")

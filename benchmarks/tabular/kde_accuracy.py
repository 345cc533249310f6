"""How exact is scikit-learn's KernelDensity on the suite? Its log-densities beside the exact Gaussian kernel density.

Usage (repository root, Debian's python3-sklearn; benchmarks/tabular/baselines.sh installs it):
    /usr/bin/python3 benchmarks/tabular/kde_accuracy.py [--tasks musk] [--splits 10]

For each split (the protocol of baselines.py, whose loading, splitting and standardizing it imports) it fits the
baseline's KernelDensity (Gaussian kernel, Scott's bandwidth n^(-1/(D+4)), default algorithm, atol = rtol = 0: exact by
its documentation) and computes the same density directly: log p(x) = logsumexp_i(-|x - x_i|^2 / 2h^2) - log n -
D log h - D/2 log 2 pi, in float64. Prints the AUROC of each and the range of their difference in nats over the
test rows (0 for an exact tree).
"""
import argparse, importlib.util, os

try:
    import numpy as np
    from scipy.special import logsumexp
    from sklearn.metrics import roc_auc_score
    from sklearn.neighbors import KernelDensity
except ImportError as e:
    raise SystemExit(f"kde_accuracy.py: {e}. It needs Debian's python3-sklearn under /usr/bin/python3: run "
                     "'bash benchmarks/tabular/baselines.sh' once (it installs it), or "
                     "'apt-get install python3-sklearn'.")

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("baselines", os.path.join(here, "baselines.py"))
bl = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bl)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tasks", default="musk")
    p.add_argument("--splits", type=int, default=10)
    a = p.parse_args()
    root = os.path.dirname(os.path.dirname(here))
    tasks = [l.strip().split(",") for l in open(os.path.join(here, "tasks.csv")).read().splitlines()[1:] if l.strip()]
    for name, file, fmt in ((t[0].strip(), t[1].strip(), t[2].strip()) for t in tasks):
        if name not in a.tasks.split(","):
            continue
        x, anomaly = bl.load(root, file, fmt)
        tree, exact = [], []
        for s in range(a.splits):
            train, test = bl.split(x, anomaly, s)
            tr, te = bl.standardize(x[train], x[test])
            labels = anomaly[test].astype(int)
            n, d = tr.shape
            h = n ** (-1.0 / (d + 4))
            sk = KernelDensity(kernel="gaussian", bandwidth=h).fit(tr).score_samples(te)
            d2 = ((te[:, None, :] - tr[None, :, :]) ** 2).sum(-1)
            ex = logsumexp(-d2 / (2 * h * h), axis=1) - np.log(n) - d * np.log(h) - 0.5 * d * np.log(2 * np.pi)
            diff = sk - ex
            tree.append(roc_auc_score(labels, -sk))
            exact.append(roc_auc_score(labels, -ex))
            print(f"{name} split {s}: AUROC scikit-learn {tree[-1]:.4f}, exact {exact[-1]:.4f}; "
                  f"scikit-learn minus exact log p: {diff.min():+.2f} to {diff.max():+.2f} nats")
        print(f"{name} mean of {a.splits}: scikit-learn {np.mean(tree):.4f}, exact {np.mean(exact):.4f}")


if __name__ == "__main__":
    main()

"""Classical anomaly detectors on the tabular suite (benchmarks/tabular/tasks.csv), on the splits the C# side uses.

Usage: python3 baselines.py [--splits 10] [--tasks wine,spam] [--out out/tabular/baselines.csv]
Run from the repository root with Debian's python3-sklearn (benchmarks/tabular/baselines.sh installs it).

Protocol (identical in TabularSplit.cs): split s (0..S-1) of a task puts the 60% of its normal rows with the
smallest key splitmix64((s << 32) | i) (i = the row's index among the normal rows, file order) in training; the
test set is the other normal rows and every anomaly, in file order. Features are standardized with the training
rows' mean and population standard deviation (a column constant in training keeps s.d. 1). Scores: higher = more
anomalous. Metrics: AUROC (ties count 1/2); DR@5%FP = fraction of anomalies strictly above the threshold that flags
at most 5% of the test normals; FPR = fraction of test normals strictly above the detector's calibrated threshold,
the (1 - 0.01) empirical quantile of its training-row scores (the rule of Nice.MLNet's ThresholdCalibration).
"""
import argparse, csv, gzip, hashlib, math, os, sys, time, warnings

import numpy as np
from sklearn.covariance import EmpiricalCovariance, LedoitWolf
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KernelDensity, LocalOutlierFactor
from sklearn.svm import OneClassSVM

MASK = (1 << 64) - 1
TRAIN_FRACTION = 0.6
REQUESTED_FPR = 0.01


def splitmix64(x):
    z = (x + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def load(root, file, fmt):
    """Rows (float64) and anomaly flags. 'tabular': header, features..., anomaly (0/1). 'wdbc': data/breast-cancer."""
    with gzip.open(os.path.join(root, file), "rt") as f:
        lines = [l.strip() for l in f if l.strip()]
    body = [l.split(",") for l in lines[1:]]
    x = np.array([[float(v) for v in r[:-1]] for r in body])
    if fmt == "wdbc":  # class 0 = malignant = anomaly
        return x, np.array([r[-1].strip() == "0" for r in body])
    return x, np.array([r[-1].strip() == "1" for r in body])


def split(x, anomaly, s):
    normal = np.flatnonzero(~anomaly)
    keys = [splitmix64((s << 32) | i) for i in range(len(normal))]
    order = sorted(range(len(normal)), key=lambda i: (keys[i], i))
    n_train = int(math.floor(TRAIN_FRACTION * len(normal)))
    train_pos = set(order[:n_train])
    train = np.array([normal[i] for i in sorted(train_pos)])
    test = np.array([normal[i] for i in range(len(normal)) if i not in train_pos] + list(np.flatnonzero(anomaly)))
    return train, test


def train_digest(train):
    """First 12 hex digits of SHA-256 over the training row indices as text 'i,j,k' (the C# side checks it)."""
    return hashlib.sha256(",".join(str(i) for i in train).encode()).hexdigest()[:12]


def standardize(train_x, test_x):
    mean = train_x.mean(0)
    sd = train_x.std(0)
    sd[~(sd > 0)] = 1.0
    return (train_x - mean) / sd, (test_x - mean) / sd


def quantile_threshold(scores, rate):
    s = np.sort(scores[~np.isnan(scores)])
    rank = int(math.ceil(len(s) * (1 - rate) - 1e-9))
    return s[min(max(rank - 1, 0), len(s) - 1)]


def metrics(test_scores, labels, train_scores):
    normal, anomalies = test_scores[labels == 0], test_scores[labels == 1]
    auroc = roc_auc_score(labels, test_scores)
    dr = float(np.mean(anomalies > quantile_threshold(normal, 0.05)))
    fpr = float(np.mean(normal > quantile_threshold(train_scores, REQUESTED_FPR)))
    return auroc, dr, fpr


def gmm_bic(a, seed):
    best = None
    for cov in ("full", "diag"):
        for k in range(1, 9):
            if k > len(a) // 2:
                break
            try:
                g = GaussianMixture(k, covariance_type=cov, random_state=seed, reg_covar=1e-6).fit(a)
            except (ValueError, np.linalg.LinAlgError):
                continue
            bic = g.bic(a)
            if best is None or bic < best[0]:
                best = (bic, g)
    return best[1]


def detectors(seed):
    """name -> fit(train) returning a scorer (higher = more anomalous)."""
    def kde(a):
        m = KernelDensity(kernel="gaussian", bandwidth=len(a) ** (-1.0 / (a.shape[1] + 4))).fit(a)  # Scott
        return lambda b: -m.score_samples(b)

    def iforest(a):
        m = IsolationForest(random_state=seed).fit(a)
        return lambda b: -m.score_samples(b)

    def lof(a):
        m = LocalOutlierFactor(novelty=True).fit(a)
        return lambda b: -m.score_samples(b)

    def ocsvm(a):
        m = OneClassSVM().fit(a)  # RBF, gamma 'scale', nu 0.5
        return lambda b: -m.score_samples(b)

    def gmm(a):
        m = gmm_bic(a, seed)
        return lambda b: -m.score_samples(b)

    def maha(a):
        m = EmpiricalCovariance().fit(a)  # pseudo-inverse when singular
        return lambda b: m.mahalanobis(b)

    def maha_lw(a):
        m = LedoitWolf().fit(a)
        return lambda b: m.mahalanobis(b)

    return {"KDE": kde, "IForest": iforest, "LOF": lof, "OCSVM": ocsvm, "GMM": gmm, "Mahalanobis": maha,
            "MahalanobisLW": maha_lw}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--splits", type=int, default=10)
    p.add_argument("--tasks", default="")
    p.add_argument("--root", default=".")
    p.add_argument("--out", default="out/tabular/baselines.csv")
    args = p.parse_args()
    warnings.filterwarnings("ignore")
    tasks = list(csv.DictReader(open(os.path.join(args.root, "benchmarks/tabular/tasks.csv"))))
    if args.tasks:
        wanted = args.tasks.split(",")
        tasks = [t for t in tasks if t["name"] in wanted]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["task", "split", "train_digest", "method", "auroc", "dr5", "fpr", "seconds"])
        for t in tasks:
            x, anomaly = load(args.root, t["file"], t["format"])
            for s in range(args.splits):
                train, test = split(x, anomaly, s)
                a, b = standardize(x[train], x[test])
                labels = anomaly[test].astype(int)
                digest = train_digest(train)
                for name, fit in detectors(s).items():
                    start = time.time()
                    score = fit(a)
                    auroc, dr, fpr = metrics(score(b), labels, score(a))
                    w.writerow([t["name"], s, digest, name, f"{auroc:.6f}", f"{dr:.6f}", f"{fpr:.6f}",
                                f"{time.time() - start:.3f}"])
                f.flush()
            print(f"{t['name']}: {len(x)} rows x {x.shape[1]}, {args.splits} splits done", file=sys.stderr)
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()

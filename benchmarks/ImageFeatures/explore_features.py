#!/usr/bin/env python3
"""Cheap exploration on cached ResNet-18 embeddings (issue 17): feature transform x Gaussian density -> one-class AUROC.

Protocol (the repo's, benchmarks/ImageFeatures OneClassBench.Fashion): for each class c, train on the cached training
embeddings with label c (first 25,728 training images cached -> 2,522-2,625 per class), test on all 10,000 test
embeddings, anomaly = label != c, score = -log p (or a distance), AUROC with anomalies positive.

Cache layout (EmbeddingCache.cs): N x 512 float32 little-endian, row after row, no header. Labels: Debian's
dataset-fashion-mnist IDX files (/usr/share/datasets/fashion-mnist/*-labels-idx1-ubyte.gz), row i = image i.

All Gaussians of the form (1-a) S + a mu I or S + eps I share S's eigenvectors, so each (class, transform) needs one
eigendecomposition and one projection of the test rows; each covariance estimator is then a reweighting of squared
projections. Run with OMP_NUM_THREADS=1 (reference BLAS here, ~2.4 GFLOP/s).
"""
import argparse, gzip, struct, sys, time
import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.covariance import ledoit_wolf_shrinkage
from sklearn.mixture import GaussianMixture

EMB = "out/embeddings"  # the cache ./run.sh anomaly --dataset fashion-features fills; --embeddings DIR
FASHION = "/usr/share/datasets/fashion-mnist"
CLASSES = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot"]


def labels(split):
    with gzip.open(f"{FASHION}/{split}-labels-idx1-ubyte.gz") as f:
        b = f.read()
    magic, n = struct.unpack(">II", b[:8])
    assert magic == 0x801, magic
    return np.frombuffer(b[8:], dtype=np.uint8)[:n]


def embeddings(name):
    x = np.fromfile(f"{EMB}/fashion-{name}.resnet18.f32", dtype="<f4")  # EMB: set from --embeddings in main
    assert x.size % 512 == 0
    return x.reshape(-1, 512).astype(np.float64)


def l2(x):
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


# transforms: (name, fn(train_rows, test_rows) -> (train, test)); fitted on the class's training rows only
def t_raw(a, b): return a, b
def t_rawl2(a, b): return l2(a), l2(b)
def t_sqrt(a, b): return np.sqrt(np.maximum(a, 0)), np.sqrt(np.maximum(b, 0))
def t_sqrtl2(a, b): return l2(np.sqrt(np.maximum(a, 0))), l2(np.sqrt(np.maximum(b, 0)))
def t_sqrtstd(a, b):  # the phase-1 benchmark's "sqrt": sqrt then per-dimension standardization
    a, b = t_sqrt(a, b)
    m, s = a.mean(0), np.maximum(a.std(0), 1e-6)
    return (a - m) / s, (b - m) / s


TRANSFORMS = {"raw": t_raw, "raw+L2": t_rawl2, "sqrt": t_sqrt, "sqrt+L2": t_sqrtl2, "sqrt+std": t_sqrtstd}


def oas_shrinkage(ev, n):
    """Oracle Approximating Shrinkage (Chen, Wiesel, Eldar & Hero 2010, eq. 23) from the eigenvalues of S."""
    p = ev.size
    tr, tr2 = ev.sum(), (ev ** 2).sum()
    num = (1 - 2.0 / p) * tr2 + tr ** 2
    den = (n + 1 - 2.0 / p) * (tr2 - tr ** 2 / p)
    return 1.0 if den <= 0 else min(num / den, 1.0)


def gaussian_scores(xtr, xte, ks, ridges):
    """Mahalanobis-type scores (rank like -log p) for several covariance estimators sharing S's eigenvectors."""
    n, d = xtr.shape
    mean = xtr.mean(0)
    c = xtr - mean
    S = c.T @ c / n
    ev, V = np.linalg.eigh(S)
    ev, V = ev[::-1].clip(min=0), V[:, ::-1]
    p = (xte - mean) @ V              # test projections on eigenvectors, descending eigenvalue
    p2 = p ** 2
    mu = ev.mean()
    out, notes = {}, {}
    a_lw = ledoit_wolf_shrinkage(c, assume_centered=True)
    out["gauss-LW"] = p2 @ (1.0 / ((1 - a_lw) * ev + a_lw * mu)); notes["gauss-LW"] = a_lw
    a_oas = oas_shrinkage(ev, n)
    out["gauss-OAS"] = p2 @ (1.0 / ((1 - a_oas) * ev + a_oas * mu)); notes["gauss-OAS"] = a_oas
    for r in ridges:                  # empirical S + r * mean-eigenvalue * I
        out[f"gauss-ridge{r:g}"] = p2 @ (1.0 / (ev + r * mu))
    for k in ks:
        # PCA to k dims, then a Gaussian (Ledoit-Wolf) in that subspace (covariance there is diag(ev[:k]))
        pk = c @ V[:, :k]
        a = ledoit_wolf_shrinkage(pk, assume_centered=True)
        lam = (1 - a) * ev[:k] + a * ev[:k].mean()
        out[f"pca{k}+gauss-LW"] = p2[:, :k] @ (1.0 / lam); notes[f"pca{k}+gauss-LW"] = a
        # probabilistic PCA (Tipping & Bishop): top-k Gaussian + isotropic residual; -log p up to constants
        sigma2 = max(ev[k:].mean(), 1e-12)
        resid = (np.sum((xte - mean) ** 2, axis=1) - p2[:, :k].sum(1)) / sigma2
        out[f"ppca{k}"] = p2[:, :k] @ (1.0 / ev[:k]) + resid
    return out, notes, (mean, V, (1 - a_lw) * ev + a_lw * mu)


def knn_scores(xtr, xte, ks):
    """Euclidean kNN distance (mean of the k nearest) on rows; for unit-length rows this is cosine distance."""
    d2 = (xte ** 2).sum(1)[:, None] + (xtr ** 2).sum(1)[None, :] - 2 * xte @ xtr.T
    d2 = np.maximum(d2, 0)
    part = np.partition(d2, max(ks) - 1, axis=1)[:, :max(ks)]
    part.sort(axis=1)
    return {f"kNN{k}": np.sqrt(part[:, :k]).mean(1) for k in ks}


def gmm_scores(xtr, xte, mean, V, lam, k, comps, seed):
    """GMM (full covariance) on the top-k PCA coordinates; components chosen by BIC; also each fixed count.
    '+res' adds the Gaussian on the other 512-k PCA coordinates (the full Gaussian's own block, eigenvalues lam shrunk
    by Ledoit-Wolf): the full Gaussian is block-diagonal in this basis, so gmm1+res is (nearly) the full Gaussian and
    gmmM+res replaces only its top-k block by a mixture -- a model that contains the Gaussian."""
    ztr, zte = (xtr - mean) @ V[:, :k], (xte - mean) @ V[:, :k]
    res = 0.5 * (((xte - mean) @ V[:, k:]) ** 2) @ (1.0 / lam[k:])
    fits = {}
    for m in comps:
        g = GaussianMixture(m, covariance_type="full", reg_covar=1e-6 * float(ztr.var(0).mean()),
                            n_init=1, max_iter=200, random_state=seed).fit(ztr)
        fits[m] = (g.bic(ztr), -g.score_samples(zte))
    best = min(fits, key=lambda m: fits[m][0])
    out = {f"pca{k}+gmmBIC": fits[best][1], f"pca{k}+gmmBIC+res": fits[best][1] + res}
    for m in comps:
        out[f"pca{k}+gmm{m}"] = fits[m][1]
        out[f"pca{k}+gmm{m}+res"] = fits[m][1] + res
    return out, best


def main():
    global EMB
    ap = argparse.ArgumentParser()
    ap.add_argument("--classes", default="0-9")
    ap.add_argument("--embeddings", default=EMB)
    ap.add_argument("--transforms", default=",".join(TRANSFORMS))
    ap.add_argument("--pca", default="64,128,256")
    ap.add_argument("--ridges", default="0.001,0.01,0.1")
    ap.add_argument("--knn", default="1,5")
    ap.add_argument("--gmm-dims", default="32,64,128")
    ap.add_argument("--gmm-comps", default="1,2,3,4,6,8")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    EMB = a.embeddings
    lo, hi = (int(v) for v in a.classes.split("-")) if "-" in a.classes else (int(a.classes),) * 2
    classes = list(range(lo, hi + 1))
    ks = [int(v) for v in a.pca.split(",") if v]
    ridges = [float(v) for v in a.ridges.split(",") if v]
    knn = [int(v) for v in a.knn.split(",") if v]
    gdims = [int(v) for v in a.gmm_dims.split(",") if v]
    comps = [int(v) for v in a.gmm_comps.split(",") if v]
    clock = time.time()
    xtr_all, xte_all = embeddings("train"), embeddings("t10k")
    ytr, yte = labels("train")[: len(xtr_all)], labels("t10k")
    assert len(xte_all) == len(yte) == 10000
    print(f"cache: {len(xtr_all)} train rows, {len(xte_all)} test rows; per class "
          f"{np.bincount(ytr, minlength=10).tolist()}", flush=True)
    auc = {}    # (transform, detector) -> [auc per class]
    for c in classes:
        t0 = time.time()
        tr, anomaly = xtr_all[ytr == c], (yte != c)
        info = []
        for tn in a.transforms.split(","):
            xtr, xte = TRANSFORMS[tn](tr, xte_all)
            scores, notes, (mean, V, lam) = gaussian_scores(xtr, xte, ks, ridges)
            if tn == "sqrt+L2":
                if knn: scores.update(knn_scores(xtr, xte, knn))
                for k in gdims:
                    s, best = gmm_scores(xtr, xte, mean, V, lam, k, comps, a.seed)
                    scores.update(s); info.append(f"gmm pca{k} BIC->{best}")
            for dn, s in scores.items():
                auc.setdefault((tn, dn), {})[c] = roc_auc_score(anomaly, s)
            info.append(f"{tn}: LW {notes['gauss-LW']:.3f} OAS {notes['gauss-OAS']:.3f}")
        print(f"class {c} {CLASSES[c]:8s} n={len(tr)} {time.time() - t0:5.1f}s  " + "; ".join(info), flush=True)
    print()
    print(f"{'transform':9s} {'detector':18s} {'mean':>6s} " + " ".join(f"{CLASSES[c][:7]:>7s}" for c in classes))
    for (tn, dn), per in auc.items():
        v = [per[c] for c in classes]
        print(f"{tn:9s} {dn:18s} {np.mean(v):6.4f} " + " ".join(f"{x:7.4f}" for x in v))
    print(f"\nwall {time.time() - clock:.1f} s")


if __name__ == "__main__":
    main()

"""Writes data/tabular/<task>/<task>.csv.gz: a header of feature names and 'anomaly', then one row per example,
features as in the source, anomaly 1 (the anomaly class) or 0 (the normal class). Usage:
python3 make_data.py <extracted-debs-root> <csv-dir-from-export.R> <data/tabular>"""
import csv, gzip, os, sys

root, csvdir, out = sys.argv[1:4]
SK = os.path.join(root, "usr/lib/python3/dist-packages/sklearn/datasets/data")
WEKA = os.path.join(root, "usr/share/doc/weka/examples")


def rcsv(name):
    rows = list(csv.reader(open(os.path.join(csvdir, name + ".csv"))))
    return rows[0], rows[1:]


def write(task, names, rows, labels):
    os.makedirs(os.path.join(out, task), exist_ok=True)
    path = os.path.join(out, task, task + ".csv.gz")
    with gzip.GzipFile(path, "wb", mtime=0) as gz:  # mtime 0: byte-identical reruns
        text = [",".join(names + ["anomaly"])]
        text += [",".join(r + [str(int(a))]) for r, a in zip(rows, labels)]
        gz.write(("\n".join(text) + "\n").encode())
    print(f"{path}: {len(rows)} rows x {len(names)} features, {sum(labels)} anomalies")


def sklearn_csv(file, anomaly_class):
    rows = list(csv.reader(open(os.path.join(SK, file))))[1:]  # line 1: "n,d,class names"
    return [r[:-1] for r in rows], [r[-1] == anomaly_class for r in rows]


# Wine (UCI): cultivars 2 and 3 normal, cultivar 1 (sklearn class 0) the anomalies, as ODDS's 'wine' task does.
x, a = sklearn_csv("wine_data.csv", "0")
names = ["alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
         "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280_od315", "proline"]
write("wine", names, x, a)

# Spambase (UCI, via kernlab): non-spam normal, spam the anomalies.
h, r = rcsv("spam")
write("spam", h[:-1], [row[:-1] for row in r], [row[-1] == "spam" for row in r])

# Musk version 1 (UCI, via kernlab): non-musk molecules normal, musks the anomalies. Integer-valued features.
h, r = rcsv("musk")
write("musk", h[:-1], [row[:-1] for row in r], [row[-1] == "1" for row in r])

# Cell segmentation (Hill et al. 2007, via caret): well-segmented cells (WS) normal, poorly segmented (PS) the
# anomalies; the identifier and caret's Train/Test column dropped, the 58 measurements kept.
h, r = rcsv("cells")
write("cells", h[3:], [row[3:] for row in r], [row[2] == "PS" for row in r])

# German credit (Statlog, UCI; caret's numeric coding with dummy columns): good credit normal, bad the anomalies.
h, r = rcsv("credit")
c = h.index("Class")
write("credit", [n for j, n in enumerate(h) if j != c], [[v for j, v in enumerate(row) if j != c] for row in r],
      [row[c] == "Bad" for row in r])

# Reaven & Miller diabetes (via rrcov): non-diabetic normal, chemical and overt diabetes the anomalies.
h, r = rcsv("reaven")
write("reaven", h[:-1], [row[:-1] for row in r], [row[-1] != "normal" for row in r])

# Leptograpsus crabs (Campbell & Mahon 1974, via MASS): blue species normal, orange the anomalies; sex as 0/1 (M = 1),
# the within-group index dropped.
h, r = rcsv("crabs")
write("crabs", ["male"] + h[3:], [[str(int(row[1] == "M"))] + row[3:] for row in r], [row[0] == "O" for row in r])

# Image segmentation (UCI, the 2,310 rows of weka's segment-challenge + segment-test): window regions normal, the six
# other surface classes the anomalies.
rows = []
for f in ("segment-challenge.arff", "segment-test.arff"):
    data = False
    for line in open(os.path.join(WEKA, f)):
        line = line.strip()
        if line.lower() == "@data":
            data = True
        elif data and line and not line.startswith("%"):
            rows.append(line.split(","))
names = ["region_centroid_col", "region_centroid_row", "region_pixel_count", "short_line_density_5",
         "short_line_density_2", "vedge_mean", "vedge_sd", "hedge_mean", "hedge_sd", "intensity_mean", "rawred_mean",
         "rawblue_mean", "rawgreen_mean", "exred_mean", "exblue_mean", "exgreen_mean", "value_mean",
         "saturation_mean", "hue_mean"]
write("segment", names, [row[:-1] for row in rows], [row[-1] != "window" for row in rows])

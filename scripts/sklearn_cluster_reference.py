#!/usr/bin/env python3
"""Reference numbers for kehu's clustering tests, from scikit-learn and SciPy.

usage: /tmp/bench/.venv/bin/python scripts/sklearn_cluster_reference.py
(any Python with numpy, pandas, scikit-learn >= 1.4 and scipy; the venv made by
`../shared/bench/setup.sh` has them).

Builds the customer matrix of the bundled Online Retail data - log1p of [days since the last
order (as of the day after the last invoice), distinct orders, net revenue, revenue per order],
each column standardised to mean 0 / population std 1, customers with positive revenue and at
least one order only - and writes, under crates/models/tests/fixtures/cluster/:

- online_retail_rfm.csv.gz: the matrix (float repr, exact) and sklearn's k=4 labels;
- ward_3000.csv.gz: SciPy's Ward labels (fcluster maxclust) at k = 3, 5, 8 for the first
  3,000 rows of the matrix;
- sklearn_reference.json: KMeans(k, n_init=10, lloyd, tol=1e-4, random_state=42) inertia for
  k = 2..8, silhouette_score and calinski_harabasz_score of the k=4 labels, and the versions.
"""
import gzip
import json
import os

import numpy as np
import pandas as pd
import scipy
import sklearn
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, silhouette_score

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "crates/models/tests/fixtures/cluster")


def matrix():
    df = pd.read_csv(os.path.join(ROOT, "data/online_retail.csv.gz"), dtype={"InvoiceNo": str, "CustomerID": str})
    df = df[df["CustomerID"].notna()].copy()
    df["ts"] = pd.to_datetime(df["InvoiceDate"], format="mixed", dayfirst=False)
    df["amount"] = df["Quantity"] * df["UnitPrice"]
    as_of = df["ts"].dt.normalize().max() + pd.Timedelta(days=1)
    orders = df[~df["InvoiceNo"].str.startswith("C")]
    g = df.groupby("CustomerID")
    per = pd.DataFrame({
        "revenue": g["amount"].sum(),
        "last": orders.groupby("CustomerID")["ts"].max().dt.normalize(),
        "orders": orders.groupby("CustomerID")["InvoiceNo"].nunique(),
    }).dropna()
    per = per[(per["revenue"] > 0) & (per["orders"] > 0)].sort_index()
    per["recency"] = (as_of - per["last"]).dt.days
    per["aov"] = per["revenue"] / per["orders"]
    x = np.log1p(per[["recency", "orders", "revenue", "aov"]].to_numpy(dtype=float))
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    return x


def main():
    os.makedirs(OUT, exist_ok=True)
    x = matrix()
    ref = dict(sklearn=sklearn.__version__, scipy=scipy.__version__, rows=int(x.shape[0]), kmeans_inertia={})
    labels4 = None
    for k in range(2, 9):
        km = KMeans(n_clusters=k, init="k-means++", n_init=10, max_iter=300, tol=1e-4, algorithm="lloyd", random_state=42).fit(x)
        ref["kmeans_inertia"][str(k)] = float(km.inertia_)
        if k == 4:
            labels4 = km.labels_
    ref["silhouette_k4"] = float(silhouette_score(x, labels4))
    ref["calinski_harabasz_k4"] = float(calinski_harabasz_score(x, labels4))
    with gzip.GzipFile(os.path.join(OUT, "online_retail_rfm.csv.gz"), "wb", mtime=0) as f:
        f.write(b"x0,x1,x2,x3,sklearn_k4\n")
        for row, label in zip(x, labels4):
            f.write((",".join(repr(float(v)) for v in row) + f",{label}\n").encode())
    head = x[:3000]
    z = linkage(head, method="ward")
    cuts = {k: fcluster(z, k, criterion="maxclust") for k in (3, 5, 8)}
    ref["ward_3000_top_heights"] = [float(h) for h in z[-5:, 2]]
    with gzip.GzipFile(os.path.join(OUT, "ward_3000.csv.gz"), "wb", mtime=0) as f:
        f.write(b"k3,k5,k8\n")
        for i in range(head.shape[0]):
            f.write(f"{cuts[3][i]},{cuts[5][i]},{cuts[8][i]}\n".encode())
    with open(os.path.join(OUT, "sklearn_reference.json"), "w") as f:
        json.dump(ref, f, indent=2)
        f.write("\n")
    print(json.dumps(ref, indent=2))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Model peer: scikit-learn DecisionTreeClassifier on the decision-tree benchmark matrix.

usage: /tmp/bench/.venv/bin/python bench/peers/tree_sklearn.py --matrix /tmp/tree_1e6x10.f64
       [--max-depth 10] [--repeat 3] [--json OUT]

The matrix and labels are written by kehu's example (the same seeded generator, so both sides
fit the identical data):

    CARGO_TARGET_DIR=... cargo run -p kehu-models --release --example tree_bench -- \
        --write-matrix /tmp/tree_1e6x10.f64

`PATH` holds raw little-endian float64 values, row-major, 10 columns; `PATH.labels` one byte per
row (0/1). The fit is DecisionTreeClassifier(max_depth=D, random_state=0) (Gini, best splitter,
min_samples_leaf 1), single-threaded as scikit-learn's trees are; it converts X to float32 as
part of fit, which is timed with it. Prints `BENCH step=load|fit seconds=<s>` (fit: the best of
--repeat) and a `RESULT {json}` line with every fit time, the train accuracy, depth and leaves.
"""
import argparse
import json
import time

import numpy as np
import sklearn
from sklearn.tree import DecisionTreeClassifier

COLUMNS = 10


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--matrix", required=True)
    ap.add_argument("--max-depth", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json")
    a = ap.parse_args()
    started = time.perf_counter()
    x = np.fromfile(a.matrix, dtype="<f8").reshape(-1, COLUMNS)
    y = np.fromfile(a.matrix + ".labels", dtype=np.uint8).astype(np.int64)
    print(f"BENCH step=load seconds={time.perf_counter() - started:.3f}")
    times = []
    for _ in range(max(a.repeat, 1)):
        tree = DecisionTreeClassifier(max_depth=a.max_depth, random_state=0)
        started = time.perf_counter()
        tree.fit(x, y)
        times.append(time.perf_counter() - started)
    print(f"BENCH step=fit seconds={min(times):.3f}")
    res = dict(rows=int(x.shape[0]), columns=int(x.shape[1]), max_depth=a.max_depth,
               sklearn=sklearn.__version__, fit_seconds=times,
               train_accuracy=float((tree.predict(x) == y).mean()),
               depth=int(tree.get_depth()), leaves=int(tree.get_n_leaves()),
               positives=int(y.sum()))
    print("RESULT " + json.dumps(res))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()

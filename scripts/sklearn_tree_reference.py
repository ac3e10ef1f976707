#!/usr/bin/env python3
"""Reference numbers for kehu's decision-tree tests, from scikit-learn.

usage: /tmp/bench/.venv/bin/python scripts/sklearn_tree_reference.py
(any Python with numpy, pandas and scikit-learn >= 1.3; the venv made by
`../shared/bench/setup.sh` has scikit-learn 1.9 and pandas).

Builds the same numeric matrices as crates/models/tests/tree_reference.rs:

- telco (data/telco_churn.csv.gz, 7,043 rows): numeric columns SeniorCitizen, tenure,
  MonthlyCharges, TotalCharges (the 11 blanks become 0 here AND in the Rust test, because
  scikit-learn would learn a direction for NaN where kehu always sends it right), then one 0/1
  column per distinct value, in sorted order, of gender, Partner, Dependents, PhoneService,
  MultipleLines, InternetService, OnlineSecurity, OnlineBackup, DeviceProtection, TechSupport,
  StreamingTV, StreamingMovies, Contract, PaperlessBilling, PaymentMethod (45 columns);
  class 1 = Churn "Yes".
- bank (data/bank_marketing.csv.gz, UCI bank-full, 45,211 rows): numeric age, balance, day,
  campaign, pdays, previous (duration is left out: it is known only after the call), then
  one-hot job, marital, education, default, housing, loan, contact, month, poutcome the same way
  (50 columns); class 1 = y "yes".

Test rows are those whose 0-based data-row index is divisible by 5; the rest train. For each
dataset and each setting below it fits DecisionTreeClassifier(random_state=0, **setting) and
writes crates/models/tests/fixtures/tree/sklearn_reference.json with the test and train
accuracy, F1 of class 1 on the test rows, depth, leaves, the root split, each split's weighted
impurity decrease (sorted) and the test predictions (a string of 0/1), plus the library versions.
"""
import json
import os

import numpy as np
import pandas as pd
import sklearn
from sklearn.metrics import accuracy_score, f1_score
from sklearn.tree import DecisionTreeClassifier

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "crates/models/tests/fixtures/tree/sklearn_reference.json")

DATASETS = {
    "telco": dict(
        path="data/telco_churn.csv.gz",
        sep=",",
        numeric=["SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges"],
        categorical=["gender", "Partner", "Dependents", "PhoneService", "MultipleLines",
                     "InternetService", "OnlineSecurity", "OnlineBackup", "DeviceProtection",
                     "TechSupport", "StreamingTV", "StreamingMovies", "Contract",
                     "PaperlessBilling", "PaymentMethod"],
        label=("Churn", "Yes"),
    ),
    "bank": dict(
        path="data/bank_marketing.csv.gz",
        sep=";",
        numeric=["age", "balance", "day", "campaign", "pdays", "previous"],
        categorical=["job", "marital", "education", "default", "housing", "loan", "contact",
                     "month", "poutcome"],
        label=("y", "yes"),
    ),
}

# name -> DecisionTreeClassifier keyword arguments (random_state=0 is added).
SETTINGS = {
    "depth5_leaf20": dict(max_depth=5, min_samples_leaf=20),
    "depth8_balanced": dict(max_depth=8, class_weight="balanced"),
    "entropy_16_leaves": dict(criterion="entropy", max_leaf_nodes=16, min_samples_leaf=10),
}


def matrix(spec):
    df = pd.read_csv(os.path.join(ROOT, spec["path"]), sep=spec["sep"], dtype=str,
                     keep_default_na=False)
    columns, names = [], []
    for name in spec["numeric"]:
        text = df[name].str.strip()
        columns.append(np.where(text == "", "0", text).astype(np.float64))
        names.append(name)
    for name in spec["categorical"]:
        for value in sorted(df[name].unique()):
            columns.append((df[name] == value).to_numpy(np.float64))
            names.append(f"{name}={value}")
    label, positive = spec["label"]
    y = (df[label] == positive).to_numpy(np.int64)
    return np.column_stack(columns), y, names


def split_improvements(tree):
    """Each split's weighted impurity decrease (the terms of feature_importances_), sorted."""
    t = tree.tree_
    w = t.weighted_n_node_samples
    out = []
    for i in range(t.node_count):
        left, right = t.children_left[i], t.children_right[i]
        if left != -1:
            out.append(float((w[i] * t.impurity[i] - w[left] * t.impurity[left]
                              - w[right] * t.impurity[right]) / w[0]))
    return sorted(out)


def main():
    out = {
        "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__,
                     "pandas": pd.__version__},
        "split": "test rows: 0-based data-row index % 5 == 0",
        "settings": SETTINGS,
        "datasets": {},
    }
    for dataset, spec in DATASETS.items():
        x, y, names = matrix(spec)
        test = np.arange(len(y)) % 5 == 0
        entry = {"rows": int(len(y)), "features": names, "positives": int(y.sum()),
                 "fits": {}}
        for setting, kwargs in SETTINGS.items():
            tree = DecisionTreeClassifier(random_state=0, **kwargs).fit(x[~test], y[~test])
            predicted = tree.predict(x[test])
            root = tree.tree_
            entry["fits"][setting] = {
                "test_accuracy": accuracy_score(y[test], predicted),
                "train_accuracy": accuracy_score(y[~test], tree.predict(x[~test])),
                "test_f1_class1": f1_score(y[test], predicted),
                "depth": int(tree.get_depth()),
                "n_leaves": int(tree.get_n_leaves()),
                "root_feature": int(root.feature[0]),
                "root_threshold": float(root.threshold[0]),
                "split_improvements": split_improvements(tree),
                "test_predictions": "".join(str(int(p)) for p in predicted),
            }
        out["datasets"][dataset] = entry
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    for dataset, entry in out["datasets"].items():
        for setting, fit in entry["fits"].items():
            print(f"{dataset:6} {setting:18} test acc {fit['test_accuracy']:.6f} "
                  f"train acc {fit['train_accuracy']:.6f} f1 {fit['test_f1_class1']:.6f} "
                  f"depth {fit['depth']} leaves {fit['n_leaves']}")


if __name__ == "__main__":
    main()

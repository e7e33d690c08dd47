"""Real-data comparison with scikit-learn's MLP, split for split.

Follows the protocol of spec/realdata-baseline.md on the UCI files of
``../shared/data`` (or ``--data-dir``): 5 shuffle splits 80/20
(``train_test_split(test_size=0.2, random_state=r, stratify=y for
classification)``, r = 0..4, model ``random_state=r``; adult uses its given
train/test files once), a ``ColumnTransformer`` with median imputation +
``StandardScaler`` on numeric columns and most-frequent imputation + one-hot
encoding on the others, '?' as missing; ROC-AUC for binary tasks, accuracy for
multiclass, R^2 for regression.

Models: scikit-learn ``MLPClassifier/Regressor`` defaults, ``sklreg`` defaults,
and one regularized sklreg recipe (book chapters 7-8: early stopping on the
validation loss with retraining on all data (Alg. 7.1 + 7.2), dropout, a
linear learning-rate decay (eq. 8.14) and Polyak averaging).  Prints
mean +- std per model and the paired difference against scikit-learn.

    python benchmarks/bench_realdata.py [--data-dir ../shared/data] [--adult]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score, r2_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DIR = os.path.join(HERE, "..", "..", "shared", "data")

#: name -> (file, task, categorical column indices)
DATASETS = {
    "wine-white": ("winequality-white.csv", "regression", []),
    "wine-white-mc": ("winequality-white.csv", "multiclass", []),
    "abalone": ("abalone.csv", "regression", [0]),
    "banknote": ("banknote_authentication.csv", "binary", []),
    "pima": ("pima-indians-diabetes.csv", "binary", []),
}
ADULT_CATEGORICAL = [1, 3, 5, 6, 7, 8, 9, 13]

RECIPE = dict(
    hidden_layer_sizes=(256, 256), dropout=0.1, lr_schedule="linear", max_iter=150,
    early_stopping=True, n_iter_no_change=15, early_stopping_refit="retrain",
    averaging="polyak", averaging_start=5,
)


def load(path, categorical):
    rows = [line.rstrip("\n").split(",") for line in open(path) if line.strip()]
    data = np.array([[v.strip() for v in r] for r in rows], dtype=object)
    X, y = data[:, :-1], data[:, -1]
    X = np.where(X == "?", None, X)
    numeric = [j for j in range(X.shape[1]) if j not in categorical]
    X[:, numeric] = np.array(
        [[np.nan if v is None else float(v) for v in row] for row in X[:, numeric]]
    )
    return X, y, numeric


def preprocessor(numeric, categorical):
    parts = [("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric)]
    if categorical:
        parts.append(("cat", make_pipeline(
            SimpleImputer(strategy="most_frequent"),
            OneHotEncoder(handle_unknown="ignore", sparse_output=False)), categorical))
    return ColumnTransformer(parts)


def models(task, seed):
    if task == "regression":
        return {
            "sklearn MLP": MLPRegressor(random_state=seed),
            "sklreg default": MLPRegularizedRegressor(random_state=seed),
            "sklreg recipe": MLPRegularizedRegressor(**RECIPE, random_state=seed),
        }
    return {
        "sklearn MLP": MLPClassifier(random_state=seed),
        "sklreg default": MLPRegularizedClassifier(random_state=seed),
        "sklreg recipe": MLPRegularizedClassifier(**RECIPE, random_state=seed),
    }


def score(task, model, X, y):
    if task == "regression":
        return r2_score(y, model.predict(X))
    if task == "binary":
        return roc_auc_score(y, model.predict_proba(X)[:, 1])
    return accuracy_score(y, model.predict(X))


def run_dataset(name, splits, task, numeric, categorical):
    results = {}
    for r, (Xtr, Xte, ytr, yte) in enumerate(splits):
        for label, est in models(task, r).items():
            pipe = Pipeline([("prep", preprocessor(numeric, categorical)), ("model", est)])
            t0 = time.perf_counter()
            pipe.fit(Xtr, ytr)
            results.setdefault(label, []).append((score(task, pipe, Xte, yte),
                                                  time.perf_counter() - t0))
    metric = {"regression": "r2", "binary": "roc_auc", "multiclass": "accuracy"}[task]
    base = np.array([s for s, _ in results["sklearn MLP"]])
    for label, vals in results.items():
        s = np.array([v for v, _ in vals])
        t = np.mean([v for _, v in vals])
        diff = s - base
        paired = "" if label == "sklearn MLP" else (
            f"  diff {diff.mean():+.3f}+-{diff.std():.3f} ({(diff > 0).sum()}W/{(diff < 0).sum()}L)")
        print(f"{name:14s} {metric:8s} {label:15s} {s.mean():.3f}+-{s.std():.3f} "
              f"{t:6.2f}s{paired}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=DEFAULT_DIR)
    ap.add_argument("--adult", action="store_true", help="also run adult (slow: 32k rows)")
    ap.add_argument("--datasets", default=",".join(DATASETS))
    a = ap.parse_args()
    if not os.path.isdir(a.data_dir):
        raise SystemExit(f"data directory {a.data_dir!r} not found (use --data-dir)")
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    for name in a.datasets.split(","):
        file, task, categorical = DATASETS[name]
        X, y, numeric = load(os.path.join(a.data_dir, file), categorical)
        y = y.astype(float) if task == "regression" else y
        strat = None if task == "regression" else y
        splits = [train_test_split(X, y, test_size=0.2, random_state=r,
                                   stratify=strat) for r in range(5)]
        run_dataset(name, splits, task, numeric, categorical)
    if a.adult:
        Xtr, ytr, numeric = load(os.path.join(a.data_dir, "adult-train.csv"), ADULT_CATEGORICAL)
        Xte, yte, _ = load(os.path.join(a.data_dir, "adult-test.csv"), ADULT_CATEGORICAL)
        yte = np.array([v.rstrip(".") for v in yte], dtype=object)
        run_dataset("adult", [(Xtr, Xte, ytr, yte)], "binary", numeric, ADULT_CATEGORICAL)


if __name__ == "__main__":
    main()

"""Shared pieces of the benchmark scripts: the workload's data and the
one-process-per-library runner with every BLAS pool limited to one thread."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HIDDEN = (256, 256)
SKLEARN_ALPHA = 1e-4


def make_data(n_samples, dtype):
    """The spec's synthetic workload: make_classification(n x 100, 10 classes)."""
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=n_samples, n_features=100, n_informative=50, n_classes=10, random_state=0
    )
    return X.astype(dtype), y


def run_isolated(script, args):
    """Run ``script args`` in a fresh process with one BLAS/OpenMP thread and
    return the JSON object it prints last."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run(
        [sys.executable, script, *args], env=env, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])

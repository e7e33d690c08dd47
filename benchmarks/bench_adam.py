"""Adam speed benchmark: sklreg vs scikit-learn's MLPClassifier, and the GEMM bound.

Workload (spec/perf-baseline.md): make_classification(100_000 x 100, 10 classes),
hidden (256, 256), ReLU, Adam lr 1e-3, batch 256, 5 epochs, no early stopping,
L2 matched (sklreg alpha = sklearn alpha / batch_size).  Each library runs in its
own subprocess with every BLAS pool limited to one thread; each value is the
median of ``--repeats`` fits.  Prints, for float64 and float32, seconds per
epoch, the ratio to scikit-learn, and the ratio to the matrix-multiplication
lower bound (6 * n * sum(fan_in * fan_out) flops per epoch at numpy's measured
matmul rate for each layer's shapes).

    python benchmarks/bench_adam.py [--repeats 3] [--epochs 5] [--n-samples 100000]

Targets (issue 2): sklreg <= 0.85x scikit-learn in float64, <= 0.6x in float32.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import HIDDEN, SKLEARN_ALPHA, make_data, run_isolated  # noqa: E402

BATCH = 256




def _worker(lib, dtype, n_samples, epochs, repeats):
    import warnings

    import numpy as np

    warnings.simplefilter("ignore")
    X, y = make_data(n_samples, np.dtype(dtype))
    times = []
    for r in range(repeats):
        if lib == "sklearn":
            from sklearn.neural_network import MLPClassifier

            est = MLPClassifier(
                hidden_layer_sizes=HIDDEN, solver="adam", batch_size=BATCH, max_iter=epochs,
                tol=0.0, n_iter_no_change=10**9, alpha=SKLEARN_ALPHA, random_state=r,
            )
        else:
            from sklreg import MLPRegularizedClassifier

            est = MLPRegularizedClassifier(
                hidden_layer_sizes=HIDDEN, optimizer="adam", batch_size=BATCH, max_iter=epochs,
                tol=0.0, n_iter_no_change=10**9, alpha=SKLEARN_ALPHA / BATCH, random_state=r,
            )
        t0 = time.perf_counter()
        est.fit(X, y)
        times.append((time.perf_counter() - t0) / est.n_iter_)
        acc = float(est.score(X[:10000], y[:10000]))
    print(json.dumps({"times": times, "train_acc": acc, "coef_dtype": str(est.coefs_[0].dtype)}))


def _gemm_worker(dtype, n_samples):
    """Seconds per epoch of the forward, dW and dX GEMMs at batch 256."""
    import numpy as np

    dt = np.dtype(dtype)
    sizes = [100, *HIDDEN, 10]
    rng = np.random.default_rng(0)
    n_batches = n_samples / BATCH
    total = 0.0
    for i, (fi, fo) in enumerate(zip(sizes[:-1], sizes[1:])):
        x = rng.standard_normal((BATCH, fi)).astype(dt)
        W = rng.standard_normal((fi, fo)).astype(dt)
        dz = rng.standard_normal((BATCH, fo)).astype(dt)
        out, gW, dx = np.empty((BATCH, fo), dt), np.empty((fi, fo), dt), np.empty((BATCH, fi), dt)
        best = np.inf
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(50):
                np.matmul(x, W, out=out)
                np.matmul(x.T, dz, out=gW)
                np.matmul(dz, W.T, out=dx)
            best = min(best, (time.perf_counter() - t0) / 50)
        total += best * n_batches
    print(json.dumps({"gemm_s_per_epoch": total}))




def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--n-samples", type=int, default=100_000)
    ap.add_argument("--dtypes", default="float64,float32")
    ap.add_argument("--worker", nargs=2, metavar=("LIB", "DTYPE"), help=argparse.SUPPRESS)
    ap.add_argument("--gemm", metavar="DTYPE", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        return _worker(a.worker[0], a.worker[1], a.n_samples, a.epochs, a.repeats)
    if a.gemm:
        return _gemm_worker(a.gemm, a.n_samples)
    common = ["--n-samples", str(a.n_samples), "--epochs", str(a.epochs), "--repeats", str(a.repeats)]
    print(f"Adam, {a.n_samples} x 100, hidden {HIDDEN}, batch {BATCH}, {a.epochs} epochs, "
          f"1 BLAS thread, median of {a.repeats}")
    print(f"{'dtype':8s} {'lib':8s} {'s/epoch':>8s} {'x sklearn':>10s} {'x GEMM':>8s} {'train acc':>9s}")
    import statistics

    for dtype in a.dtypes.split(","):
        gemm = run_isolated(__file__, ["--gemm", dtype, "--n-samples", str(a.n_samples)])["gemm_s_per_epoch"]
        res = {lib: run_isolated(__file__, ["--worker", lib, dtype, *common]) for lib in ("sklearn", "sklreg")}
        base = statistics.median(res["sklearn"]["times"])
        print(f"{dtype:8s} {'GEMM':8s} {gemm:8.3f} {gemm / base:10.2f} {1.0:8.2f}")
        for lib in ("sklearn", "sklreg"):
            t = statistics.median(res[lib]["times"])
            print(f"{dtype:8s} {lib:8s} {t:8.3f} {t / base:10.2f} {t / gemm:8.2f} "
                  f"{res[lib]['train_acc']:9.3f}")


if __name__ == "__main__":
    main()

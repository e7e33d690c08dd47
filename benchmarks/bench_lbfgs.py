"""L-BFGS speed benchmark: sklreg ``optimizer='lbfgs'`` vs ``MLPClassifier(solver='lbfgs')``.

Workload: make_classification(10_000 x 100, 10 classes), hidden (256, 256),
ReLU, full-batch L-BFGS for 50 iterations (tolerances 0, so both run all 50),
L2 matched (sklreg ``alpha = sklearn alpha / n_samples``: scikit-learn divides
its penalty by the batch size, which is ``n`` for L-BFGS).  Each library runs
in its own subprocess with ``OPENBLAS_NUM_THREADS=1``; each value is the
median of ``--repeats`` fits.  Prints seconds per objective/gradient
evaluation (fit time / number of evaluations: scipy's ``nfev`` for
scikit-learn, ``optimizer_.t_`` for sklreg) and the ratio to scikit-learn.

    python benchmarks/bench_lbfgs.py [--repeats 3] [--iters 50] [--n-samples 10000]

Target (second-order issue): sklreg not slower than scikit-learn per evaluation.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import HIDDEN, SKLEARN_ALPHA, make_data, run_isolated  # noqa: E402





def _worker(lib, dtype, n_samples, iters, repeats):
    import warnings

    import numpy as np
    import scipy.optimize

    warnings.simplefilter("ignore")
    X, y = make_data(n_samples, np.dtype(dtype))
    nfev = []
    original = scipy.optimize.minimize

    def counting_minimize(*args, **kwargs):  # scikit-learn looks it up at call time
        res = original(*args, **kwargs)
        nfev.append(res.nfev)
        return res

    scipy.optimize.minimize = counting_minimize
    per_eval, n_evals = [], []
    for r in range(repeats):
        if lib == "sklearn":
            from sklearn.neural_network import MLPClassifier

            est = MLPClassifier(
                hidden_layer_sizes=HIDDEN, solver="lbfgs", max_iter=iters, max_fun=10**6,
                tol=0.0, alpha=SKLEARN_ALPHA, random_state=r,
            )
        else:
            from sklreg import MLPRegularizedClassifier
            from sklreg.optim import LBFGS

            est = MLPRegularizedClassifier(
                hidden_layer_sizes=HIDDEN, optimizer=LBFGS(gtol=0.0, ftol=0.0, max_fun=10**6),
                max_iter=iters, tol=0.0, n_iter_no_change=10**9,
                alpha=SKLEARN_ALPHA / n_samples, random_state=r,
            )
        t0 = time.perf_counter()
        est.fit(X, y)
        elapsed = time.perf_counter() - t0
        n = nfev[-1] if lib == "sklearn" else est.optimizer_.t_
        per_eval.append(elapsed / n)
        n_evals.append(n)
    acc = float(est.score(X, y))
    print(json.dumps({"per_eval": per_eval, "n_evals": n_evals, "n_iter": int(est.n_iter_),
                      "train_acc": acc, "coef_dtype": str(est.coefs_[0].dtype)}))




def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--n-samples", type=int, default=10_000)
    ap.add_argument("--dtypes", default="float64,float32")
    ap.add_argument("--worker", nargs=2, metavar=("LIB", "DTYPE"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        return _worker(a.worker[0], a.worker[1], a.n_samples, a.iters, a.repeats)
    common = ["--n-samples", str(a.n_samples), "--iters", str(a.iters), "--repeats", str(a.repeats)]
    print(f"L-BFGS, {a.n_samples} x 100, 10 classes, hidden {HIDDEN}, {a.iters} iterations, "
          f"OPENBLAS_NUM_THREADS=1, median of {a.repeats}")
    print(f"{'dtype':8s} {'lib':8s} {'s/eval':>8s} {'x sklearn':>10s} {'evals':>6s} "
          f"{'iters':>6s} {'train acc':>9s}")
    for dtype in a.dtypes.split(","):
        res = {lib: run_isolated(__file__, ["--worker", lib, dtype, *common]) for lib in ("sklearn", "sklreg")}
        base = statistics.median(res["sklearn"]["per_eval"])
        for lib in ("sklearn", "sklreg"):
            r = res[lib]
            t = statistics.median(r["per_eval"])
            print(f"{dtype:8s} {lib:8s} {t:8.4f} {t / base:10.2f} "
                  f"{int(statistics.median(r['n_evals'])):6d} {r['n_iter']:6d} "
                  f"{r['train_acc']:9.3f}  ({r['coef_dtype']})")


if __name__ == "__main__":
    main()

"""
Weight norms and sparsity against the L2 (``alpha``) and L1 (``l1``) penalties
==============================================================================

Book sections 7.1.1 (L2 / weight decay) and 7.1.2 (L1): on scikit-learn's
diabetes data (standardized), a one-hidden-layer ``MLPRegularizedRegressor``
is fitted for a range of ``alpha`` and of ``l1``.  The table shows that a
larger L2 penalty shrinks the weights without zeroing them, while the L1
penalty (proximal method, the default ``l1_method``) sets weights exactly to
zero -- including whole rows of the first weight matrix, i.e. input features
the network no longer uses (feature selection, book 7.1.2).

The objective is ``mean 1/2 (y - f(x))^2 + alpha/2 ||W||^2 + l1 ||W||_1``
(biases exempt).  The figure needs matplotlib; ``python
examples/plot_penalties.py out.png`` also saves it.  Runs in a few seconds.
"""

import sys
import warnings

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklreg import MLPRegularizedRegressor

warnings.filterwarnings("ignore", category=ConvergenceWarning)

data = load_diabetes()
X_train, X_test, y_train, y_test = train_test_split(
    data.data, data.target, test_size=0.25, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
y_mean, y_std = y_train.mean(), y_train.std()
y_train, y_test = (y_train - y_mean) / y_std, (y_test - y_mean) / y_std

COMMON = dict(hidden_layer_sizes=(32,), optimizer="sgd", learning_rate=0.05, batch_size=32,
              max_iter=150, random_state=0)


def summarize(est):
    W = est.coefs_
    n_w = sum(w.size for w in W)
    return dict(
        l2=float(np.sqrt(sum((w**2).sum() for w in W))),
        l1=float(sum(np.abs(w).sum() for w in W)),
        zeros=100.0 * sum(int((w == 0).sum()) for w in W) / n_w,
        features=int(np.sum(np.any(W[0] != 0, axis=1))),
        r2=est.score(X_test, y_test),
    )


header = f"{'':>14s} {'||W||_F':>8s} {'||W||_1':>8s} {'% zero':>7s} {'inputs':>6s} {'test R2':>8s}"
rows = {}
for name, grid in [("alpha", [0.0, 1e-3, 1e-2, 3e-2, 1e-1, 3e-1]),
                   ("l1", [0.0, 1e-3, 3e-3, 1e-2, 2e-2, 5e-2])]:
    print(f"\n{name} (the other penalty is 0; {data.data.shape[1]} input features)")
    print(header)
    rows[name] = []
    for value in grid:
        kw = {"alpha": value} if name == "alpha" else {"alpha": 0.0, "l1": value}
        s = summarize(MLPRegularizedRegressor(**COMMON, **kw).fit(X_train, y_train))
        rows[name].append((value, s))
        print(f"{name}={value:<8g} {s['l2']:8.3f} {s['l1']:8.2f} {s['zeros']:7.1f} "
              f"{s['features']:6d} {s['r2']:8.3f}")

used = MLPRegularizedRegressor(**COMMON, alpha=0.0, l1=5e-2).fit(X_train, y_train)
kept = [f for f, row in zip(data.feature_names, used.coefs_[0]) if np.any(row != 0)]
print(f"\ninputs still used with l1=0.05: {kept}")

try:  # matplotlib is optional: pip install -e ".[examples]"
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: no plot")
    sys.exit(0)

fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, name in zip(axes, ["alpha", "l1"]):
    vals = [max(v, 1e-4) for v, _ in rows[name]]
    ax.semilogx(vals, [s["l2"] for _, s in rows[name]], "o-", label="||W||_F")
    ax.semilogx(vals, [s["l1"] / 10 for _, s in rows[name]], "s-", label="||W||_1 / 10")
    ax.set_xlabel(f"{name} (0 drawn at 1e-4)")
    ax.set_ylabel("weight norm")
    ax2 = ax.twinx()
    ax2.semilogx(vals, [s["zeros"] for _, s in rows[name]], "^--", color="C3",
                 label="% exact zeros")
    ax2.set_ylabel("% weights exactly 0")
    ax2.set_ylim(-5, 105)
    ax.set_title({"alpha": "L2 penalty (book 7.1.1)", "l1": "L1 penalty, proximal (7.1.2)"}[name])
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="center left")
fig.tight_layout()
if len(sys.argv) > 1:  # saved only when asked (examples/README.txt)
    fig.savefig(sys.argv[1], dpi=100)
    print(f"figure saved to {sys.argv[1]}")
plt.show()

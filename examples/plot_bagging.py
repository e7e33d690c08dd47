"""
Bagging neural networks and the expected error of an ensemble (book 7.11)
=========================================================================

On scikit-learn's diabetes data (standardized), ten one-hidden-layer
``MLPRegularizedRegressor`` members are bagged (each on its own bootstrap
resample) and, for comparison, trained on the same rows with different seeds
only.  The script prints every member's test MSE, the ensemble's, and the
book's decomposition of the ensemble error (eq 7.50)::

    E[(mean_i eps_i)^2] = v/k + (k-1)c/k

with ``v`` the members' average squared error and ``c`` their average pairwise
error covariance (:func:`sklreg.ensemble_error_decomposition`).  The better the
members' errors decorrelate (``c`` well below ``v``), the more averaging helps.
It also shows the out-of-bag R^2, out-of-bag early stopping, and the
arithmetic vs geometric soft vote of a classifier ensemble on the wine data.

The figure draws the test MSE of the first k members' average against the
formula (needs matplotlib; ``python examples/plot_bagging.py out.png`` also
saves it).  Runs in about ten seconds.
"""

import sys
import warnings

import numpy as np
from sklearn.datasets import load_diabetes, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklreg import (
    BaggingNetClassifier,
    BaggingNetRegressor,
    MLPRegularizedClassifier,
    MLPRegularizedRegressor,
    ensemble_error_decomposition,
)

warnings.filterwarnings("ignore", category=ConvergenceWarning)
warnings.filterwarnings("ignore", message="Some inputs do not have OOB scores")

# ------------------------------------------------------------- regression
data = load_diabetes()
X_train, X_test, y_train, y_test = train_test_split(
    data.data, data.target, test_size=0.3, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
y_mean, y_std = y_train.mean(), y_train.std()
y_train, y_test = (y_train - y_mean) / y_std, (y_test - y_mean) / y_std

member = MLPRegularizedRegressor(hidden_layer_sizes=(64,), learning_rate=0.01, alpha=1e-4,
                                 max_iter=300)
K = 10
runs = {
    "bagging (bootstrap=True)": BaggingNetRegressor(
        member, n_estimators=K, oob_score=True, random_state=0
    ),
    "seeds only (bootstrap=False)": BaggingNetRegressor(
        member, n_estimators=K, bootstrap=False, random_state=0
    ),
    "bagging + OOB early stopping": BaggingNetRegressor(
        member, n_estimators=K, oob_score=True, oob_early_stopping=True, random_state=0
    ),
}
curves = {}
print(f"diabetes, {len(y_train)} training rows, {K} members; test MSE of standardized y")
for name, bag in runs.items():
    bag.fit(X_train, y_train)
    P = np.stack([m.predict(X_test) for m in bag.estimators_])
    members = [mean_squared_error(y_test, p) for p in P]
    d = ensemble_error_decomposition(y_test, P)
    print(f"\n{name}")
    print("  members:        " + " ".join(f"{m:.3f}" for m in members))
    print(f"  mean member {np.mean(members):.3f}  best member {np.min(members):.3f}  "
          f"ensemble {mean_squared_error(y_test, bag.predict(X_test)):.3f}")
    print(f"  v = {d.v:.4f}  c = {d.c:.4f}  (c/v = {d.correlation:.3f})  "
          f"v/k + (k-1)c/k = {d.predicted_mse:.4f}  actual = {d.ensemble_mse:.4f}")
    if hasattr(bag, "oob_score_"):
        print(f"  out-of-bag R^2 {bag.oob_score_:.3f}  "
              f"(epochs per member: {[m.n_iter_ for m in bag.estimators_]})")
    curves[name] = (
        [mean_squared_error(y_test, P[:k].mean(axis=0)) for k in range(1, K + 1)],
        [d.v / k + (k - 1) * d.c / k for k in range(1, K + 1)],
    )

# --------------------------------------------------------- classification
X, y = load_wine(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
net = make_pipeline(StandardScaler(), MLPRegularizedClassifier(hidden_layer_sizes=(16,),
                                                               max_iter=100))
print(f"\nwine, {len(y_train)} training rows, {K} members (StandardScaler + MLP pipelines)")
bag = BaggingNetClassifier(net, n_estimators=K, oob_score=True, random_state=0)
bag.fit(X_train, y_train)
member_acc = [accuracy_score(y_test, bag.classes_[m.predict(X_test)]) for m in bag.estimators_]
print(f"  member test accuracy: mean {np.mean(member_acc):.3f}, "
      f"min {np.min(member_acc):.3f}, max {np.max(member_acc):.3f}")
for voting in ("arithmetic", "geometric"):
    bag.set_params(voting=voting)  # the vote is applied at prediction time
    print(f"  {voting:>10s} vote: accuracy {bag.score(X_test, y_test):.3f}, "
          f"log-loss {log_loss(y_test, bag.predict_proba(X_test)):.4f}")
print(f"  out-of-bag accuracy {bag.oob_score_:.3f}")

# ------------------------------------------------------------------- plot
try:  # matplotlib is optional: pip install -e ".[examples]"
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: no plot")
    sys.exit(0)

fig, ax = plt.subplots(figsize=(6, 4))
ks = np.arange(1, K + 1)
for name, (actual, formula) in curves.items():
    line, = ax.plot(ks, actual, "o", label=f"{name}: average of first k")
    ax.plot(ks, formula, "-", color=line.get_color(), alpha=0.6)
ax.set_xlabel("ensemble size k")
ax.set_ylabel("test MSE (standardized y)")
ax.set_title("Ensemble error; lines: v/k + (k-1)c/k (book eq 7.50)")
ax.legend(fontsize=7)
fig.tight_layout()
if len(sys.argv) > 1:  # saved only when asked (examples/README.txt)
    fig.savefig(sys.argv[1], dpi=120)
    print(f"figure saved to {sys.argv[1]}")
plt.show()

"""
Dropout against overfitting, and the dropout inference rules (book 7.12)
========================================================================

1. scikit-learn's diabetes data (442 patients, 10 standardized features, a very
   noisy target) with a wide two-hidden-layer ``MLPRegularizedRegressor``
   trained for 200 epochs without any penalty: it fits the training set almost
   perfectly and its test R^2 collapses.  Dropout with the book's typical keep
   probabilities -- 0.5 for hidden units and 0.8 for inputs, i.e.
   ``dropout=0.5, input_dropout=0.2`` (sklreg's parameters are DROP
   probabilities) -- and its variants ``dropout_type='gaussian'``
   (multiplicative ``N(1, dropout/(1-dropout))`` noise) and ``'dropconnect'``
   (masks on single weights) shrink the train/test gap.  ``X_val``/``y_val``
   are only monitored (no early stopping), giving the validation loss curves.
2. The inference rules of 7.12 on a dropout classifier for the digits data:
   weight scaling (the default, deterministic, one pass), the Monte Carlo
   arithmetic mean of ``n_mc_samples`` masked passes (eq. 7.53) and their
   renormalized geometric mean (eq. 7.54-7.55).

The figure needs matplotlib; ``python examples/plot_dropout.py out.png`` also
saves it.  Runs in ~20 s.
"""

import sys
import warnings

import numpy as np
from sklearn.datasets import load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor

warnings.filterwarnings("ignore", category=ConvergenceWarning)

# ------------------------------------------------ 1. overfitting on diabetes
X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
y_mean, y_std = y_train.mean(), y_train.std()
y_train, y_test = (y_train - y_mean) / y_std, (y_test - y_mean) / y_std

COMMON = dict(hidden_layer_sizes=(256, 256), learning_rate=1e-3, batch_size=32, max_iter=200,
              alpha=0.0, tol=0.0, n_iter_no_change=10**6, random_state=0)
runs = {
    "no dropout": {},
    "dropout=0.5": dict(dropout=0.5),
    "dropout=0.5, input=0.2": dict(dropout=0.5, input_dropout=0.2),
    "gaussian 0.5": dict(dropout=0.5, dropout_type="gaussian"),
    "dropconnect 0.5": dict(dropout=0.5, dropout_type="dropconnect"),
}
fits = {}
print("diabetes, (256, 256) units, 200 epochs, no weight penalty")
print(f"{'':>24s} {'train R2':>8s} {'test R2':>8s} {'best val loss (epoch)':>22s} {'final':>6s}")
for name, kw in runs.items():
    est = MLPRegularizedRegressor(**COMMON, **kw).fit(X_train, y_train, X_val=X_test, y_val=y_test)
    fits[name] = est
    v = np.array(est.validation_loss_curve_)
    print(f"{name:>24s} {est.score(X_train, y_train):8.3f} {est.score(X_test, y_test):8.3f} "
          f"{v.min():15.3f} ({v.argmin() + 1:3d}) {v[-1]:8.3f}")

# ------------------------------------------------ 2. inference rules on digits
Xd, yd = load_digits(return_X_y=True)
Xd_train, Xd_test, yd_train, yd_test = train_test_split(
    Xd, yd, train_size=500, stratify=yd, random_state=0
)
scaler = StandardScaler().fit(Xd_train)
Xd_train, Xd_test = scaler.transform(Xd_train), scaler.transform(Xd_test)
clf = MLPRegularizedClassifier(hidden_layer_sizes=(256,), dropout=0.5, input_dropout=0.2,
                               learning_rate=1e-3, batch_size=32, max_iter=100,
                               random_state=0).fit(Xd_train, yd_train)
print("\ndigits (500 training images), dropout=0.5, input_dropout=0.2")
print(f"{'inference rule':>28s} {'test acc':>8s} {'test log-loss':>13s}")
rules = [("weight_scaling", 1)] + [(r, k) for r in ("monte_carlo", "geometric") for k in (5, 50)]
for rule, k in rules:
    clf.set_params(dropout_inference=rule, n_mc_samples=k)
    p = clf.predict_proba(Xd_test)
    label = rule if rule == "weight_scaling" else f"{rule} ({k} masks)"
    print(f"{label:>28s} {np.mean(clf.classes_[p.argmax(1)] == yd_test):8.3f} "
          f"{log_loss(yd_test, p):13.3f}")

try:  # matplotlib is optional: pip install -e ".[examples]"
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: no plot")
    sys.exit(0)

fig, ax = plt.subplots(figsize=(7, 4.5))
for i, name in enumerate(["no dropout", "dropout=0.5", "dropout=0.5, input=0.2"]):
    est = fits[name]
    ax.plot(est.loss_curve_, color=f"C{i}", label=f"{name}: training objective")
    ax.plot(est.validation_loss_curve_, "--", color=f"C{i}", label=f"{name}: validation loss")
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("mean 1/2 squared error (standardized y)")
ax.set_title("Dropout on the diabetes data (book 7.12)")
ax.legend(fontsize=8)
fig.tight_layout()
if len(sys.argv) > 1:  # saved only when asked (examples/README.txt)
    fig.savefig(sys.argv[1], dpi=100)
    print(f"figure saved to {sys.argv[1]}")
plt.show()

"""
Sparse representations: penalties on the hidden activations (book 7.10)
=======================================================================

Representational sparsity -- many zero entries in ``h`` -- rather than
parameter sparsity.  On scikit-learn's digits data a one-hidden-layer ReLU
``MLPRegularizedClassifier`` is trained with ``activity_l1`` (``coef *
mean_i sum_j |h_ij|`` added to the objective, eq. 7.48) of growing strength:
``hidden_zero_fraction_`` (share of exactly-zero activations on the training
data) rises while the test accuracy is kept for moderate values.  For
logistic units, ``activity_kl`` pulls the average activation of every unit
toward ``sparsity_target`` (KL penalty of Lee et al. 2008).

The figure needs matplotlib; ``python examples/plot_sparse_activations.py
out.png`` also saves it.  Runs in ~15 s.
"""

import sys
import warnings

from scipy.special import expit
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklreg import MLPRegularizedClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y,
                                                    random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
COMMON = dict(hidden_layer_sizes=(128,), learning_rate=1e-3, max_iter=60, random_state=0)

print("ReLU units, activity_l1")
print(f"{'activity_l1':>11s} {'zero fraction':>13s} {'active units/example':>20s} {'test acc':>8s}")
rows = []
for coef in [0.0, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1]:
    est = MLPRegularizedClassifier(activity_l1=coef, **COMMON).fit(X_train, y_train)
    zero = est.hidden_zero_fraction_[0]
    rows.append((coef, zero, est.score(X_test, y_test)))
    print(f"{coef:11g} {zero:13.3f} {(1 - zero) * 128:20.1f} {rows[-1][2]:8.3f}")

print("\nlogistic units, activity_kl toward sparsity_target=0.05")
print(f"{'activity_kl':>11s} {'mean activation':>15s} {'test acc':>8s}")
for coef in [0.0, 0.1, 1.0]:
    est = MLPRegularizedClassifier(activation="logistic", activity_kl=coef, sparsity_target=0.05,
                                   **{**COMMON, "learning_rate": 1e-2}).fit(X_train, y_train)
    h = expit(X_train @ est.coefs_[0] + est.intercepts_[0])
    print(f"{coef:11g} {h.mean():15.3f} {est.score(X_test, y_test):8.3f}")

try:  # matplotlib is optional: pip install -e ".[examples]"
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: no plot")
    sys.exit(0)

fig, ax = plt.subplots(figsize=(6, 4))
coefs = [max(c, 1e-4) for c, _, _ in rows]
ax.semilogx(coefs, [z for _, z, _ in rows], "o-", label="fraction of zero activations")
ax.semilogx(coefs, [a for _, _, a in rows], "s--", label="test accuracy")
ax.set_xlabel("activity_l1 (0 drawn at 1e-4)")
ax.set_ylim(0, 1.02)
ax.set_title("Sparse representations (book 7.10), digits")
ax.legend()
fig.tight_layout()
if len(sys.argv) > 1:  # saved only when asked (examples/README.txt)
    fig.savefig(sys.argv[1], dpi=100)
    print(f"figure saved to {sys.argv[1]}")
plt.show()

"""
Batch normalization makes badly scaled and deep networks trainable (book 8.7.1)
===============================================================================

scikit-learn's breast-cancer data has features on very different scales
(from ~1e-3 to ~1e3).  A three-hidden-layer ``MLPRegularizedClassifier``
trained by plain SGD on the *raw* features diverges to a constant predictor;
with ``batch_norm=True`` every hidden pre-activation ``XW`` is standardized
over the minibatch and rescaled by a learned ``gamma``/``beta`` (the dense
bias is replaced by ``beta``), so the same learning rate works, with every
optimizer.  On standardized inputs this small network trains well without it,
and batch norm brings no speed-up: its training objective is noisier, because
the minibatch statistics inject noise (the regularizing side effect of book
7.12), while the test accuracy is slightly higher.  Predictions use the
running averages of the batch statistics collected during training
(``batch_norm_momentum``).

The figure needs matplotlib; ``python examples/plot_batch_norm.py out.png``
also saves it.  Runs in ~10 s.
"""

import sys
import warnings

from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklreg import MLPRegularizedClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0,
                                                    stratify=y)
scaler = StandardScaler().fit(X_train)
data = {
    "raw": (X_train, X_test),
    "standardized": (scaler.transform(X_train), scaler.transform(X_test)),
}
print(f"feature scales (std) from {X_train.std(axis=0).min():.1e} "
      f"to {X_train.std(axis=0).max():.1e}")

COMMON = dict(hidden_layer_sizes=(64, 64, 64), batch_size=32, max_iter=60, tol=0.0,
              n_iter_no_change=10**6, random_state=0)
curves = {}
print(f"\n{'inputs':>12s} {'optimizer':>9s} {'batch_norm':>10s} "
      f"{'objective after epoch 1 / 10 / 60':>36s} {'test acc':>8s}")
for kind, (Xtr, Xte) in data.items():
    for opt, lr in [("sgd", 0.01), ("momentum", 0.01), ("adam", 1e-3)]:
        for bn in (False, True):
            est = MLPRegularizedClassifier(optimizer=opt, learning_rate=lr, batch_norm=bn,
                                           **COMMON).fit(Xtr, y_train)
            lc = est.loss_curve_
            curves[kind, opt, bn] = lc
            print(f"{kind:>12s} {opt:>9s} {str(bn):>10s} "
                  f"{lc[0]:12.3g} {lc[9]:11.3g} {lc[-1]:11.3g} {est.score(Xte, y_test):8.3f}")

try:  # matplotlib is optional: pip install -e ".[examples]"
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: no plot")
    sys.exit(0)

fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, kind in zip(axes, data):
    for i, opt in enumerate(["sgd", "momentum", "adam"]):
        ax.plot(curves[kind, opt, False], "--", color=f"C{i}", label=f"{opt}")
        ax.plot(curves[kind, opt, True], color=f"C{i}", label=f"{opt} + batch norm")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training objective")
    ax.set_title(f"breast cancer, {kind} inputs")
    ax.legend(fontsize=8)
fig.suptitle("Batch normalization (book 8.7.1)")
fig.tight_layout()
if len(sys.argv) > 1:  # saved only when asked (examples/README.txt)
    fig.savefig(sys.argv[1], dpi=100)
    print(f"figure saved to {sys.argv[1]}")
plt.show()

"""
Designing models to aid optimization (draft 8.7.3-8.7.5) on a deep, narrow network
==================================================================================

A six-hidden-layer tanh network is hard to train with plain SGD: the gradient
reaching the lower layers is small.  This script trains it on the digits data
for a fixed budget of epochs and compares

* skip connections (``skip_connections=True``): shorter paths to the lower layers,
* auxiliary heads (``auxiliary_heads=True``): a nearby loss for every hidden layer,
* greedy supervised pretraining (``pretraining='greedy'``): layers added one at a time,
* a continuation method (``continuation={'weight_noise': (0.05, 0.0)}``): a blurred
  objective that sharpens over the epochs,

printing the training log-loss of the main output (the heads' losses are left
out, so the variants are comparable) and the test accuracy of each.  Runs in
well under a minute; the figure of the training curves needs matplotlib
(``python examples/plot_model_design.py out.png`` also saves it).
"""

import sys
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklreg import MLPRegularizedClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

base = dict(hidden_layer_sizes=(32,) * 6, activation="tanh", optimizer="sgd",
            learning_rate=0.02, max_iter=40, tol=0.0, random_state=0)
variants = {
    "plain": {},
    "skip connections": dict(skip_connections=True),
    "auxiliary heads": dict(auxiliary_heads=True, auxiliary_weight=0.3),
    "greedy pretraining": dict(pretraining="greedy", pretraining_epochs=8),
    "continuation (weight noise)": dict(continuation={"weight_noise": (0.05, 0.0)}),
}

curves = {}
print(f"{'variant':30s} {'train log-loss':>15s} {'test accuracy':>14s}")
for name, kw in variants.items():
    est = MLPRegularizedClassifier(**base, **kw).fit(X_train, y_train)
    curves[name] = est.loss_curve_
    train_loss = log_loss(y_train, est.predict_proba(X_train))
    print(f"{name:30s} {train_loss:15.4f} {est.score(X_test, y_test):14.3f}")

try:  # matplotlib is optional: pip install -e ".[examples]"
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: no plot")
    sys.exit(0)

fig, ax = plt.subplots(figsize=(6, 4))
for name, curve in curves.items():
    ax.plot(range(1, len(curve) + 1), curve, label=name)
ax.set_xlabel("epoch")
ax.set_ylabel("training objective (with head losses)")
ax.set_yscale("log")
ax.set_title("Deep tanh network, plain SGD (draft 8.7.3-8.7.5)")
ax.legend()
fig.tight_layout()
if len(sys.argv) > 1:  # saved only when asked (examples/README.txt)
    fig.savefig(sys.argv[1], dpi=100)
    print(f"figure saved to {sys.argv[1]}")
plt.show()

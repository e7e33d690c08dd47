"""
Noise robustness, dataset augmentation and label smoothing (book 7.4, 7.5, 7.5.1)
=================================================================================

1. Input noise is a penalty (7.5, Bishop 1995): a linear regression trained
   by SGD with Gaussian input noise of variance ``nu`` (``input_noise =
   sqrt(nu)``) lands on the ridge solution ``RidgeClosedForm(alpha=nu)``
   (mean 1/2 squared loss convention), not on least squares.
2. Noise against overfitting on scikit-learn's diabetes data: a wide
   two-hidden-layer ``MLPRegularizedRegressor`` trained for 200 epochs with
   no weight penalty overfits badly; Gaussian noise on the inputs
   (``input_noise``), on the hidden units (``hidden_noise``, additive or
   multiplicative), on the weights (``weight_noise``) and a user
   augmentation callable (``augment``, here "jittered copies of the
   minibatch", book 7.4) trade training fit for test R^2.
3. Label smoothing (7.5.1) on the breast-cancer data: the largest predicted
   probability stays below 1 and the weights stay bounded, while the
   accuracy is unchanged.

The figure needs matplotlib; ``python examples/plot_noise.py out.png`` also
saves it.  Runs in ~20 s.
"""

import sys
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from sklreg.linear import RidgeClosedForm

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
y_mean, y_std = y_train.mean(), y_train.std()
y_train, y_test = (y_train - y_mean) / y_std, (y_test - y_mean) / y_std

# ------------------------------------------- 1. input noise == L2 (linear model)
print("1. linear regression: input noise of variance nu vs ridge alpha = nu")
print(f"{'nu':>6s} {'|w_noise - w_ridge|':>20s} {'|w_ridge - w_ols|':>18s}")
ols = RidgeClosedForm(alpha=0.0).fit(X_train, y_train)
for nu in [0.1, 0.5, 2.0]:
    ridge = RidgeClosedForm(alpha=nu).fit(X_train, y_train)
    lin = MLPRegularizedRegressor(
        hidden_layer_sizes=(), input_noise=np.sqrt(nu), alpha=0.0, optimizer="sgd",
        learning_rate=0.01, lr_schedule="linear", batch_size=16, max_iter=300, tol=0.0,
        n_iter_no_change=10**6, random_state=0,
    ).fit(X_train, y_train)
    w = lin.coefs_[0].ravel()
    print(f"{nu:6.1f} {np.linalg.norm(w - ridge.coef_):20.4f} "
          f"{np.linalg.norm(ridge.coef_ - ols.coef_):18.4f}")


# ------------------------------------------------- 2. noise vs overfitting
def jittered_copies(X_batch, y_batch, rng):
    """Augmentation: append a copy of the batch with 0.3-std jitter (labels kept)."""
    noisy = X_batch + 0.3 * rng.standard_normal(X_batch.shape)
    return np.vstack([X_batch, noisy]), np.concatenate([y_batch, y_batch])


COMMON = dict(hidden_layer_sizes=(256, 256), learning_rate=1e-3, batch_size=32, max_iter=200,
              alpha=0.0, tol=0.0, n_iter_no_change=10**6, random_state=0)
runs = {
    "none": {},
    "input_noise=0.3": dict(input_noise=0.3),
    "input_noise=1.0": dict(input_noise=1.0),
    "hidden_noise=0.5 (add)": dict(hidden_noise=0.5),
    "hidden_noise=1.0 (mult)": dict(hidden_noise=1.0, hidden_noise_type="multiplicative"),
    "weight_noise=0.02": dict(weight_noise=0.02),
    "weight_noise=0.1": dict(weight_noise=0.1),
    "augment (jitter copies)": dict(augment=jittered_copies),
}
print("\n2. diabetes, (256, 256) units, 200 epochs, no weight penalty")
print(f"{'':>24s} {'train R2':>8s} {'test R2':>8s} {'||W||_F':>8s}")
results = {}
for name, kw in runs.items():
    est = MLPRegularizedRegressor(**COMMON, **kw).fit(X_train, y_train, X_val=X_test, y_val=y_test)
    norm = np.sqrt(sum((W**2).sum() for W in est.coefs_))
    results[name] = est
    print(f"{name:>24s} {est.score(X_train, y_train):8.3f} {est.score(X_test, y_test):8.3f} "
          f"{norm:8.2f}")

# ------------------------------------------------------ 3. label smoothing
Xc, yc = load_breast_cancer(return_X_y=True)
Xc_train, Xc_test, yc_train, yc_test = train_test_split(Xc, yc, test_size=0.3, random_state=0)
scaler = StandardScaler().fit(Xc_train)
Xc_train, Xc_test = scaler.transform(Xc_train), scaler.transform(Xc_test)
print("\n3. breast cancer, (64,) units, 300 epochs, label smoothing eps")
print(f"{'eps':>5s} {'max p (train)':>13s} {'test acc':>8s} {'test log-loss':>13s} {'||W||_F':>8s}")
smooth = []
for eps in [0.0, 0.05, 0.1, 0.2]:
    clf = MLPRegularizedClassifier(
        hidden_layer_sizes=(64,), label_smoothing=eps, alpha=0.0, learning_rate=1e-3,
        max_iter=300, tol=0.0, n_iter_no_change=10**6, random_state=0,
    ).fit(Xc_train, yc_train)
    norm = np.sqrt(sum((W**2).sum() for W in clf.coefs_))
    pmax = clf.predict_proba(Xc_train).max()
    smooth.append((eps, pmax, norm))
    print(f"{eps:5.2f} {pmax:13.6f} {clf.score(Xc_test, yc_test):8.3f} "
          f"{log_loss(yc_test, clf.predict_proba(Xc_test)):13.3f} {norm:8.2f}")

try:  # matplotlib is optional: pip install -e ".[examples]"
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: no plot")
    sys.exit(0)

fig, ax = plt.subplots(figsize=(7, 4.5))
for i, name in enumerate(["none", "input_noise=1.0", "hidden_noise=1.0 (mult)",
                          "augment (jitter copies)"]):
    est = results[name]
    ax.plot(est.loss_curve_, color=f"C{i}", label=f"{name}: training")
    ax.plot(est.validation_loss_curve_, "--", color=f"C{i}", label=f"{name}: validation")
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("mean 1/2 squared error (standardized y)")
ax.set_title("Noise injection on the diabetes data (book 7.4-7.5)")
ax.legend(fontsize=7)
fig.tight_layout()
if len(sys.argv) > 1:  # saved only when asked (examples/README.txt)
    fig.savefig(sys.argv[1], dpi=100)
    print(f"figure saved to {sys.argv[1]}")
plt.show()

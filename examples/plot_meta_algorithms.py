"""
Early stopping and its retraining algorithms, averaging and curriculum (book 7.8, 8.7)
======================================================================================

On the Friedman #1 regression problem (``make_friedman1``, 3,000 rows, noise
1.0) an over-parameterized network is
trained with a constant, fairly high learning rate -- a setting where the last
iterate is noisy -- and compared with

* early stopping (Algorithm 7.1) and its two retraining variants
  (Algorithm 7.2 'retrain', Algorithm 7.3 'continue'),
* Polyak averaging and the exponential moving average of the iterates (8.7.3),
* a deterministic and a stochastic curriculum (draft 8.7.5),

printing epochs run and test R^2 (mean over 3 seeds).  Runs in well under a minute.
"""

import warnings

import numpy as np
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklreg import MLPRegularizedRegressor

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = make_friedman1(n_samples=3000, n_features=10, noise=1.0, random_state=0)
X = StandardScaler().fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

base = dict(hidden_layer_sizes=(128, 128), optimizer="sgd", learning_rate=0.02,
            batch_size=32, max_iter=60, alpha=1e-5)
variants = {
    "plain (last iterate)": {},
    "early stopping (Alg. 7.1)": dict(early_stopping=True, n_iter_no_change=8),
    "+ retrain on all data (Alg. 7.2)": dict(early_stopping=True, n_iter_no_change=8,
                                             early_stopping_refit="retrain"),
    "+ continue on all data (Alg. 7.3)": dict(early_stopping=True, n_iter_no_change=8,
                                              early_stopping_refit="continue"),
    "Polyak averaging from epoch 10": dict(averaging="polyak", averaging_start=10),
    "EMA of the iterates": dict(averaging="ema", averaging_decay=0.999),
    "deterministic curriculum": dict(curriculum="deterministic"),
    "stochastic curriculum": dict(curriculum="stochastic"),
}

print(f"{'variant':36s} {'epochs':>7s} {'test R^2':>9s}")
for name, kw in variants.items():
    scores, epochs = [], []
    for seed in range(3):
        est = MLPRegularizedRegressor(**base, **kw, random_state=seed).fit(X_train, y_train)
        scores.append(est.score(X_test, y_test))
        epochs.append(est.n_iter_)
    print(f"{name:36s} {np.mean(epochs):7.1f} {np.mean(scores):9.4f}")

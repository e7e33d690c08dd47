"""Curriculum learning (draft 8.7.5; Bengio et al., 2009; Zaremba & Sutskever, 2014).

A curriculum decides which training rows each epoch visits, from a per-sample
difficulty (higher = harder).  It plugs into the training loop as its
``sampler(epoch, rng) -> row indices``.

* ``'deterministic'``: start with the easiest ``start_fraction`` of the rows and
  add harder ones linearly until every row is in use after ``n_epochs`` epochs
  (easy examples first, harder ones added over epochs).
* ``'stochastic'``: every epoch presents ``n`` rows mixing easy (below median
  difficulty) and hard (above) examples; the share of hard ones grows linearly
  from ``start_fraction`` times its natural share to the natural share, so the
  learner always sees some hard examples (the stochastic curriculum the draft
  recommends over the deterministic one).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["Curriculum", "per_sample_loss"]


class Curriculum:
    """Row sampler of one fit.

    Parameters
    ----------
    difficulty : ndarray of shape (n_samples,)
    kind : {'deterministic', 'stochastic'}
    start_fraction : float in (0, 1]
    n_epochs : int
        Epochs until the full data set (or the natural share of hard examples)
        is reached.
    epoch0 : int
        Epoch counter value at the start of this fit (warm starts continue it).
    shuffle : bool
        Shuffle the rows of an epoch (the deterministic curriculum without
        shuffling visits them easiest first).
    """

    def __init__(self, difficulty, kind, start_fraction, n_epochs, epoch0=0, shuffle=True):
        self.order = np.argsort(np.asarray(difficulty), kind="stable")  # easy -> hard
        self.kind = kind
        self.start_fraction = start_fraction
        self.n_epochs = max(1, n_epochs)
        self.epoch0 = epoch0
        self.shuffle = shuffle

    def progress(self, epoch):
        """Fraction of the schedule done at (absolute) ``epoch``, in [0, 1]."""
        return min(1.0, (epoch - self.epoch0) / self.n_epochs)

    def __call__(self, epoch, rng):
        n = len(self.order)
        prog = self.progress(epoch)
        if self.kind == "deterministic":
            frac = self.start_fraction + (1.0 - self.start_fraction) * prog
            active = self.order[: max(1, math.ceil(round(frac * n, 9)))]  # no float-noise extra row
            return rng.permutation(active) if self.shuffle else active
        easy, hard = self.order[: n // 2], self.order[n // 2 :]
        natural = len(hard) / n
        share = natural * (self.start_fraction + (1.0 - self.start_fraction) * prog)
        n_hard = min(len(hard), int(round(share * n)))
        picked_hard = rng.choice(hard, size=n_hard, replace=False)
        n_easy = n - n_hard
        extra = rng.choice(easy, size=max(0, n_easy - len(easy)), replace=True)
        picked_easy = np.concatenate([easy, extra]) if n_easy >= len(easy) else rng.choice(
            easy, size=n_easy, replace=False
        )
        return rng.permutation(np.concatenate([picked_easy, picked_hard]))


def per_sample_loss(estimator, X, y):
    """Per-sample loss of a fitted sklreg MLP on (X, y): the difficulty estimate.

    Cross-entropy of the true class (sum over labels for multilabel targets)
    for classifiers, ``0.5 * ||y - f(x)||^2`` for regressors, the half Poisson
    deviance for ``loss='poisson'``.
    """
    if hasattr(estimator, "classes_"):
        P = np.clip(estimator.predict_proba(X), 1e-15, 1.0)
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] > 1:  # multilabel indicator
            return -(y * np.log(P) + (1 - y) * np.log1p(-np.minimum(P, 1 - 1e-15))).sum(axis=1)
        idx = np.searchsorted(estimator.classes_, y.ravel())
        return -np.log(P[np.arange(len(idx)), idx])
    pred = np.asarray(estimator.predict(X), dtype=np.float64)
    pred = pred.reshape(len(pred), -1)
    Y = np.asarray(y, dtype=np.float64).reshape(len(pred), -1)
    if getattr(estimator, "loss", None) == "poisson":  # half Poisson deviance per row
        mu = np.maximum(pred, np.finfo(np.float64).tiny)
        ylogy = np.where(Y > 0, Y * np.log(np.where(Y > 0, Y, 1.0) / mu), 0.0)
        return np.nansum(ylogy - Y + mu, axis=1)  # NaN: missing label (multi-task, 7.7)
    diff = np.nan_to_num(pred - Y, nan=0.0)
    return 0.5 * np.einsum("ij,ij->i", diff, diff)

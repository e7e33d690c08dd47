"""Error decomposition of an average of k models (book eq 7.50-7.51)."""

from __future__ import annotations

import numpy as np
from sklearn.utils import Bunch

from .._validation import check_sample_weight

__all__ = ["ensemble_error_decomposition"]


def ensemble_error_decomposition(y_true, member_predictions, *, sample_weight=None):
    """Book eq 7.50: squared error of the average of k models from v and c.

    With the members' raw errors ``e_i = pred_i - y`` (not centered) and means
    over the samples (and outputs; weighted by ``sample_weight`` if given):

    * ``v = (1/k) sum_i mean(e_i^2)`` -- the members' average squared error
      (the book's error variance ``E[eps_i^2]``);
    * ``c = 1/(k(k-1)) sum_{i != j} mean(e_i e_j)`` -- their average pairwise
      error covariance ``E[eps_i eps_j]``;
    * ``predicted_mse = v/k + (k-1) c/k``;
    * ``ensemble_mse = mean(((1/k) sum_i e_i)^2)``, the squared error of the
      mean prediction.

    The identity ``ensemble_mse == predicted_mse`` holds exactly (up to
    rounding) on any data, since ``(sum_i e_i)^2 = sum_i e_i^2 + sum_{i != j} e_i e_j``.
    ``c = v`` (perfectly correlated errors) means no gain; ``c = 0`` gives ``v/k``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
    member_predictions : array-like of shape (k, n_samples) or (k, n_samples, n_outputs)
        One row per member, e.g. ``[m.predict(X) for m in bagging.estimators_]``.
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    result : sklearn.utils.Bunch
        ``v``, ``c`` (NaN when k == 1), ``k``, ``predicted_mse``,
        ``ensemble_mse``, ``member_mse`` (ndarray (k,), each member's mean
        squared error; their mean is ``v``) and ``correlation = c / v``.
    """
    y = np.asarray(y_true, dtype=np.float64)
    P = np.asarray(member_predictions, dtype=np.float64)
    if P.ndim == y.ndim:
        P = P[None]  # a single member
    if P.shape[1:] != y.shape:
        raise ValueError(
            f"member_predictions has shape {P.shape}; expected (k,) + y_true.shape = "
            f"(k,) + {y.shape}."
        )
    k, n = P.shape[0], y.shape[0]
    E = (P - y).reshape(k, n, -1)  # (k, n, q)
    w = np.ones(n) if sample_weight is None else check_sample_weight(sample_weight, n)
    w = np.repeat(w / (w.sum() * E.shape[2]), E.shape[2])  # weights over the n*q entries
    E = E.reshape(k, -1)
    S = (E * w) @ E.T  # S_ij = mean(e_i e_j)
    member_mse = np.diag(S).copy()
    v = float(member_mse.mean())
    c = float((S.sum() - np.trace(S)) / (k * (k - 1))) if k > 1 else np.nan
    predicted = v / k + ((k - 1) * c / k if k > 1 else 0.0)
    ensemble_mse = float(w @ E.mean(axis=0) ** 2)
    return Bunch(
        v=v, c=c, k=k, predicted_mse=predicted, ensemble_mse=ensemble_mse,
        member_mse=member_mse, correlation=c / v if v > 0 else np.nan,
    )

"""Adversarial examples of fitted MLP estimators (book 7.13).

:func:`fgsm_perturb` builds the fast-gradient-sign examples
``x + eps * sign(grad_x J(theta; x, y))`` (Goodfellow et al. 2014) that
``adversarial='fgsm'`` trains on, for any fitted
:class:`~sklreg.MLPRegularizedClassifier` or
:class:`~sklreg.MLPRegularizedRegressor`: to measure how accurate a model
stays under attack (see docs/adversarial.md).
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._early_stopping import check_validation
from ._hessian import _unchanged_statistics
from ._objective import _training_ctx
from .features.adversarial import fgsm_inputs

__all__ = ["fgsm_perturb"]


def fgsm_perturb(estimator, X, y, eps):
    """Fast-gradient-sign adversarial examples of a fitted MLP (book 7.13).

    ``X_adv = X + eps * sign(grad_x J(theta; X, y))``, ``J`` the estimator's
    data loss (cross-entropy or its regression loss) at its fitted
    parameters: the max-norm perturbation of size ``eps`` that increases
    the linearized loss the most (for a linear model, each output changes
    by ``eps * ||w||_1``, book 7.13).

    The gradient is taken in training mode with one frozen draw (seed 0)
    for dropout and noise layers, and batch normalization uses the
    statistics of ``X`` (its running statistics are left unchanged); for a
    network without those layers it is the gradient of the deterministic
    model.  Rows where a component of the gradient is exactly zero are not
    moved along it.

    Parameters
    ----------
    estimator : fitted MLPRegularizedClassifier or MLPRegularizedRegressor
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Inputs, validated like ``predict``'s; sparse inputs are densified
        (the perturbation moves every feature).
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        True targets (class labels among ``classes_`` for the classifier).
    eps : float
        Max-norm size of the perturbation, in input units, > 0.

    Returns
    -------
    X_adv : ndarray of shape (n_samples, n_features)
        Dense, with the dtype of the fitted parameters.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklreg import MLPRegularizedClassifier
    >>> from sklreg.adversarial import fgsm_perturb
    >>> X, y = make_classification(200, 5, random_state=0)
    >>> clf = MLPRegularizedClassifier((16,), max_iter=300, random_state=0).fit(X, y)
    >>> X_adv = fgsm_perturb(clf, X, y, eps=0.2)
    >>> bool(clf.score(X_adv, y) < clf.score(X, y))
    True
    """
    check_is_fitted(estimator, "_theta")
    if isinstance(eps, bool) or not isinstance(eps, Real) or not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a finite number > 0 (input units); got {eps!r}.")
    theta = estimator._theta
    X, Y, _, _ = check_validation(estimator, (X, y, None), theta.dtype)
    objective = estimator._objective
    with _unchanged_statistics(objective.network):
        G = objective.input_grad(theta, X, Y, None, _training_ctx(0))
    return fgsm_inputs(X, G, float(eps), np.empty(G.shape, dtype=G.dtype))

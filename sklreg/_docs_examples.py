"""See Also and Examples sections of the MLP estimators' docstrings.

Appended to the docstrings assembled by :mod:`sklreg._docs`; the examples run
as doctests in tests/test_docstrings.py (small data, outputs that do not depend
on float rounding).
"""

CLASSIFIER_EXAMPLES = """
    See Also
    --------
    MLPRegularizedRegressor : The same network for regression.
    BaggingNetClassifier : Bagging of these networks (book 7.11).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklreg import MLPRegularizedClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPRegularizedClassifier(hidden_layer_sizes=(16,), alpha=1e-3, dropout=0.1,
    ...                                max_iter=20, random_state=0).fit(X, y)
    >>> clf.classes_
    array([0, 1, 2])
    >>> clf.predict_proba(X[:2]).shape, clf.predict(X[:2]).shape
    ((2, 3), (2,))
"""

REGRESSOR_EXAMPLES = """
    See Also
    --------
    MLPRegularizedClassifier : The same network for classification.
    BaggingNetRegressor : Bagging of these networks (book 7.11).
    RidgeClosedForm : The closed-form linear model with the same ``alpha``.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklreg import MLPRegularizedRegressor
    >>> X, y = make_regression(n_samples=100, n_features=4, noise=1.0, random_state=0)
    >>> reg = MLPRegularizedRegressor(hidden_layer_sizes=(16,), alpha=1e-3,
    ...                               optimizer="lbfgs", max_iter=20, random_state=0)
    >>> reg.fit(X, y).predict(X[:3]).shape
    (3,)
    >>> [w.shape for w in reg.coefs_]
    [(4, 16), (16, 1)]
"""

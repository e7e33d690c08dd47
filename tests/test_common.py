"""scikit-learn's estimator checks on every sklreg estimator (fast settings)."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor

FAST = dict(hidden_layer_sizes=(16,), max_iter=100, learning_rate=0.01, random_state=0)

ESTIMATORS = [
    MLPRegularizedClassifier(**FAST),
    MLPRegularizedRegressor(**FAST),
    # book 7.1-7.2 norm penalties and constraints (one instance each)
    MLPRegularizedClassifier(**FAST, l1=1e-3),
    MLPRegularizedRegressor(**FAST, l1=1e-3, l1_method="subgradient"),
    MLPRegularizedClassifier(**FAST, weight_decay_mode="decoupled", alpha=1e-3),
    MLPRegularizedClassifier(**FAST, max_norm=2.0),
    MLPRegularizedRegressor(**FAST, max_norm=[2.0, None], max_norm_scope="layer"),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)

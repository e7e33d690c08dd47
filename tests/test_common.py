"""scikit-learn's estimator checks on every sklreg estimator (fast settings)."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor

FAST = dict(hidden_layer_sizes=(16,), max_iter=100, learning_rate=0.01, random_state=0)

ESTIMATORS = [
    MLPRegularizedClassifier(**FAST),
    MLPRegularizedRegressor(**FAST),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)

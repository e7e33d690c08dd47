"""scikit-learn's estimator checks on every sklreg estimator (fast settings)."""

import numpy as np
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklreg.features import FEATURES
from sklreg._params import stochastic_regularizers
from sklreg import (
    BaggingNetClassifier,
    BaggingNetRegressor,
    MLPRegularizedClassifier,
    MLPRegularizedRegressor,
)

from _helpers import CHECKS_FIT as FAST


def first_axis_tangent(X):
    """Tangent propagation along the first input axis, for any number of features."""
    V = np.zeros((X.shape[0], 1, X.shape[1]))
    V[:, 0, 0] = 1.0
    return V


#: the feature registry gives one estimator-check instance per feature (its
#: ``example``, on the classifier unless listed here); the checks' datasets
#: have 10-20 rows and any number of features, hence these exceptions
FEATURE_CHECKS = {
    # a validation set of >= 2 rows with one per class
    "early_stopping": (MLPRegularizedClassifier, {"early_stopping": True,
                                                  "validation_fraction": 0.3}),
    "refit": (MLPRegularizedRegressor, {"early_stopping": True, "validation_fraction": 0.3,
                                        "early_stopping_refit": "continue"}),
    "tangent": (MLPRegularizedClassifier, {"tangent_prop": 0.1,
                                           "tangent_vectors": first_axis_tangent}),
    "multitask": (MLPRegularizedRegressor, None),  # one head per output
    "per_example": (MLPRegularizedRegressor, None),
    "init_from": None,  # the example's arrays fit 5 input features only
}


def _feature_instances():
    out = []
    for feature in FEATURES:
        Est, params = FEATURE_CHECKS.get(feature.name, (MLPRegularizedClassifier, None)) or (
            None, None)
        if Est is not None:
            out.append(Est(**{**FAST, **(feature.example if params is None else params)}))
    return out


ESTIMATORS = [
    MLPRegularizedClassifier(**FAST),
    MLPRegularizedRegressor(**FAST),
    # book 7.1-7.2 norm penalties and constraints (the registry's instance has
    # subgradient L1 and max-norm on every layer)
    MLPRegularizedClassifier(**FAST, l1=1e-3),
    MLPRegularizedClassifier(**FAST, weight_decay_mode="decoupled", alpha=1e-3),
    MLPRegularizedRegressor(**FAST, max_norm=[2.0, None], max_norm_scope="layer"),
    # book 7.11 bagging, seeds-only diversity (bootstrap=True instances, with the
    # sample-weight-equivalence xfails sklearn's own Bagging* declare, run in
    # test_ensemble.py)
    BaggingNetClassifier(
        MLPRegularizedClassifier(hidden_layer_sizes=(8,), max_iter=50, learning_rate=0.01),
        n_estimators=3, bootstrap=False, random_state=0,
    ),
    BaggingNetRegressor(
        MLPRegularizedRegressor(hidden_layer_sizes=(8,), max_iter=50, learning_rate=0.01),
        n_estimators=3, bootstrap=False, random_state=0,
    ),
    # book 7.4-7.12, 8.7.1: variants of the noise, dropout, batch-norm and sparsity
    # features, label smoothing
    MLPRegularizedRegressor(**FAST, batch_norm=True),
    MLPRegularizedClassifier(**FAST, activation="logistic", activity_kl=1e-3),
    MLPRegularizedClassifier(**FAST, hidden_noise=0.1, hidden_noise_type="multiplicative"),
    MLPRegularizedRegressor(**FAST, weight_noise=0.01),
    MLPRegularizedClassifier(**FAST, input_dropout=0.1, dropout_type="gaussian"),
    MLPRegularizedClassifier(**FAST, dropout=0.2, dropout_type="dropconnect"),
    # draft 8.5: full-batch L-BFGS (deterministic: sample weights = repetitions)
    MLPRegularizedClassifier(**FAST, optimizer="lbfgs"),
    # (alpha=0.1: a well-conditioned minimum that L-BFGS reaches by its gtol test,
    # so weighted and repeated data agree whatever the CPU's rounding)
    MLPRegularizedRegressor(**{**FAST, "max_iter": 500}, optimizer="lbfgs", alpha=0.1),
    # variants of registered features (7.8, 8.7)
    MLPRegularizedClassifier(**FAST, early_stopping=True, early_stopping_refit="retrain",
                             validation_fraction=0.3),
    MLPRegularizedRegressor(**FAST, averaging="ema"),
    MLPRegularizedClassifier(**FAST, curriculum="stochastic"),
    # one instance per registered book feature
    *_feature_instances(),
]


def _expected_failed_checks(estimator):
    """Checks that fail by design for some regularizers (reason given)."""
    failed = {}
    stochastic = isinstance(estimator, (MLPRegularizedClassifier, MLPRegularizedRegressor))
    per_row = [] if not stochastic else [
        name for name in stochastic_regularizers(estimator)
        # weight noise and DropConnect masks are drawn once per minibatch (shared by
        # its rows), so a weight of 2 and a repeated row see the same draw
        if getattr(estimator, "weight_noise_sampling", "batch") == "example" or (
            name != "weight_noise" and getattr(estimator, "dropout_type", "") != "dropconnect")
    ]
    if per_row:
        reason = (
            "dropout masks / noise are drawn per row: a weight of 2 and a repeated "
            "row see different noise, so the fits differ"
        )
        failed["check_sample_weight_equivalence_on_dense_data"] = reason
        failed["check_sample_weight_equivalence_on_sparse_data"] = reason
    if getattr(estimator, "early_stopping", False):
        reason = (
            "the random validation split (Algorithm 7.1) can put copies of a repeated "
            "row on both sides, which a weight of 2 cannot express"
        )
        failed["check_sample_weight_equivalence_on_dense_data"] = reason
        failed["check_sample_weight_equivalence_on_sparse_data"] = reason
    row_counting = [
        (getattr(estimator, "curriculum", None) is not None,
         "the curriculum orders rows by a first model's per-row loss and grows the "
         "visible share by rows: repeats change the order and the shares"),
        (getattr(estimator, "batch_size_growth", 1.0) != 1.0,
         "the minibatch schedule counts rows: repeated rows make more, differently "
         "grown batches"),
        (getattr(estimator, "init", None) == "lsuv",
         "LSUV rescales the layers on a sample of rows (unweighted)"),
    ]
    for applies, reason in row_counting:
        if applies:
            failed["check_sample_weight_equivalence_on_dense_data"] = reason
            failed["check_sample_weight_equivalence_on_sparse_data"] = reason
    return failed


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)

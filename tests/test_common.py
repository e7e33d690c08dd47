"""scikit-learn's estimator checks on every sklreg estimator (fast settings)."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklreg.layers import stochastic_regularizers
from sklreg import (
    BaggingNetClassifier,
    BaggingNetRegressor,
    MLPRegularizedClassifier,
    MLPRegularizedRegressor,
)

from _helpers import CHECKS_FIT as FAST


def jitter(X, y, rng):
    """A picklable augmentation (book 7.4): small Gaussian jitter of the inputs."""
    return X + 0.01 * rng.standard_normal(X.shape), y



ESTIMATORS = [
    MLPRegularizedClassifier(**FAST),
    MLPRegularizedRegressor(**FAST),
    # book 7.1-7.2 norm penalties and constraints (one instance each)
    MLPRegularizedClassifier(**FAST, l1=1e-3),
    MLPRegularizedRegressor(**FAST, l1=1e-3, l1_method="subgradient"),
    MLPRegularizedClassifier(**FAST, weight_decay_mode="decoupled", alpha=1e-3),
    MLPRegularizedClassifier(**FAST, max_norm=2.0),
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
    # book 7.4-7.12, 8.7.1: noise, dropout, batch norm, label smoothing, sparsity
    MLPRegularizedClassifier(**FAST, dropout=0.2),
    MLPRegularizedRegressor(**FAST, input_noise=0.05),
    MLPRegularizedClassifier(**FAST, batch_norm=True),
    MLPRegularizedRegressor(**FAST, batch_norm=True),
    MLPRegularizedClassifier(**FAST, label_smoothing=0.02),
    MLPRegularizedClassifier(**FAST, activity_l1=1e-3),
    MLPRegularizedClassifier(**FAST, activation="logistic", activity_kl=1e-3),
    MLPRegularizedClassifier(**FAST, hidden_noise=0.1, hidden_noise_type="multiplicative"),
    MLPRegularizedRegressor(**FAST, weight_noise=0.01),
    MLPRegularizedClassifier(**FAST, input_dropout=0.1, dropout_type="gaussian"),
    MLPRegularizedClassifier(**FAST, dropout=0.2, dropout_type="dropconnect"),
    MLPRegularizedRegressor(**FAST, augment=jitter),
    # draft 8.5: full-batch L-BFGS (deterministic: sample weights = repetitions)
    MLPRegularizedClassifier(**FAST, optimizer="lbfgs"),
    # (alpha=0.1: a well-conditioned minimum that L-BFGS reaches by its gtol test,
    # so weighted and repeated data agree whatever the CPU's rounding)
    MLPRegularizedRegressor(**{**FAST, "max_iter": 500}, optimizer="lbfgs", alpha=0.1),
    # book 7.8 and 8.7: meta-algorithms and model design
    # (validation_fraction=0.3: the checks' 10-20 row datasets still leave a
    # validation set of >= 2 rows with one per class, as sklreg requires)
    MLPRegularizedClassifier(**FAST, early_stopping=True, early_stopping_refit="retrain",
                             validation_fraction=0.3),
    MLPRegularizedRegressor(**FAST, early_stopping=True, early_stopping_refit="continue",
                            validation_fraction=0.3),
    MLPRegularizedClassifier(**FAST, averaging="polyak"),
    MLPRegularizedRegressor(**FAST, averaging="ema"),
    MLPRegularizedClassifier(**FAST, curriculum="stochastic"),
    MLPRegularizedClassifier(**{**FAST, "hidden_layer_sizes": (8, 8, 8)}, skip_connections=True,
                             auxiliary_heads=True),
    MLPRegularizedRegressor(**{**FAST, "hidden_layer_sizes": (8, 8)}, pretraining="greedy"),
    MLPRegularizedClassifier(**FAST, continuation={"alpha": (0.1, 1e-4)}),
]


def _expected_failed_checks(estimator):
    """Checks that fail by design for some regularizers (reason given)."""
    failed = {}
    stochastic = isinstance(estimator, (MLPRegularizedClassifier, MLPRegularizedRegressor))
    per_row = [] if not stochastic else [
        name for name in stochastic_regularizers(estimator)
        # weight noise and DropConnect masks are drawn once per minibatch (shared by
        # its rows), so a weight of 2 and a repeated row see the same draw
        if name != "weight_noise" and getattr(estimator, "dropout_type", "") != "dropconnect"
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
    if getattr(estimator, "curriculum", None) == "stochastic":
        reason = "the stochastic curriculum samples rows at random: repeats change the draws"
        failed["check_sample_weight_equivalence_on_dense_data"] = reason
        failed["check_sample_weight_equivalence_on_sparse_data"] = reason
    return failed


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)

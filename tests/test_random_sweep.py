"""Randomized sweep (hypothesis) over parameter combinations and data shapes.

For every drawn case the MLP estimators must EITHER give a valid model
(finite predictions; probabilities finite, in [0, 1], rows summing to 1;
labels among ``classes_``) OR raise a ``ValueError``/``TypeError`` whose
message names the offending parameter or input -- and then not predict
(a failed first fit leaves the estimator unfitted; a failed warm start keeps
the previous model's predictions exactly).

The runs are derandomized (reproducible in CI) and small: a few hidden units,
``max_iter`` <= 15, at most 80 rows.  A failing example prints as a
copy-pasteable reproduction (see :meth:`Case.__repr__`).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from sklreg import MLPRegularizedClassifier, MLPRegularizedRegressor
from sklreg.exceptions import DivergenceWarning

TASKS = ("binary", "multiclass", "multilabel", "regression", "regression2")
OPTIMIZERS = (
    "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "rmsprop_nesterov", "adam",
    "adadelta", "lbfgs", "bfgs", "cg", "newton", "natural_gradient", "delta_bar_delta",
)
NAN, INF = float("nan"), float("inf")


def first_axis_tangent(X):
    """Tangent propagation along the first input axis (any number of features)."""
    V = np.zeros((X.shape[0], 1, X.shape[1]))
    V[:, 0, 0] = 1.0
    return V


# Each entry draws a *group* of parameters (dict), so that tied parameters
# (early_stopping + validation_fraction + scoring, ...) come together.  Values
# mix sensible and invalid ones; sensible values are drawn 3 times as often so
# that most cases get past the parameter validation into training.
def _pick(valid, invalid=()):
    return st.sampled_from(list(valid) * 3 + list(invalid))


def _one(name, valid, invalid=()):
    return _pick(valid, invalid).map(lambda v: {name: v})


COMMON = {
    "optimizer": _one("optimizer", OPTIMIZERS, ["adamw", 3, None]),
    "learning_rate": _one(
        "learning_rate", [None, 1e-3, 0.01, 0.1, 1.0, 1e6], [-1, 0, NAN, INF, "0.1"]
    ),
    "alpha": _one("alpha", [0.0, 1e-4, 0.1, 10.0, 1e6], [-1.0, NAN, [0.1] * 5, "a"]),
    "l1": _one("l1", [0.0, 1e-3, 0.1, 5.0], [-0.5, NAN, [0.0, 0.1, 0.2, 0.3, 0.4]]),
    "dropout": _one("dropout", [0.0, 0.2, 0.5, 0.9], [1.0, -0.1, 1.5, [0.1] * 5, NAN]),
    "input_dropout": _one("input_dropout", [0.0, 0.2, 0.5, 0.99], [1.0, -0.2]),
    "input_noise": _one("input_noise", [0.0, 0.1, 1.0, 100.0], [-1.0, INF, NAN]),
    "hidden_noise": _one("hidden_noise", [0.0, 0.1, 1.0], [-0.1, [0.1] * 5]),
    "weight_noise": _one("weight_noise", [0.0, 0.01, 1.0, 10.0], [-1.0, INF]),
    "batch_norm": _one("batch_norm", [True, False], ["yes", 1, None]),
    "max_norm": _one("max_norm", [None, 0.5, 3.0, 1e-3], [0.0, -1.0, INF]),
    "clip_norm": _one("clip_norm", [None, 1.0, 1e-3], [0.0, -1.0, NAN]),
    "early_stopping": st.fixed_dictionaries({
        "early_stopping": _pick([True, True, False], ["yes"]),
        "validation_fraction": _pick([0.1, 0.2, 0.5, 0.9], [0.0, 1.0, -0.1]),
        "scoring": _pick(["loss", "r2", "accuracy", "neg_log_loss", "roc_auc"], ["nonsense"]),
        "n_iter_no_change": _pick([1, 2, 5, np.inf]),
    }),
    "averaging": st.fixed_dictionaries({
        "averaging": _pick([None, "polyak", "ema", "ema"], ["mean"]),
        "averaging_start": _pick([0, 2, 100], [-1]),
        "averaging_decay": _pick([0.5, 0.9, 0.999], [0.0, 1.0]),
    }),
    "curriculum": st.fixed_dictionaries({
        "curriculum": _pick([None, "deterministic", "stochastic", "stochastic"], ["random"]),
        "curriculum_start": _pick([0.2, 0.5, 1.0, 1e-3], [0.0, 1.5]),
        "curriculum_epochs": _pick([None, 1, 3], [0]),
    }),
    "activation": _one(
        "activation", ["identity", "leaky_relu", "logistic", "relu", "softplus", "tanh"],
        ["sigmoid", None],
    ),
    "init": _one(
        "init", ["glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
                 "lecun_normal", "lecun_uniform", "orthogonal", "sparse", "lsuv"], ["xavier"],
    ),
    "lr_schedule": _one(
        "lr_schedule", ["constant", "exponential", "invscaling", "linear", "plateau", "step"],
        ["cosine"],
    ),
    "batch_size": _one("batch_size", ["auto", 1, 2, 7, 1000], [0, -3, 2.5, "big"]),
    "n_iter_no_change": _one("n_iter_no_change", [1, 2, 10, np.inf], [0, -1, 2.5, NAN]),
    "hidden_layer_sizes": _one(
        "hidden_layer_sizes", [(), (3,), (4, 4), (3, 2, 3), 5], [(0,), (-1,), (2.5,), "10"]
    ),
    "max_iter": _one("max_iter", [3, 5, 10, 15], [0, -1, 2.5]),
    # further knobs of the same estimators (book 7.1-7.12, 8.7)
    "dropout_type": st.fixed_dictionaries({
        "dropout_type": _pick(["bernoulli", "gaussian", "dropconnect"], ["mask"]),
        "dropout_inference": _pick(["weight_scaling", "monte_carlo", "geometric"], ["mc"]),
        "dropout": _pick([0.0, 0.3, 0.5]),
        "n_mc_samples": _pick([1, 5], [0]),
    }),
    "hidden_noise_type": _one("hidden_noise_type", ["additive", "multiplicative"], ["both"]),
    "clip_value": _one("clip_value", [None, 0.1, 5.0], [0.0, -1.0]),
    "weight_decay_mode": _one("weight_decay_mode", ["l2", "decoupled"], ["l1"]),
    "l1_method": _one("l1_method", ["proximal", "subgradient"], ["ista"]),
    "output_bias_init": _one("output_bias_init", ["marginal", "zeros"], ["mean"]),
    "hidden_bias_init": _one("hidden_bias_init", [0.0, 0.1, -1.0], [NAN, INF]),
    "early_stopping_refit": st.fixed_dictionaries({
        "early_stopping_refit": _pick([None, "retrain", "continue"], ["again"]),
        "refit_unit": _pick(["epochs", "updates"], ["steps"]),
        "early_stopping": _pick([True, True, False]),
    }),
    "pretraining": st.fixed_dictionaries({
        "pretraining": _pick([None, "greedy"], ["layerwise"]),
        "pretraining_epochs": _pick([None, 1, 3], [0]),
        "pretraining_freeze": _pick([False, True]),
        "hidden_layer_sizes": _pick([(3, 3), (4, 2, 3)], [(3,)]),
    }),
    "architecture": st.fixed_dictionaries({
        "skip_connections": _pick([False, True], ["yes"]),
        "auxiliary_heads": _pick([False, True]),
        "auxiliary_weight": _pick([0.3, 1.0], [-1.0]),
        "hidden_layer_sizes": _pick([(3, 3), (4, 4, 4), (3,)]),
    }),
    "activity": st.fixed_dictionaries({
        "activity_l1": _pick([0.0, 0.01, 1.0], [-1.0]),
        "activity_kl": _pick([0.0, 0.1], [-0.1]),
        "sparsity_target": _pick([0.05, 0.5], [0.0, 1.0]),
        "activation": _pick(["logistic", "relu"]),
    }),
    "continuation": st.fixed_dictionaries({
        "continuation": _pick(
            [None, {"alpha": (1.0, 0.0)}, {"weight_noise": (0.5, 0.0)},
             {"dropout": (0.5, 0.0), "input_noise": (0.3, 0.1)}],
            [{"beta": (1.0, 0.0)}, {"alpha": (-1.0, 0.0)}, {"alpha": 1.0}],
        ),
        "continuation_epochs": _pick([None, 2], [0]),
    }),
    "curvature_diagnostics": _one("curvature_diagnostics", [False, True], ["yes"]),
    # the rest of chapters 7-8 (7.7, 7.10, 7.13, 7.14, 8.1.3)
    "adversarial": st.fixed_dictionaries({
        "adversarial": _pick([None, "fgsm", "virtual"], ["pgd"]),
        "adversarial_eps": _pick([0.01, 0.1, 1.0], [0.0, -1.0, NAN]),
        "adversarial_weight": _pick([0.5, 0.9, 1.0], [1.5, -0.1]),
        "vat_power_iterations": _pick([1, 2], [0]),
    }),
    "tangent": st.fixed_dictionaries({
        "tangent_prop": _pick([0.0, 0.1, 1.0], [-1.0, NAN]),
        "tangent_vectors": _pick([first_axis_tangent], [None, "v"]),
    }),
    "input_gradient_penalty": _one("input_gradient_penalty", [0.0, 0.1, 1.0], [-1.0, INF]),
    "multitask": st.fixed_dictionaries({
        "task_hidden_layer_sizes": _pick([None, (2,), 3, ()], [(0,), "x"]),
        "task_weights": _pick([None], ["w", [-1.0]]),
    }),
    "activity_student_t": _one("activity_student_t", [0.0, 0.01, 1.0], [-1.0, NAN]),
    "weight_noise_sampling": st.fixed_dictionaries({
        "weight_noise": _pick([0.0, 0.05, 1.0]),
        "weight_noise_sampling": _pick(["batch", "example"], ["row"]),
        "dropout_type": _pick(["bernoulli", "dropconnect"]),
        "dropout": _pick([0.0, 0.3]),
    }),
    "batch_size_growth": _one("batch_size_growth", [1.0, 1.5, 3.0], [0.5, NAN, "x"]),
}
REGRESSOR_ONLY = {
    "loss": _one("loss", ["squared_error", "poisson"], ["absolute_error"]),
}
CLASSIFIER_ONLY = {
    "label_smoothing": _one("label_smoothing", [0.0, 0.1, 0.4, 0.6], [0.99, 1.0, -0.1, NAN]),
    "class_weight": _one(
        "class_weight",
        [None, "balanced", {0: 1.0, 1: 0.0}, {0: 2.0, 1: 1.0, 2: 0.5}, {0: 0.0, 1: 1.0, 2: 0.0}],
        [{0: -1.0}, {0: 0.0, 1: 0.0, 2: 0.0}, {0: NAN}, {7: 1.0}, "bal"],
    ),
}

#: parameters every case sets (small, fast networks)
BASE = {"hidden_layer_sizes": (4,), "max_iter": 6, "random_state": 0}

#: names an error message may use for the inputs of ``fit``
INPUT_NAMES = ("X", "y", "sample_weight", "X_val", "y_val", "sample_weight_val")


@dataclass
class Case:
    task: str
    n_samples: int
    n_features: int
    dtype: str
    sparse: bool
    weights: str  # None | 'positive' | 'zeros' | 'negative'
    seed: int
    params: dict = field(default_factory=dict)
    validation: str | None = None  # None | 'ok' | 'bad_features' | 'unseen_labels'

    def data(self):
        rng = np.random.default_rng(self.seed)
        n, d = self.n_samples, self.n_features
        X = rng.normal(size=(n, d))
        if self.sparse:
            X[rng.random((n, d)) < 0.4] = 0.0
        w = rng.normal(size=(d, 2))
        if self.task in ("binary", "multiclass"):
            k = 2 if self.task == "binary" else 3
            y = rng.permutation(np.arange(n) % k)  # every class present
        elif self.task == "multilabel":
            y = (X @ w[:, :1] + rng.normal(size=(n, 3)) > 0).astype(int)
        else:
            y = X @ w + 0.1 * rng.normal(size=(n, 2))
            y = y[:, 0] if self.task == "regression" else y
            if self.params.get("loss") == "poisson" and self.seed % 4:
                y = np.abs(y)  # mostly valid Poisson targets (sometimes negative ones)
        X = X.astype(self.dtype)
        if self.sparse:
            X = sp.csr_matrix(X)
        kwargs = {}
        if self.validation is not None:  # a user validation set: the first rows
            m = max(2, n // 4)
            X_val, y_val = X[:m], y[:m].copy()
            if self.validation == "bad_features":
                X_val = sp.hstack([X_val, X_val]).tocsr() if self.sparse else np.hstack(
                    [X_val, X_val])
            elif self.validation == "unseen_labels":
                y_val[0] = 5 if self.task != "multilabel" else y_val[0]
                if self.task == "multilabel":
                    y_val = y_val[:, :2]
                elif self.task.startswith("regression"):
                    y_val = np.full(y_val.shape, np.nan)
            kwargs.update(X_val=X_val, y_val=y_val)
        if self.weights is not None:
            sw = rng.uniform(0.5, 2.0, size=n)
            if self.weights == "zeros":
                sw[rng.random(n) < 0.3] = 0.0
                sw[0] = 1.0
            elif self.weights == "negative":
                sw[0] = -1.0
            kwargs["sample_weight"] = sw
        return X, y, kwargs

    def estimator(self):
        cls = MLPRegularizedRegressor if self.task.startswith("regression") else (
            MLPRegularizedClassifier)
        return cls(**{**BASE, **self.params})

    def __repr__(self):  # a reproduction to paste into a Python session
        return (
            f"\nCase(task={self.task!r}, n_samples={self.n_samples}, "
            f"n_features={self.n_features}, dtype={self.dtype!r}, sparse={self.sparse}, "
            f"weights={self.weights!r}, seed={self.seed}, validation={self.validation!r},"
            f"\n     params={self.params!r})"
        )


@st.composite
def cases(draw):
    task = draw(st.sampled_from(TASKS))
    groups = dict(COMMON)
    if task in ("binary", "multiclass", "multilabel"):
        groups.update(CLASSIFIER_ONLY)
    else:
        groups.update(REGRESSOR_ONLY)
    chosen = draw(st.lists(st.sampled_from(sorted(groups)), min_size=2, max_size=5,
                           unique=True))
    params = {}
    for name in chosen:
        params.update(draw(groups[name]))
    return Case(
        task=task,
        n_samples=draw(st.integers(5, 80)),
        n_features=draw(st.integers(1, 6)),
        dtype=draw(st.sampled_from(["float64", "float32"])),
        sparse=draw(st.booleans()),
        weights=draw(st.sampled_from([None] * 3 + ["positive", "zeros"] * 2 + ["negative"])),
        seed=draw(st.integers(0, 2**16)),
        params=params,
        validation=draw(st.sampled_from([None] * 6 + ["ok"] * 2 + ["bad_features",
                                                                   "unseen_labels"])),
    )


SWEEP = settings(
    max_examples=110,
    deadline=None,
    derandomize=True,
    database=None,
    # no shrinking: keeps a failing run time-bounded; the printed Case is a repro
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)


def _fit_quietly(est, X, y, kwargs):
    with warnings.catch_warnings():
        for cat in (ConvergenceWarning, DivergenceWarning, RuntimeWarning, UserWarning):
            warnings.simplefilter("ignore", cat)
        return est.fit(X, y, **kwargs)


def _names_in(message, names):
    return [
        n for n in names if re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])",
                                      message)
    ]


def check_error(exc, case, names):
    """A bad parameter/input: ValueError or TypeError naming it."""
    assert isinstance(exc, (ValueError, TypeError)), (
        f"fit raised {type(exc).__name__} (not ValueError/TypeError): {exc}{case!r}"
    )
    # a divergence error names its cures rather than the parameter drawn
    allowed = set(names) | set(BASE) | set(INPUT_NAMES) | {"learning_rate", "clip_norm"}
    if case.params.get("early_stopping") is True:  # its defaults take part too
        allowed |= {"validation_fraction", "scoring", "n_iter_no_change"}
    assert _names_in(str(exc), sorted(allowed)), (
        f"the error message names no parameter or input (expected one of "
        f"{sorted(set(names) | set(INPUT_NAMES))}): {type(exc).__name__}: {exc}{case!r}"
    )


def outputs(est, X):
    """Everything the estimator predicts on X (predict, predict_proba)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = {"predict": np.asarray(est.predict(X))}
        if hasattr(est, "classes_"):
            out["predict_proba"] = np.asarray(est.predict_proba(X))
    return out


def check_valid(est, X, task, case):
    """A fitted model: finite predictions, proper probabilities, known labels."""
    out = outputs(est, X)
    pred = out["predict"]
    n = X.shape[0]
    if task.startswith("regression"):
        assert pred.shape == ((n,) if task == "regression" else (n, 2)), case
        assert np.all(np.isfinite(pred)), f"non-finite predictions {pred}{case!r}"
        return out
    proba = out["predict_proba"]
    assert np.all(np.isfinite(proba)), f"non-finite predict_proba {proba}{case!r}"
    assert np.all((proba >= 0) & (proba <= 1)), f"predict_proba outside [0, 1]{case!r}"
    if task == "multilabel":
        assert proba.shape == (n, 3), case
        assert pred.shape == (n, 3) and set(np.unique(pred)) <= {0, 1}, case
    else:
        k = 2 if task == "binary" else 3
        assert proba.shape == (n, k), case
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-6, err_msg=repr(case))
        assert pred.shape == (n,) and np.all(np.isin(pred, est.classes_)), case
    return out


def check_not_fitted(est, X, case):
    methods = ["predict"] + (["predict_proba"] if hasattr(est, "predict_proba") else [])
    for method in methods:
        with pytest.raises(NotFittedError):
            getattr(est, method)(X)
            pytest.fail(f"{method} works after a failed first fit{case!r}")


@SWEEP
@given(cases())
def test_first_fit_gives_a_valid_model_or_a_named_error(case):
    X, y, kwargs = case.data()
    est = case.estimator()
    try:
        _fit_quietly(est, X, y, kwargs)
    except Exception as exc:  # noqa: BLE001 -- every exception type is checked
        check_error(exc, case, case.params)
        check_not_fitted(est, X, case)
        return
    check_valid(est, X, case.task, case)


@SWEEP
@given(cases())
def test_failed_warm_start_keeps_the_previous_model(case):
    X, y, kwargs = case.data()
    est = Case(case.task, case.n_samples, case.n_features, case.dtype, case.sparse,
               None, case.seed).estimator()
    _fit_quietly(est, X, y, {})  # the good model (default parameters)
    before = check_valid(est, X, case.task, case)
    old_params = est.get_params(deep=False)
    est.set_params(warm_start=True, **case.params)
    try:
        _fit_quietly(est, X, y, kwargs)
    except Exception as exc:  # noqa: BLE001
        check_error(exc, case, case.params)
        # the parameters stay as set (scikit-learn's convention) and some are
        # read at predict time (dropout_inference): compare under the old ones
        est.set_params(**old_params)
        after = outputs(est, X)
        for key, value in before.items():
            np.testing.assert_array_equal(
                after[key], value,
                err_msg=f"{key} changed after a failed warm-start fit{case!r}",
            )
        return
    check_valid(est, X, case.task, case)

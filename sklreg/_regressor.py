"""MLPRegularizedRegressor (public, re-exported by :mod:`sklreg.mlp`).

Real-valued and multi-output targets with the squared-error or Poisson output
(book 6.2.2); everything shared with the classifier lives in
:mod:`sklreg._base_mlp`.  The constructor lists the shared parameters of
:data:`sklreg._params.MLP_PARAMS` in order, with ``loss`` before
``input_noise`` (kept in sync by ``tests/test_signatures.py``).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import MultiOutputMixin, RegressorMixin
from sklearn.utils import assert_all_finite

from ._base_mlp import _BaseMLP
from ._partial_fit import partial_fit_available, partial_fit_if
from ._docs import regressor_doc
from ._docs_examples import REGRESSOR_EXAMPLES
from ._links import DocLinkMixin
from ._validation import check_options
from .features.multitask import MultiTask, present_mean, score_missing, split_missing_labels
from .losses import REGRESSION_LOSSES

__all__ = ["MLPRegularizedRegressor"]


class MLPRegularizedRegressor(MultiOutputMixin, RegressorMixin, DocLinkMixin, _BaseMLP):
    __doc__ = regressor_doc() + REGRESSOR_EXAMPLES

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        activation="relu",
        optimizer="adam",
        learning_rate=None,
        lr_schedule="constant",
        batch_size="auto",
        batch_size_growth=1.0,
        max_iter=200,
        shuffle=True,
        tol=1e-4,
        n_iter_no_change=10,
        alpha=1e-4,
        l1=0.0,
        l1_method="proximal",
        weight_decay_mode="l2",
        l2_reference=None,
        max_norm=None,
        max_norm_scope="unit",
        init="glorot_uniform",
        hidden_bias_init=0.0,
        output_bias_init="marginal",
        init_from=None,
        clip_norm=None,
        clip_value=None,
        early_stopping=False,
        validation_fraction=0.1,
        scoring="loss",
        early_stopping_refit=None,
        refit_unit="epochs",
        averaging=None,
        averaging_start=0,
        averaging_decay=0.999,
        curriculum=None,
        curriculum_start=0.2,
        curriculum_epochs=None,
        loss="squared_error",
        input_noise=0.0,
        hidden_noise=0.0,
        hidden_noise_type="additive",
        weight_noise=0.0,
        weight_noise_sampling="batch",
        augment=None,
        dropout=0.0,
        input_dropout=0.0,
        dropout_type="bernoulli",
        dropout_inference="weight_scaling",
        n_mc_samples=20,
        batch_norm=False,
        batch_norm_momentum=0.9,
        batch_norm_epsilon=1e-5,
        activity_l1=0.0,
        activity_kl=0.0,
        sparsity_target=0.05,
        activity_student_t=0.0,
        skip_connections=False,
        auxiliary_heads=False,
        auxiliary_weight=0.3,
        task_hidden_layer_sizes=None,
        task_weights=None,
        pretraining=None,
        pretraining_epochs=None,
        pretraining_freeze=False,
        continuation=None,
        continuation_epochs=None,
        adversarial=None,
        adversarial_eps=0.1,
        adversarial_weight=0.5,
        vat_xi=1e-6,
        vat_power_iterations=1,
        tangent_prop=0.0,
        tangent_vectors=None,
        input_gradient_penalty=0.0,
        curvature_diagnostics=False,
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        """Store the parameters unchanged; they are validated in ``fit``."""
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.lr_schedule = lr_schedule
        self.batch_size = batch_size
        self.batch_size_growth = batch_size_growth
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.alpha = alpha
        self.l1 = l1
        self.l1_method = l1_method
        self.weight_decay_mode = weight_decay_mode
        self.l2_reference = l2_reference
        self.max_norm = max_norm
        self.max_norm_scope = max_norm_scope
        self.init = init
        self.hidden_bias_init = hidden_bias_init
        self.output_bias_init = output_bias_init
        self.init_from = init_from
        self.clip_norm = clip_norm
        self.clip_value = clip_value
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.scoring = scoring
        self.early_stopping_refit = early_stopping_refit
        self.refit_unit = refit_unit
        self.averaging = averaging
        self.averaging_start = averaging_start
        self.averaging_decay = averaging_decay
        self.curriculum = curriculum
        self.curriculum_start = curriculum_start
        self.curriculum_epochs = curriculum_epochs
        self.loss = loss
        self.input_noise = input_noise
        self.hidden_noise = hidden_noise
        self.hidden_noise_type = hidden_noise_type
        self.weight_noise = weight_noise
        self.weight_noise_sampling = weight_noise_sampling
        self.augment = augment
        self.dropout = dropout
        self.input_dropout = input_dropout
        self.dropout_type = dropout_type
        self.dropout_inference = dropout_inference
        self.n_mc_samples = n_mc_samples
        self.batch_norm = batch_norm
        self.batch_norm_momentum = batch_norm_momentum
        self.batch_norm_epsilon = batch_norm_epsilon
        self.activity_l1 = activity_l1
        self.activity_kl = activity_kl
        self.sparsity_target = sparsity_target
        self.activity_student_t = activity_student_t
        self.skip_connections = skip_connections
        self.auxiliary_heads = auxiliary_heads
        self.auxiliary_weight = auxiliary_weight
        self.task_hidden_layer_sizes = task_hidden_layer_sizes
        self.task_weights = task_weights
        self.pretraining = pretraining
        self.pretraining_epochs = pretraining_epochs
        self.pretraining_freeze = pretraining_freeze
        self.continuation = continuation
        self.continuation_epochs = continuation_epochs
        self.adversarial = adversarial
        self.adversarial_eps = adversarial_eps
        self.adversarial_weight = adversarial_weight
        self.vat_xi = vat_xi
        self.vat_power_iterations = vat_power_iterations
        self.tangent_prop = tangent_prop
        self.tangent_vectors = tangent_vectors
        self.input_gradient_penalty = input_gradient_penalty
        self.curvature_diagnostics = curvature_diagnostics
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose


    @partial_fit_if(partial_fit_available)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over (X, y), keeping the optimizer state between calls.

        As in scikit-learn, ``early_stopping=True`` is refused, and only the
        first-order (minibatch) optimizers have ``partial_fit``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples: each minibatch objective is the weighted
            mean of the per-sample losses.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def _validate_fit_data(self, X, y, first):
        """With the multi-task feature, NaN in ``y`` is a missing label (7.7)."""
        y, missing = split_missing_labels(self, y, first)
        X, y = super()._validate_fit_data(X, y, first)
        return X, (y if missing is None else np.where(missing, np.nan, y))

    def _check_extra_params(self):
        check_options("loss", self.loss, list(REGRESSION_LOSSES))

    def _encode_targets(self, y, first, classes):
        y = np.asarray(y, dtype=np.float64)
        self._y_1d = y.ndim == 1 if first else self._y_1d
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        if not first and Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {Y.shape[1]} outputs but the model was fitted with {self.n_outputs_}."
            )
        REGRESSION_LOSSES[self.loss].check_targets(Y, "y", require_positive_sum=first)
        return Y

    def _encode_known(self, y, name):
        """Targets other than fit's ``y`` (``y_val``, augment's) -> (n, n_outputs)."""
        Y = np.asarray(y, dtype=np.float64)
        Y = Y.reshape(-1, 1) if Y.ndim == 1 else Y
        if Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"{name} has {Y.shape[1]} outputs but the model has {self.n_outputs_}."
            )
        REGRESSION_LOSSES[self.loss].check_targets(Y, name, require_positive_sum=False)
        return Y

    def _encode_validation_targets(self, y_val):
        Y = self._encode_known(y_val, "y_val")
        if not MultiTask.missing_labels_allowed(self):  # NaN = missing label only there
            assert_all_finite(Y, input_name="y_val")
        return Y

    def _make_loss(self):
        return REGRESSION_LOSSES[self.loss]()

    def _out_activation(self):
        return REGRESSION_LOSSES[self.loss].out_activation

    def _decode_targets(self, Y):
        """Encoded targets -> targets shaped as passed to fit."""
        return Y.ravel() if self._y_1d else Y

    def _encode_batch(self, y):
        """Targets returned by ``augment`` -> (n, n_outputs) array."""
        return self._encode_known(y, "augment's y_batch")

    def _marginal_bias(self, Y, sw):
        """The output that fits the (weighted) mean of the targets (8.4): the
        mean itself (identity output), its log (Poisson, exp output)."""
        mean = Y.mean(axis=0) if sw is None else (sw / sw.sum()) @ Y
        if np.isnan(mean).any():  # missing labels (multi-task, 7.7): the labelled entries
            mean = present_mean(Y, sw)
        return REGRESSION_LOSSES[self.loss].link_of_mean(mean, Y.dtype)

    def predict(self, X):
        """Predicted targets.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions, shaped as the ``y`` of ``fit``; with
            ``loss='poisson'`` the predicted means ``exp(f(x))`` (positive).
        """
        p = self._forward(X)
        return p.ravel() if self._y_1d else p

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R^2 of the predictions.

        As ``RegressorMixin.score`` (uniform average over outputs); with
        missing labels (NaN in ``y`` of a multi-task model, book 7.7) the mean
        over tasks of each task's R^2 on its labelled rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True targets (NaN: missing label, multi-task models only).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            R^2 of ``self.predict(X)`` with respect to ``y``.
        """
        return score_missing(self, X, y, sample_weight, super().score)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        loss = REGRESSION_LOSSES.get(self.loss)
        tags.target_tags.positive_only = loss is not None and loss.positive_targets
        return tags

"""Shared fit/predict machinery of the MLP estimators (:class:`_BaseMLP`).

The base names no book feature: a fit validates the core parameters, encodes
the targets, builds the network and the objective, initializes the flat
parameter vector, then lets every registered feature (:mod:`sklreg.features`)
act on the data, the outer phases and the plan of the training loop
(:mod:`sklreg._training`) through a :class:`~sklreg._trainer.Trainer`.  The
public classes live in :mod:`sklreg.mlp`; ``docs/architecture.md`` describes
the flow.
"""

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import assert_all_finite
from sklearn.utils.validation import validate_data

from . import activations as _activations  # noqa: F401  (registers activations)
from . import initializers as _initializers  # noqa: F401  (registers initializers)
from . import optim as _optim  # noqa: F401  (registers optimizers and schedules)
from ._docs_attributes import FIT_DOC
from ._early_stopping import ACCEPT_SPARSE as _ACCEPT_SPARSE, DTYPES as _DTYPES
from ._history import CallbackSupport, fit_call
from ._layer_state import finish_layers, predict_raw, sync_layers
from ._objective import Objective
from ._params import check_full_batch, validate_mlp_params
from ._persistence import PersistenceMixin
from ._registry import ComponentParamsMixin
from ._rng import make_rng
from ._trainer import FitData, Trainer, helper_spec
from ._validation import atomic_fit, check_per_sample, check_sample_weight, param_owner
from .features import FitPlan, features_for
from .network import build_network

__all__ = ["_BaseMLP"]


class _BaseMLP(PersistenceMixin, CallbackSupport, ComponentParamsMixin, BaseEstimator):
    """Shared fit/predict machinery; subclasses encode targets and pick the loss."""

    # ---------------------------------------------------------------- fitting
    def fit(
        self, X, y, sample_weight=None, X_val=None, y_val=None, sample_weight_val=None,
        sample_difficulty=None,
    ):
        validation = None
        if X_val is not None or y_val is not None:
            if X_val is None or y_val is None:
                raise ValueError("X_val and y_val must be given together.")
            validation = (X_val, y_val, sample_weight_val)
        elif sample_weight_val is not None:
            raise ValueError("sample_weight_val was given without X_val and y_val.")
        return self._fit(
            X, y, sample_weight, incremental=False, validation=validation,
            difficulty=sample_difficulty,
        )

    fit.__doc__ = FIT_DOC

    @atomic_fit(deep=True)
    def _fit(self, X, y, sample_weight, incremental, **kwargs):
        """Fit, or leave the estimator exactly as it was if anything raises.

        After a failed first fit the estimator is unfitted again (``predict``
        raises NotFittedError); after a failed warm start or ``partial_fit``
        it keeps the previous model, optimizer state and curves (training
        updates them in place, hence the deep copy).
        """
        with param_owner(type(self).__name__):
            return fit_call(self, self._fit_unsafe, X, y, sample_weight, incremental, **kwargs)

    def _reset_training_counters(self):
        """Start the epoch/update counters and the loss curve afresh
        (a new training run on the same estimator, Algorithm 7.2)."""
        self._epochs = self._call_epoch0 = self.n_iter_ = self.t_ = 0
        self.loss_curve_, self.history_ = [], []

    def _fit_unsafe(
        self, X, y, sample_weight, incremental, classes=None, validation=None, difficulty=None
    ):
        # 1. core parameters, then the features' (Feature.validate), full-batch conflicts
        params = validate_mlp_params(self)
        self._check_extra_params()
        check_full_batch(self, params.optimizer)
        first = not hasattr(self, "_theta") or not (incremental or self.warm_start)
        # 2. data: inputs, encoded targets, sample and class weights
        X, y = self._validate_fit_data(X, y, first)
        dtype = X.dtype if first else self._theta.dtype
        X = X.astype(dtype, copy=False)
        Y = self._encode_targets(y, first, classes).astype(dtype, copy=False)
        sw = self._apply_class_weight(y, check_sample_weight(sample_weight, X.shape[0], dtype),
                                      dtype)
        # 3. network: new parameters, or the previous model (warm start, partial_fit)
        if first:
            self._rng = make_rng(self.random_state)
            self._build(params, X.shape[1], Y.shape[1], dtype)
            self._init_theta(params, Y, sw)
            self._reset_training_counters()
            self._feature_state = {}  # what features keep between calls (Trainer.keep)
        else:
            self._check_same_architecture(params)
            sync_layers(self, params)  # dropout/noise/... may have changed
        self._call_epoch0 = self._epochs
        self._set_coef_views()
        # 4-6. features: data phase, outer phases before training, the plan
        data = FitData(X, Y, y, sw, sample_weight is not None,
                       check_per_sample("sample_difficulty", difficulty, X.shape[0],
                                        "higher = harder"),
                       validation=validation)
        trainer = Trainer(self, params, first, incremental, helper_spec())
        features = features_for(self)
        for feature in features:
            feature.prepare(trainer, data)
        for feature in features:
            feature.before_training(trainer, data)
        plan = FitPlan()
        for feature in features:
            feature.contribute(trainer, data, plan)
        self._objective.terms = plan.terms  # every phase: terms, gradient/step transforms
        trainer.grad_hooks, trainer.step_hooks = plan.grad_hooks, plan.every_phase_step_hooks
        trainer.batch_size_schedule = plan.batch_size_schedule
        trainer.target_transform = plan.target_transform
        callbacks = plan.pre_callbacks + plan.callbacks
        # 7. train
        state = trainer.train(
            data.X, data.Y, data.sw, callbacks, trainer.step_hooks + plan.step_hooks,
            1 if incremental else self.max_iter, sampler=plan.sampler, start_is_model=not first,
            keep_state=incremental and hasattr(self, "optimizer_") and not first,
        )
        # 8. outer phases after training; the attributes features return
        for feature in features:
            attributes = dict(getattr(feature, "attributes", {}))
            attributes.update(feature.after_training(trainer, data, trainer.stopper, state) or {})
            for name, value in attributes.items():
                setattr(self, name, value)
        # 9. finish: layer statistics of the returned parameters, sklearn's attributes
        replaced = self.optimizer_.full_batch or any(  # not the last minibatch iterate
            getattr(cb, "replaces_parameters", False) for cb in callbacks
        )
        finish_layers(self, params, data.X, data.sw, first, replaced, incremental)
        self._record_attributes(trainer.stopper)
        stopped = trainer.stopper is not None and trainer.stopper.stopped
        if not (incremental or state.converged or stopped or state.interrupted
                or state.diverged):
            warnings.warn(
                state.message
                or f"Stochastic optimizer: maximum iterations ({self.max_iter}) reached and "
                "the optimization hasn't converged yet. Increase max_iter or tol.",
                ConvergenceWarning,
            )
        return self

    def _validate_fit_data(self, X, y, first):
        """``validate_data`` for fit (``reset`` on a first fit); CSR rows."""
        X, y = validate_data(
            self, X, y, accept_sparse=_ACCEPT_SPARSE, dtype=_DTYPES, multi_output=True,
            y_numeric=not is_classifier(self), reset=first,
        )
        if not is_classifier(self):  # y_numeric turned None into NaN after the check
            assert_all_finite(y, input_name="y")
        if sp.issparse(X) and X.format == "csc":
            X = X.tocsr()  # row slicing for minibatches
        return X, y

    def _check_same_architecture(self, params):
        if self._layer_sizes[1:-1] != list(params.hidden):
            raise ValueError(
                "hidden_layer_sizes changed since the previous fit; with warm_start=True "
                "or partial_fit the architecture must stay the same "
                f"({tuple(self._layer_sizes[1:-1])})."
            )

    def _check_extra_params(self):
        """Subclass hook for task-specific parameters (class_weight)."""

    def _apply_class_weight(self, y, sw, dtype):
        return sw

    def _build(self, params, n_features, n_outputs, dtype):
        self._layer_sizes = [n_features, *params.hidden, n_outputs]
        self.n_outputs_ = n_outputs
        loss = self._make_loss()
        network = build_network(self._layer_sizes, params.activation, params.layers.plan(loss))
        self._layer_config = params.layers
        self._objective = Objective(network, loss)
        self._theta = np.zeros(network.n_params, dtype=dtype)

    def _init_theta(self, params, Y, sw):
        """Book 8.4: random weights from ``init``; hidden biases constant; output
        biases from the marginal statistics of the targets (or zero)."""
        rng = np.random.default_rng(self._rng.integers(2**63))
        coefs, intercepts = self._objective.network.coefs(self._theta)
        for W, b in zip(coefs, intercepts):
            W[...] = params.init(W.shape[0], W.shape[1], rng, W.dtype)
            b[...] = self.hidden_bias_init
        intercepts[-1][...] = 0.0
        if self.output_bias_init == "marginal":
            intercepts[-1][...] = self._marginal_bias(Y, sw)
        self._objective.network.init_params(self._theta, rng)  # batch-norm gamma = 1

    def _set_coef_views(self):
        self.coefs_, self.intercepts_ = self._objective.network.coefs(self._theta)

    def _stratify(self, y):
        return None

    def _out_activation(self):
        """Name of the output unit, as scikit-learn's ``out_activation_``."""
        return "identity"

    def _record_attributes(self, stopper):
        """scikit-learn's MLP attributes: loss_, best_loss_, n_layers_, out_activation_."""
        curve = [v for v in self.loss_curve_ if np.isfinite(v)]
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else None
        early = stopper is not None and stopper.restore_best
        self.best_loss_ = None if early or not curve else min(curve)
        self.n_layers_ = len(self._layer_sizes)
        self.out_activation_ = self._out_activation()

    # ------------------------------------------------------------- inference
    def _forward(self, X):
        """Outputs after the link for ``X`` (dropout inference rules included)."""
        return predict_raw(self, X)

    # ------------------------------------------------------------- pickling
    # (version recording and the format check: sklreg/_persistence.py)
    #: layout of the fitted state in pickles; raised when it changes incompatibly
    _STATE_FORMAT = 2
    _FITTED_STATE_KEY = "_theta"
    _NOT_PICKLED = ("coefs_", "intercepts_")  # views of _theta

    def _rebuild_after_load(self):
        if "_theta" in vars(self):
            self._set_coef_views()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

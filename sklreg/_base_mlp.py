"""Shared fit/predict machinery of the MLP estimators (:class:`_BaseMLP`).

The estimators are glue: they validate parameters, encode targets, build the
network/objective, initialize the flat parameter vector and hand everything to
the single training loop (:mod:`sklreg._training`).  Names of components
(optimizer, schedule, initializer, activation) are resolved only through the
registries.  The public classes live in :mod:`sklreg.mlp`.
"""


import copy
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import assert_all_finite
from sklearn.utils.validation import check_is_fitted, validate_data

from . import activations as _activations  # noqa: F401  (registers activations)
from . import initializers as _initializers  # noqa: F401  (registers initializers)
from . import optim as _optim  # noqa: F401  (registers optimizers and schedules)
from ._early_stopping import ACCEPT_SPARSE as _ACCEPT_SPARSE, DTYPES as _DTYPES
from ._objective import Objective
from ._rng import make_rng
from ._trainer import FitData, Trainer, helper_spec
from .features import FEATURES, FitPlan
from .features.curriculum import check_difficulty
from .features.multitask import split_missing_labels
from ._params import check_full_batch, validate_mlp_params
from ._history import CallbackSupport, fit_call
from ._persistence import PersistenceMixin
from ._registry import ACTIVATIONS, INITIALIZERS, OPTIMIZERS, SCHEDULES
from ._training import LoopState, MinibatchProblem, report_stop, run_full_batch, run_minibatch
from ._validation import atomic_fit, check_sample_weight, param_owner
from .activity import ZERO_FRACTION_ROWS, hidden_zero_fractions
from .batchnorm import recalibrate_batch_norm
from .dropout import dropout_predict
from .layers import rebuild_network, validate_inference_params
from .network import build_network
from .noise import AugmentHook

__all__ = ["_BaseMLP"]



def _copy_training_state(state):
    """Deep copy of the fitted state, without the coefs_/intercepts_ views."""
    return copy.deepcopy({k: v for k, v in state.items() if k not in ("coefs_", "intercepts_")})


def _restore_views(est):
    if "_theta" in vars(est):
        est._set_coef_views()


class _BaseMLP(PersistenceMixin, CallbackSupport, BaseEstimator):
    """Shared fit/predict machinery; subclasses encode targets and pick the loss."""

    # ---------------------------------------------------------------- fitting
    def fit(
        self, X, y, sample_weight=None, X_val=None, y_val=None, sample_weight_val=None,
        sample_difficulty=None,
    ):
        """Fit the network on (X, y) for up to ``max_iter`` epochs.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            float32 input is kept float32 (all training runs in float32).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets: class labels (a label-indicator matrix for multilabel
            classification) or real values (counts for ``loss='poisson'``).
        sample_weight : array-like of shape (n_samples,), default=None
            Each minibatch objective is the weighted mean of per-sample losses.
        X_val, y_val : array-like, default=None
            A validation set of your own (book 7.8).  It replaces the internal
            ``validation_fraction`` split: with ``early_stopping=True`` it drives
            Algorithm 7.1; otherwise it is only monitored
            (``validation_loss_curve_``, ``validation_scores_``) and training
            runs to convergence.  These are fit metadata, and a ``Pipeline``
            does **not** transform them by default: enable metadata routing,
            request them with ``set_fit_request(X_val=True, y_val=True)`` and
            build the pipeline with ``Pipeline(..., transform_input=["X_val"])``
            (scikit-learn >= 1.6) so the preprocessing fitted on X is applied
            to X_val (docs/training_safety.md).
        sample_weight_val : array-like of shape (n_val_samples,), default=None
            Weights of the validation samples.
        sample_difficulty : array-like of shape (n_samples,), default=None
            Per-sample difficulty (higher = harder) for ``curriculum``
            (draft 8.7.5); without it a first model's per-sample loss is used.

        Returns
        -------
        self : object
            The fitted estimator.
        """
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

    @atomic_fit(copy_state=_copy_training_state, after_restore=_restore_views)
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
        params = validate_mlp_params(self)
        spec = helper_spec()  # a meta-algorithm's helper model (Trainer.fit_helper)
        self._check_extra_params()
        check_full_batch(self, params.optimizer)
        first = not hasattr(self, "_theta") or not (incremental or self.warm_start)
        y, missing = split_missing_labels(self, y, first)  # multi-task: NaN = no label (7.7)
        X, y = validate_data(
            self, X, y, accept_sparse=_ACCEPT_SPARSE, dtype=_DTYPES, multi_output=True,
            y_numeric=not is_classifier(self), reset=first,
        )
        if not is_classifier(self):  # y_numeric turned None into NaN after the check
            assert_all_finite(y, input_name="y")
        if missing is not None:
            y = np.where(missing, np.nan, y)
        if sp.issparse(X) and X.format == "csc":
            X = X.tocsr()  # row slicing for minibatches
        dtype = X.dtype if first else self._theta.dtype
        X = X.astype(dtype, copy=False)
        Y = self._encode_targets(y, first, classes).astype(dtype, copy=False)
        sw = check_sample_weight(sample_weight, X.shape[0], dtype)
        sw = self._apply_class_weight(y, sw, dtype)
        if first:
            self._rng = make_rng(self.random_state)
            self._build(params, X.shape[1], Y.shape[1], dtype)
            self._init_theta(params, Y, sw)
            self._reset_training_counters()
            self._feature_state = {}  # what features keep between calls (Trainer.keep)
        elif self._layer_sizes[1:-1] != list(params.hidden):
            raise ValueError(
                "hidden_layer_sizes changed since the previous fit; with warm_start=True "
                "or partial_fit the architecture must stay the same "
                f"({tuple(self._layer_sizes[1:-1])})."
            )
        if not first:  # dropout/noise/... may have changed (warm_start, partial_fit)
            self._sync_layers(params)
        self._call_epoch0 = self._epochs
        self._set_coef_views()

        data = FitData(X, Y, y, sw, sample_weight is not None,
                       check_difficulty(difficulty, X.shape[0]), validation=validation)
        trainer = Trainer(self, params, first, incremental, spec)
        for feature in FEATURES:  # the data of the fit (validation split)
            feature.prepare(trainer, data)
        for feature in FEATURES:  # outer phases before training (pretraining)
            feature.before_training(trainer, data)
        plan = FitPlan()
        for feature in FEATURES:
            feature.contribute(trainer, data, plan)
        # every phase of this fit: objective terms, gradient and step transforms
        self._objective.terms = plan.terms
        trainer.grad_hooks = plan.grad_hooks
        trainer.step_hooks = plan.every_phase_step_hooks
        trainer.batch_size_schedule = plan.batch_size_schedule
        callbacks = plan.pre_callbacks + plan.callbacks
        state = self._train_phase(
            params, data.X, data.Y, data.sw, callbacks, trainer.step_hooks + plan.step_hooks,
            1 if incremental else self.max_iter,
            keep_state=incremental and hasattr(self, "optimizer_") and not first,
            sampler=plan.sampler, start_is_model=not first, grad_hooks=plan.grad_hooks,
            batch_size_schedule=plan.batch_size_schedule,
        )
        stopper = trainer.stopper  # the stopping rule (Algorithm 7.1) or None
        for feature in FEATURES:  # outer phases after training (Algorithms 7.2/7.3)
            attributes = dict(getattr(feature, "attributes", {}))
            attributes.update(feature.after_training(trainer, data, stopper, state) or {})
            for name, value in attributes.items():
                setattr(self, name, value)
        # batch norm: recompute the statistics when the returned parameters are not
        # the last minibatch iterate (early stopping, averaging) or when a full-batch
        # method's line searches fed them trial points
        replaced = self.optimizer_.full_batch or any(
            getattr(cb, "replaces_parameters", False) for cb in callbacks
        )
        self._finish_layers(params, data.X, data.sw, first, replaced, incremental)
        self._record_attributes(params, stopper)
        if (
            not incremental and not state.converged and not (stopper and stopper.stopped)
            and not (state.interrupted or state.diverged)
        ):
            warnings.warn(
                state.message
                or f"Stochastic optimizer: maximum iterations ({self.max_iter}) reached and "
                "the optimization hasn't converged yet. Increase max_iter or tol.",
                ConvergenceWarning,
            )
        return self

    def _train_phase(
        self, params, X, Y, sw, callbacks, step_hooks, n_epochs, keep_state=False,
        sampler=None, max_steps=None, start_is_model=None, grad_hooks=(),
        batch_size_schedule=None,
    ):
        """Run the training loop once on (X, Y, sw), continuing the epoch and
        update counters (``n_iter_`` counts the epochs of the current call).

        A fresh optimizer and schedule are started unless ``keep_state``
        (partial_fit, Algorithm 7.3).  ``start_is_model`` (default:
        ``keep_state``) says the current parameters are a trained model that
        divergence must not lose.  Returns the loop's final state; raises
        when training diverged with nothing worth keeping, warns when it
        diverged or was interrupted (Ctrl-C) and kept the best parameters.
        """
        if not keep_state:
            self.optimizer_ = params.optimizer.start(self._theta)
        n = X.shape[0]
        batch_size = min(200, n) if self.batch_size == "auto" else min(self.batch_size, n)
        if not keep_state:
            steps = -(-n // batch_size) if batch_size_schedule is None else (
                batch_size_schedule.steps_per_epoch(n, self._epochs, self.max_iter))
            self.lr_schedule_ = params.schedule.start(steps, self.max_iter)
        problem = MinibatchProblem(
            objective=self._objective,
            optimizer=self.optimizer_,
            schedule=self.lr_schedule_,
            learning_rate=params.learning_rate,
            batch_size=batch_size,
            shuffle=self.shuffle,
            rng=np.random.default_rng(self._rng.integers(2**63)),
            noise_rng=np.random.default_rng(self._rng.integers(2**63)),
            grad_hooks=list(grad_hooks),
            step_hooks=step_hooks,
            callbacks=callbacks,
            verbose=self.verbose,
            sampler=sampler,
            batch_size_schedule=batch_size_schedule,
            max_steps=max_steps,
        )
        Y, problem.batch_hooks = self._batch_setup(params, X, Y, problem.noise_rng)
        state = LoopState(
            epoch=self._epochs, step=self.t_, loss_curve=self.loss_curve_, history=self.history_,
            start_is_model=keep_state if start_is_model is None else start_is_model,
        )
        run = run_full_batch if self.optimizer_.full_batch else run_minibatch
        run(problem, self._theta, X, Y, sw, n_epochs, state)
        self._epochs, self.t_ = state.epoch, state.step
        self.n_iter_ = self._epochs - self._call_epoch0
        report_stop(state, params.learning_rate)
        return state

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

    def _record_attributes(self, params, stopper):
        """scikit-learn's MLP attributes: loss_, best_loss_, n_layers_, out_activation_."""
        curve = [v for v in self.loss_curve_ if np.isfinite(v)]
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else None
        early = stopper is not None and stopper.restore_best
        self.best_loss_ = None if early or not curve else min(curve)
        self.n_layers_ = len(self._layer_sizes)
        self.out_activation_ = self._out_activation()

    # ------------------------------------------------------------- parameters
    _COMPONENTS = {"optimizer": OPTIMIZERS, "lr_schedule": SCHEDULES, "init": INITIALIZERS,
                   "activation": ACTIVATIONS}

    def set_params(self, **params):
        """Set parameters; ``optimizer__beta_2=0.99`` also works when ``optimizer``
        is given by name (the name is first replaced by its default object,
        e.g. ``'adam'`` -> ``Adam()``)."""
        for key in list(params):
            name, sep, _ = key.partition("__")
            value = params.get(name, getattr(self, name, None))
            if sep and name in self._COMPONENTS and isinstance(value, str):
                obj = self._COMPONENTS[name].resolve(value, name)
                if hasattr(obj, "set_params"):
                    params[name] = obj
        return super().set_params(**params)

    # ------------------------------------------------------------- inference
    def _forward(self, X):
        check_is_fitted(self, "_theta")
        X = validate_data(self, X, accept_sparse=_ACCEPT_SPARSE, dtype=_DTYPES, reset=False)
        X = X.astype(self._theta.dtype, copy=False)
        rule = validate_inference_params(self)
        if rule != "weight_scaling" and getattr(self, "_predict_seed", None) is not None:
            # book 7.12: Monte Carlo / geometric-mean dropout ensembles, seeded
            return dropout_predict(
                self._objective, self._theta, X, rule, self.n_mc_samples, self._predict_seed
            )
        return self._objective.predict(self._theta, X)

    # ------------------------------------------------ noise, dropout, batch norm
    def _sync_layers(self, params):
        """Rebuild the layer stack if its options changed since the last fit."""
        network = rebuild_network(
            self._objective.network, getattr(self, "_layer_config", None), params.layers,
            self._layer_sizes, params.activation, self._objective.loss,
        )
        self._objective.network, self._layer_config = network, params.layers

    def _training_targets(self, Y):
        """Encoded targets used by the training objective (label smoothing)."""
        return Y

    def _batch_setup(self, params, X, Y, noise_rng):
        """Training targets and per-minibatch hooks (``augment``, book 7.4)."""
        Y_train = self._training_targets(Y)
        if params.augment is None:
            return Y_train, []
        hook = AugmentHook(
            params.augment,
            self._decode_targets,
            lambda y: self._training_targets(self._encode_batch(y)),
            noise_rng.spawn(1)[0],
            X.shape[1],
            self._theta.dtype,
        )
        return Y, [hook]

    def _finish_layers(self, params, X, sw, first, replaced, incremental):
        """After training: batch-norm statistics of the returned parameters,
        zero-activation fractions, the seed of Monte Carlo dropout predictions."""
        network = self._objective.network
        if params.layers.batch_norm and replaced:
            recalibrate_batch_norm(network, self._theta, X, sw)
        cfg = params.layers
        if not incremental or any(cfg.activity_l1) or any(cfg.activity_kl) or any(
            cfg.activity_student_t
        ):
            # one inference pass: skipped by a plain partial_fit (~15% of its cost)
            if X.shape[0] > ZERO_FRACTION_ROWS:  # a fixed-size seeded sample
                rows = np.sort(self._rng.choice(X.shape[0], ZERO_FRACTION_ROWS, replace=False))
                X = X[rows]
            self.hidden_zero_fraction_ = hidden_zero_fractions(network, self._theta, X)
        elif first or not hasattr(self, "hidden_zero_fraction_"):
            self.hidden_zero_fraction_ = None
        if not params.layers.has_dropout:
            self._predict_seed = None
        elif first or getattr(self, "_predict_seed", None) is None:
            self._predict_seed = int(self._rng.integers(2**63))

    # ------------------------------------------------------------- pickling
    # (version recording and the format check: sklreg/_persistence.py)
    #: layout of the fitted state in pickles; raised when it changes incompatibly
    _STATE_FORMAT = 2
    _FITTED_STATE_KEY = "_theta"
    _NOT_PICKLED = ("coefs_", "intercepts_")  # views of _theta

    def _rebuild_after_load(self):
        _restore_views(self)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

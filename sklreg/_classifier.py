"""MLPRegularizedClassifier (public, re-exported by :mod:`sklreg.mlp`).

Label encoding, the cross-entropy output (softmax or sigmoid units), label
smoothing (book 7.5.1) and class weights; everything shared with the regressor
lives in :mod:`sklreg._base_mlp`.  The constructor lists the shared parameters
of :data:`sklreg._params.MLP_PARAMS` in order, with ``label_smoothing`` and
``class_weight`` before ``input_noise`` (kept in sync by
``tests/test_signatures.py``).
"""

from __future__ import annotations

import warnings
from numbers import Real

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, unique_labels

from ._base_mlp import _BaseMLP
from ._partial_fit import partial_fit_available, partial_fit_if
from ._docs import classifier_doc
from ._docs_examples import CLASSIFIER_EXAMPLES
from .features.adversarial import split_unlabeled
from ._links import DocLinkMixin
from .losses import SigmoidCrossEntropy, SoftmaxCrossEntropy

__all__ = ["MLPRegularizedClassifier"]


class MLPRegularizedClassifier(ClassifierMixin, DocLinkMixin, _BaseMLP):
    __doc__ = classifier_doc() + CLASSIFIER_EXAMPLES

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
        label_smoothing=0.0,
        class_weight=None,
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
        self.label_smoothing = label_smoothing
        self.class_weight = class_weight
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
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over (X, y), keeping the optimizer state between calls.

        ``classes`` (all labels that will ever appear) is required on the first
        call.  As in scikit-learn, ``early_stopping=True`` is refused, and only
        the first-order (minibatch) optimizers have ``partial_fit``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels (a label-indicator matrix for multilabel targets).
        classes : array-like of shape (n_classes,), default=None
            All the labels, required on the first call; later calls may
            repeat the same labels or omit them.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples: each minibatch objective is the weighted
            mean of the per-sample losses.

        Returns
        -------
        self : object
            The updated estimator.
        """
        if not hasattr(self, "_theta"):
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(
                f"`classes={classes!r}` is not the same as on last call to partial_fit, "
                f"was: {self.classes_!r}"
            )
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _check_extra_params(self):
        cw = self.class_weight
        if not (cw is None or cw == "balanced" or isinstance(cw, dict)):
            raise ValueError(
                f"Invalid value for parameter 'class_weight': {cw!r}. Allowed values are "
                "None, 'balanced' or a dict {class_label: weight}."
            )

    def _encode_targets(self, y, first, classes):
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected. Please change "
                "the shape of y to (n_samples,), for example using ravel().",
                DataConversionWarning,
            )
            y = y.ravel()
        check_classification_targets(y)
        # adversarial='virtual' (book 7.6): rows labelled -1 are unlabeled; they get zero
        # targets here and weight 0 in the supervised loss (_apply_class_weight), and
        # classes_ excludes -1.  With any other setting -1 is an ordinary label.
        unlabeled = split_unlabeled(self, y, classes, first)
        if unlabeled is not None:
            mask, y_filled = unlabeled  # y_filled: a known label in the unlabeled rows
            Y = self._encode_targets(y_filled, first, classes)
            Y[mask] = 0
            return Y
        if first and classes is not None and y.ndim == 1:
            self._check_labels(unique_labels(y), np.unique(classes))
        if first:
            lb = LabelBinarizer()
            lb.fit(y if classes is None else (np.asarray(classes) if y.ndim == 1 else y))
            if len(lb.classes_) < 2:
                raise ValueError(
                    "The classifier needs samples of at least 2 classes in the data, but "
                    f"the data contain only one class: {lb.classes_[0]!r}."
                )
            self._label_binarizer = lb
            self.classes_ = lb.classes_
            self._multilabel = lb.y_type_.startswith("multilabel")
            self._softmax = not self._multilabel and len(self.classes_) > 2
            return lb.transform(y)
        if self.warm_start and classes is None:  # a warm-started fit, not partial_fit
            seen = unique_labels(y)
            if set(seen) != set(self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as in the "
                    f"previous call to fit. Previously got {self.classes_}, `y` has {seen}"
                )
        return self._encode_known(y, "y", "not seen in the first call")

    @staticmethod
    def _check_labels(seen, classes, name="y"):
        """scikit-learn's error for labels outside the known classes."""
        if len(np.setdiff1d(seen, classes)):
            raise ValueError(
                f"`{name}` has classes not in `self.classes_`. `self.classes_` has "
                f"{classes}. '{name}' has {seen}."
            )

    def _encode_known(self, y, name, where):
        """Binarize labels after checking they are among ``classes_`` (``where``
        says which labels are known, for the message)."""
        if y.ndim == 1:  # (np.unique: y already passed check_classification_targets)
            self._check_labels(np.unique(y), self.classes_, name)
        elif y.shape[1] != len(self.classes_):
            raise ValueError(
                f"{name} has {y.shape[1]} label columns but the model was fitted with "
                f"{len(self.classes_)} (classes_={list(self.classes_)})."
            )
        return self._label_binarizer.transform(y)

    def _encode_validation_targets(self, y_val):
        if y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = y_val.ravel()
        return self._encode_known(y_val, "y_val", "not in the training classes")

    def _make_loss(self):
        return SoftmaxCrossEntropy() if self._softmax else SigmoidCrossEntropy()

    def _decode_targets(self, Y):
        """Encoded (hard) targets -> class labels, as passed to fit."""
        return self._label_binarizer.inverse_transform(Y)

    def _encode_batch(self, y):
        """Class labels returned by ``augment`` -> encoded targets."""
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1 and not self._multilabel:
            y = y.ravel()
        return self._encode_known(y, "augment's y", "not in the training classes")

    def _marginal_bias(self, Y, sw):
        """softmax(b) = class frequencies; sigmoid(b_k) = label frequencies (8.4)."""
        w = None if sw is None else sw / sw.sum()
        freq = Y.mean(axis=0) if w is None else w @ Y
        freq = np.clip(freq, 1e-6, 1 - 1e-6)
        if self._softmax:
            return np.log(freq) - np.log(freq).mean()
        return np.log(freq) - np.log1p(-freq)

    def _apply_class_weight(self, y, sw, dtype):
        unlabeled = split_unlabeled(self, y)  # adversarial='virtual': rows labelled -1
        if unlabeled is not None:  # ... out of the supervised loss (see _encode_targets)
            sw = np.where(unlabeled[0], 0.0, 1.0 if sw is None else sw).astype(dtype)
            y = unlabeled[1]  # class weights of the labeled rows ('balanced': their counts)
        if self.class_weight is None:
            return sw
        if self._multilabel:
            raise ValueError("class_weight is not supported for multilabel targets.")
        if isinstance(self.class_weight, dict):
            bad = {
                k: v for k, v in self.class_weight.items()
                if not isinstance(v, Real) or not np.isfinite(v) or v < 0
            }
            if bad:
                raise ValueError(
                    f"Invalid value for parameter 'class_weight': {bad!r}. Class weights "
                    "must be finite non-negative numbers."
                )
        cw = compute_class_weight(self.class_weight, classes=self.classes_,
                                  y=y if unlabeled is None else y[~unlabeled[0]])
        per_sample = cw[np.searchsorted(self.classes_, y)].astype(dtype)
        weights = per_sample if sw is None else sw * per_sample
        if not weights.sum() > 0:
            raise ValueError(
                f"class_weight={self.class_weight!r}"
                + ("" if sw is None else " combined with sample_weight")
                + " gives every training sample weight zero: nothing to fit. Give at "
                "least one class present in y a positive weight."
            )
        return weights

    def _stratify(self, y):
        if self._multilabel:
            return None
        return y

    def _out_activation(self):
        return "softmax" if self._softmax else "logistic"

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class, columns in the order of ``classes_``;
            for multilabel targets, the independent per-label probabilities.
        """
        p = self._forward(X)
        if self._softmax or self._multilabel:
            return p
        p = p.ravel()
        return np.column_stack([1.0 - p, p])

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probability of each class (``-inf`` where it is 0).
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Most probable class (or label set for multilabel targets).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Predicted class labels (a label-indicator matrix for multilabel
            targets).
        """
        p = self._forward(X)
        return self._label_binarizer.inverse_transform(p)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

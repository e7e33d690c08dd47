"""MLPRegularizedClassifier and MLPRegularizedRegressor (the public estimators).

Target encoding, output loss and prediction per task; everything shared lives
in :mod:`sklreg._base_mlp`.
"""

from __future__ import annotations

import warnings
from numbers import Real

import numpy as np
from sklearn.base import ClassifierMixin, MultiOutputMixin, RegressorMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, unique_labels

from ._base_mlp import _BaseMLP, _partial_fit_available, partial_fit_if
from ._docs import classifier_doc, regressor_doc
from ._params import make_init
from ._validation import check_interval, check_options
from .losses import SigmoidCrossEntropy, SoftmaxCrossEntropy, SquaredError
from .noise import smooth_labels

__all__ = ["MLPRegularizedClassifier", "MLPRegularizedRegressor"]


class MLPRegularizedClassifier(ClassifierMixin, _BaseMLP):
    __doc__ = classifier_doc()

    __init__ = make_init((("label_smoothing", 0.0), ("class_weight", None)))
    @partial_fit_if(_partial_fit_available)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over (X, y), keeping the optimizer state between calls.

        ``classes`` (all labels that will ever appear) is required on the first
        call.  As in scikit-learn, ``early_stopping=True`` is refused.
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
        check_interval("label_smoothing", self.label_smoothing, 0.0, 1.0, closed="left")
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
        if y.ndim == 1:
            self._check_labels(unique_labels(y), self.classes_, name)
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

    def _training_targets(self, Y):
        """Book 7.5.1: targets 1 - eps and eps / (k - 1) (softmax), eps and
        1 - eps (sigmoid units: binary and multilabel)."""
        eps = float(self.label_smoothing)
        if eps == 0.0:
            return Y
        k = len(self.classes_) if self._softmax else 2
        if eps >= (k - 1) / k:
            raise ValueError(
                f"label_smoothing={eps} must be below (k - 1) / k = {(k - 1) / k:.3g} for "
                f"{k} {'classes' if self._softmax else 'target values per output'}, so "
                "that the true class keeps the largest target."
            )
        return smooth_labels(Y, eps, self._softmax).astype(Y.dtype, copy=False)

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
        cw = compute_class_weight(self.class_weight, classes=self.classes_, y=y)
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
        """Class probabilities, shape (n_samples, n_classes).

        For multilabel targets, the independent per-label probabilities.
        """
        p = self._forward(X)
        if self._softmax or self._multilabel:
            return p
        p = p.ravel()
        return np.column_stack([1.0 - p, p])

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Most probable class (or label set for multilabel targets)."""
        p = self._forward(X)
        return self._label_binarizer.inverse_transform(p)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegularizedRegressor(MultiOutputMixin, RegressorMixin, _BaseMLP):
    __doc__ = regressor_doc()

    __init__ = make_init((("loss", "squared_error"),))

    #: values of ``loss`` (regression losses of :mod:`sklreg.losses`)
    _LOSSES = ("squared_error", "poisson")

    @partial_fit_if(_partial_fit_available)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over (X, y), keeping the optimizer state between calls."""
        return self._fit(X, y, sample_weight, incremental=True)

    def _check_extra_params(self):
        check_options("loss", self.loss, list(self._LOSSES))

    def _check_poisson_targets(self, Y, name, require_positive_sum):
        """Poisson deviance needs y >= 0 (and a positive total to fit a mean)."""
        if self.loss != "poisson":
            return
        if np.any(Y < 0):
            raise ValueError(
                f"Some value(s) of {name} are negative which is not allowed for Poisson "
                "regression (loss='poisson'). Use loss='squared_error' for real-valued "
                "targets."
            )
        if require_positive_sum and not np.sum(Y) > 0:
            raise ValueError(
                f"Sum of {name} is not strictly positive which is necessary for Poisson "
                "regression (loss='poisson')."
            )

    def _encode_targets(self, y, first, classes):
        y = np.asarray(y, dtype=np.float64)
        self._y_1d = y.ndim == 1 if first else self._y_1d
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        if not first and Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {Y.shape[1]} outputs but the model was fitted with {self.n_outputs_}."
            )
        self._check_poisson_targets(Y, "y", require_positive_sum=first)
        return Y

    def _encode_validation_targets(self, y_val):
        Y = np.asarray(y_val, dtype=np.float64)
        Y = Y.reshape(-1, 1) if Y.ndim == 1 else Y
        if Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y_val has {Y.shape[1]} outputs but the model has {self.n_outputs_}."
            )
        self._check_poisson_targets(Y, "y_val", require_positive_sum=False)
        return Y

    def _make_loss(self):
        if self.loss == "poisson":
            from .losses import PoissonDeviance

            return PoissonDeviance()
        return SquaredError()

    def _out_activation(self):
        """Name of the output unit, as scikit-learn's ``out_activation_``."""
        return "exp" if self.loss == "poisson" else "identity"

    def _decode_targets(self, Y):
        """Encoded targets -> targets shaped as passed to fit."""
        return Y.ravel() if self._y_1d else Y

    def _encode_batch(self, y):
        """Targets returned by ``augment`` -> (n, n_outputs) array."""
        Y = np.asarray(y, dtype=np.float64)
        Y = Y.reshape(-1, 1) if Y.ndim == 1 else Y
        if Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"augment returned y_batch with {Y.shape[1]} outputs; the model has "
                f"{self.n_outputs_}."
            )
        self._check_poisson_targets(Y, "augment's y_batch", require_positive_sum=False)
        return Y

    def _marginal_bias(self, Y, sw):
        """The output that fits the (weighted) mean of the targets (8.4): the
        mean itself (identity output), its log (Poisson, exp output)."""
        mean = Y.mean(axis=0) if sw is None else (sw / sw.sum()) @ Y
        if self.loss != "poisson":
            return mean
        # an all-zero output column would want log(0) = -inf: floor it
        floor = max(1e-6 * float(mean.max()), float(np.finfo(Y.dtype).tiny))
        return np.log(np.maximum(mean, floor))

    def predict(self, X):
        """Predicted targets, shape (n_samples,) or (n_samples, n_outputs).

        With ``loss='poisson'`` the predicted means ``exp(f(x))`` (positive).
        """
        p = self._forward(X)
        return p.ravel() if self._y_1d else p

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = self.loss == "poisson"
        return tags

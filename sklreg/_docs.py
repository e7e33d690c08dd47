"""Docstrings of the MLP estimators, assembled from one table of parameter docs.

Both estimators share almost all parameters; writing the numpydoc text once
here keeps the two public docstrings from drifting apart.  Every entry names
the book section it implements and what the parameter does.
"""

from __future__ import annotations

import re

from ._docs_attributes import _ATTRIBUTES
from ._registry import ACTIVATIONS, INITIALIZERS, OPTIMIZERS, SCHEDULES
from .features import FEATURES


def _names(reg):
    return ", ".join(repr(n) for n in reg.names())


def _common_params(task_extra=""):
    return f"""
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units of each hidden layer.  ``()`` gives a model without hidden layer
        (linear regression, logistic or softmax regression).

    activation : str or activation object, default='relu'
        Hidden-unit nonlinearity (book 6.3), one of {{ACTIVATIONS}}, or an
        object from :mod:`sklreg.activations` carrying its own knobs, e.g.
        ``LeakyReLU(negative_slope=0.1)``; nested knobs are grid-searchable as
        ``activation__negative_slope`` (the parameter must then be an
        instance, not a name).  Objects are cloned by ``fit``, never mutated.

    optimizer : str or optimizer object, default='adam'
        Training algorithm (book chapter 8), one of {{OPTIMIZERS}}, or an
        optimizer object from :mod:`sklreg.optim` carrying its own knobs,
        e.g. ``Adam(beta_2=0.99)``; nested knobs are grid-searchable as
        ``optimizer__beta_2`` (the parameter must then be an instance, not a
        name).  First-order methods follow the book's algorithm boxes 8.1-8.7.
        'lbfgs', 'bfgs', 'cg', 'newton', 'natural_gradient' and
        'delta_bar_delta' (8.5, one adaptive rate per parameter) are full-batch
        methods (draft 8.5-8.6): every iteration uses all rows, ``max_iter``
        counts iterations, ``loss_curve_`` has one value per iteration, and
        ``learning_rate``, ``batch_size``, ``lr_schedule``, ``shuffle`` and
        the clipping parameters only act during their optional first-order
        warm-up (e.g. ``LBFGS(warmup='adam', warmup_epochs=5)``).  They refuse
        stochastic regularizers (dropout, noise); 'newton',
        'natural_gradient' and 'bfgs' refuse models above ``max_params``
        (2000) parameters.  See ``docs/second_order.md``.

    learning_rate : float or None, default=None
        Base step size epsilon (book 8.3.1).  None uses the optimizer's own
        default (0.01 for sgd/momentum/nesterov/adagrad, 0.001 for
        rmsprop/adam, 1.0 = the book's algorithm for adadelta).

    lr_schedule : str or schedule object, default='constant'
        Multiplier of ``learning_rate`` over training, one of {{SCHEDULES}},
        or an object from :mod:`sklreg.optim.schedules`.  'linear' is the
        book's linear decay to step tau, eq. 8.14; 'plateau' divides the rate
        when the monitored loss (validation loss under early stopping,
        training loss otherwise) stops improving.

    batch_size : int or 'auto', default='auto'
        Minibatch size (book 8.1.3); 'auto' is ``min(200, n_samples)``.

{{FEATURE_DOCS:batch_growth}}

    max_iter : int, default=200
        Maximum number of epochs (passes over the training data).

    shuffle : bool, default=True
        Reshuffle the rows every epoch so minibatches are random (book 8.1.3).

    tol : float, default=1e-4
        Minimum improvement of the training loss (or, with early stopping,
        of the validation score) that resets the patience counter.  It only
        decides patience: early stopping always restores the epoch with the
        best validation score.  Not used by full-batch optimizers, which stop
        by their own convergence test (e.g. ``LBFGS(gtol=...)``).

    n_iter_no_change : int or np.inf, default=10
        Patience.  Without early stopping, scikit-learn's rule: training stops
        after ``n_iter_no_change + 1`` consecutive epochs whose training loss
        is not below the best minus ``tol``.  With early stopping, the ``p``
        of Algorithm 7.1 (book 7.8): stop after ``n_iter_no_change``
        consecutive epochs without a validation improvement of ``tol``.
        ``np.inf`` never stops early.

{{FEATURE_DOCS:norms}}

    init : str or initializer object, default='glorot_uniform'
        Weight initialization (book 8.4), one of {{INITIALIZERS}}, or an
        object such as ``Orthogonal(gain=2**0.5)`` or ``SparseInit(k=15)``.
        'glorot_uniform' is the normalized initialization of eq. 8.23;
        'lsuv' (``LSUV(batch_size, tol, max_iter)``) draws orthogonal weights
        and rescales each hidden layer to unit pre-activation variance on a
        batch of the training rows (data-driven initial scale, book 8.4).

    hidden_bias_init : float, default=0.0
        Constant initial bias of the hidden units (book 8.4 suggests 0.1 for
        ReLU units to avoid saturation at initialization).

    output_bias_init : {{'marginal', 'zeros'}}, default='marginal'
        'marginal' sets the output biases from the marginal statistics of the
        training targets (book 8.4): softmax(b) = class frequencies,
        sigmoid(b) = label frequencies, or the mean of y for regression.

{{FEATURE_DOCS:init_from}}

{{FEATURE_DOCS:clipping}}

{{FEATURE_DOCS:early_stopping}}

{{FEATURE_DOCS:refit,averaging,curriculum}}
{task_extra}
{{FEATURE_DOCS:curvature}}

    warm_start : bool, default=False
        Reuse the previous solution as initialization on the next ``fit``
        (book 8.4, initialization by learning).

    random_state : int, RandomState instance, Generator or None, default=None
        Seeds the one random generator of a fit (initialization, shuffling,
        validation split, noise).  Never touches the global random state.

    verbose : int, default=0
        Print the loss every epoch when > 0.
"""





def _feature_docs(match):
    """``{FEATURE_DOCS:a,b}`` -> the numpydoc entries features ``a``, ``b``
    declare for their parameters (placed where they stand in the signature)."""
    by_name = {f.name: f for f in FEATURES}
    names = match.group(1).split(",")
    return "\n".join(p.doc.strip("\n") + "\n" for n in names for p in by_name[n].params)


def _fill(text):
    return (
        re.sub(r"\{FEATURE_DOCS:([\w,]+)\}", _feature_docs, text)
        .replace("{ACTIVATIONS}", _names(ACTIVATIONS))
        .replace("{OPTIMIZERS}", _names(OPTIMIZERS))
        .replace("{SCHEDULES}", _names(SCHEDULES))
        .replace("{INITIALIZERS}", _names(INITIALIZERS))
    )


_CLASS_WEIGHT = """
    class_weight : None, 'balanced' or dict, default=None
        Weights of the classes, multiplied into ``sample_weight``; 'balanced'
        uses ``n_samples / (n_classes * bincount(y))``.  Not for multilabel y.
"""

_LAYER_PARAMS = """
{FEATURE_DOCS:noise,per_example,augment,dropout,batch_norm,activity,student_t}

{FEATURE_DOCS:model_design,multitask,pretraining,continuation,adversarial,tangent,double_backprop}
"""


_LABEL_SMOOTHING = """
{FEATURE_DOCS:label_smoothing}
"""


def classifier_doc():
    return _fill(
        """Multi-layer perceptron classifier with the regularizers and optimizers
    of Deep Learning (Goodfellow, Bengio, Courville), chapters 7-8.

    Softmax output with cross-entropy for multiclass targets, logistic units
    with cross-entropy for binary and multilabel targets.

    Parameters
    ----------"""
        + _common_params(_LABEL_SMOOTHING + _CLASS_WEIGHT + _LAYER_PARAMS)
        + """
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels."""
        + _ATTRIBUTES
    )


_LOSS = """
    loss : {'squared_error', 'poisson'}, default='squared_error'
        Output unit and per-sample loss (book 6.2.2).  'squared_error':
        identity output, ``0.5 * ||y - f(x)||^2`` (Gaussian likelihood).
        'poisson': exponential output ``exp(f(x))`` (log link) and half the
        Poisson deviance ``sum_k [y log(y / mu) - y + mu]`` -- the same loss
        as scikit-learn's ``MLPRegressor(loss='poisson')``, for counts and
        rates; ``y`` must be non-negative with a positive sum.  The marginal
        output bias is then the log of the (weighted) mean target.
"""


def regressor_doc():
    return _fill(
        """Multi-layer perceptron regressor with the regularizers and optimizers
    of Deep Learning (Goodfellow, Bengio, Courville), chapters 7-8.

    Identity output with squared error ``0.5 * ||y - f(x)||^2`` per sample
    (``loss='squared_error'``), or exponential output with the Poisson
    deviance (``loss='poisson'``); supports multi-output targets.

    Parameters
    ----------"""
        + _common_params(_LOSS + _LAYER_PARAMS)
        + """
    Attributes
    ----------"""
        + _ATTRIBUTES
    )

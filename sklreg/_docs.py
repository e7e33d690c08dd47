"""Docstrings of the MLP estimators, assembled from one table of parameter docs.

Both estimators share almost all parameters; writing the numpydoc text once
here keeps the two public docstrings from drifting apart.  Every entry names
the book section it implements and what the parameter does.
"""

from __future__ import annotations

import re

from ._docs_attributes import _ATTRIBUTES
from ._registry import ACTIVATIONS, INITIALIZERS, OPTIMIZERS, SCHEDULES


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
    from .features import FEATURES

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
    input_noise : float, default=0.0
        Standard deviation of Gaussian noise added to every input entry of
        every minibatch, in training only (book 7.4 dataset augmentation and
        7.5 noise robustness).  For a linear model with squared loss, noise of
        variance ``nu = input_noise**2`` is equivalent in expectation to the
        L2 penalty ``alpha = nu`` (Bishop 1995).  Densifies sparse minibatches.

    hidden_noise : float or sequence of float, default=0.0
        Standard deviation of Gaussian noise on the hidden units (after the
        activation), in training only (book 7.5); one value or one per hidden
        layer.

    hidden_noise_type : {'additive', 'multiplicative'}, default='additive'
        ``h + s e`` or ``h (1 + s e)``, ``e ~ N(0, 1)``.  Multiplicative noise
        cannot be defeated by growing the activations (book 7.12).

    weight_noise : float, default=0.0
        Standard deviation of Gaussian noise added to all weights (not the
        biases) at every minibatch, in training only; the gradient is taken
        at the perturbed weights (book 7.5, eq. 7.30-7.33; favours flat
        minima).  One perturbation per minibatch by default; the book's one
        per example with ``weight_noise_sampling='example'``.

{FEATURE_DOCS:per_example}

    augment : callable or None, default=None
        Dataset augmentation (book 7.4): ``augment(X_batch, y_batch, rng) ->
        (X_batch, y_batch)`` is called on every training minibatch (not on
        validation data) with the *raw* targets (class labels as passed to
        ``fit``) and a ``numpy.random.Generator`` seeded from
        ``random_state``.  It may transform rows or return more of them
        (not with ``sample_weight``).  Use a module-level function (or a
        picklable object) so the estimator can be cloned and pickled.

    dropout : float or sequence of float, default=0.0
        Probability of DROPPING each hidden unit, per example and per update
        (book 7.12), one value or one per hidden layer.  The book's ``p`` is
        the probability of KEEPING a unit: ``keep = 1 - dropout`` (the book's
        typical hidden keep probability 0.5 is ``dropout=0.5``).  Inverted
        dropout: kept units are divided by ``keep`` in training, so the
        weight-scaling inference rule needs no rescaling at predict time.
        No effect without hidden layers (use ``input_dropout``).

    input_dropout : float, default=0.0
        Probability of dropping each input unit (book 7.12; its typical keep
        probability 0.8 is ``input_dropout=0.2``).

    dropout_type : {'bernoulli', 'gaussian', 'dropconnect'}, default='bernoulli'
        'bernoulli': binary masks (book 7.12).  'gaussian': multiplicative
        ``N(1, dropout / (1 - dropout))`` noise, same mean and variance as the
        inverted binary mask (book 7.12, Srivastava et al. 2014).
        'dropconnect': masks on individual weights (book 7.12, Wan et al.
        2013): ``dropout``/``input_dropout`` become the drop probability of
        each weight *reading* that layer; one mask per minibatch (shared by
        its rows), or one per example with ``weight_noise_sampling='example'``.

    dropout_inference : {'weight_scaling', 'monte_carlo', 'geometric'}, default='weight_scaling'
        How predictions average the dropout ensemble (book 7.12, eq.
        7.53-7.55): 'weight_scaling' uses the full network (deterministic;
        exact for softmax regression, eq. 7.66); 'monte_carlo' averages the
        output distributions of ``n_mc_samples`` masked passes; 'geometric'
        takes their renormalized geometric mean.  The sampled rules are
        reproducible (a seed drawn at fit time starts a fresh generator at
        every call) but a row's prediction then depends on the other rows of
        X.  Read at predict time: it can be changed after fitting.

    n_mc_samples : int, default=20
        Masked passes of 'monte_carlo' / 'geometric' inference (the book:
        "10-20 masks are often sufficient").

    batch_norm : bool, default=False
        Batch normalization of every hidden pre-activation ``XW`` (book
        8.7.1): minibatch statistics in training, running statistics at
        inference; learned per-unit scale ``gamma`` and shift ``beta`` (never
        penalized) replace the dense bias, which stays fixed.  Needs
        minibatches of at least 2 rows; adds noise that regularizes (7.12).

    batch_norm_momentum : float in [0, 1), default=0.9
        Running statistics ``r <- momentum * r + (1 - momentum) * batch``
        (plain average over the first ``1 / (1 - momentum)`` batches).

    batch_norm_epsilon : float, default=1e-5
        Added to the batch variance (the book's delta is 1e-8; 1e-5 keeps
        float32 training safe).

    activity_l1 : float or sequence of float, default=0.0
        Sparse representations (book 7.10, eq. 7.48): penalty ``activity_l1 *
        mean_i sum_j |h_ij|`` on each hidden layer's activations (one value or
        one per hidden layer), averaged over samples like the loss.  See
        ``hidden_zero_fraction_``.

    activity_kl : float or sequence of float, default=0.0
        KL sparsity penalty ``sum_j KL(sparsity_target || mean_i h_ij)`` on
        each hidden layer (book 7.10); needs ``activation='logistic'``.

    sparsity_target : float in (0, 1), default=0.05
        Target average activation of the ``activity_kl`` penalty.

{FEATURE_DOCS:student_t}

    skip_connections : bool, default=False
        Designing models to aid optimization (draft 8.7.4): identity skip
        connections ``h_l = block_l(h_{l-1}) + h_{l-1}`` around every hidden
        layer whose width equals the previous one's, shortening the path from
        the output to lower layers.  Needs two consecutive hidden layers of
        equal width.  Adds no parameters.

    auxiliary_heads : bool, default=False
        Draft 8.7.4: an extra output head (own weights, same loss and
        targets) on every hidden layer but the last; during training the
        objective adds ``auxiliary_weight`` times each head's loss, so lower
        layers get a gradient from a nearby loss.  Predictions ignore the
        heads; their weights are not penalized.  Needs 2+ hidden layers.

    auxiliary_weight : float, default=0.3
        Weight of each auxiliary head's loss in the objective.

{FEATURE_DOCS:multitask}

{FEATURE_DOCS:pretraining,continuation,adversarial,tangent,double_backprop}
"""


_LABEL_SMOOTHING = """
    label_smoothing : float in [0, 1), default=0.0
        Label smoothing (book 7.5.1): softmax targets ``1 - eps`` for the true
        class and ``eps / (k - 1)`` for the others; for binary and multilabel
        (sigmoid) outputs targets ``1 - eps`` and ``eps``.  Keeps predicted
        probabilities (and the weights) bounded on separable data.  Must be
        below ``(k - 1) / k``.  Training loss only (validation loss uses the
        hard labels).
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

"""Numpydoc "Attributes" section shared by the MLP estimators (see :mod:`sklreg._docs`)."""

_ATTRIBUTES = """
    coefs_ : list of ndarray of shape (fan_in, fan_out)
        Weight matrices (views into the flat parameter vector).

    intercepts_ : list of ndarray of shape (fan_out,)
        Bias vectors.

    n_iter_ : int
        Number of epochs run by the last ``fit`` call (full-batch optimizers:
        warm-up epochs plus iterations), as scikit-learn: a ``warm_start`` fit
        with ``max_iter=20`` after one with ``max_iter=10`` gives 20, and
        ``partial_fit`` gives 1.  After Algorithm 7.2 it is the retraining
        run's epochs (see docs/training_safety.md).

    t_ : int
        Number of parameter updates done since the model was initialized
        (counts across ``warm_start`` fits and ``partial_fit`` calls;
        full-batch optimizers: warm-up updates plus objective/gradient
        evaluations).

    loss_curve_ : list of float
        Training objective (loss + penalties) per epoch since the model was
        initialized (full-batch optimizers: per iteration, the exact
        full-batch objective).

    loss_ : float
        Training objective of the last epoch (``loss_curve_[-1]``).

    history_ : list of dict
        One record per epoch (full-batch optimizers: per iteration), kept
        like ``loss_curve_`` (accumulated over ``warm_start`` fits and
        ``partial_fit`` calls, restarted with the model): 'epoch' (counted
        since the model was initialized), 'loss' (as ``loss_curve_``), 'lr'
        (learning rate of the epoch's last update; None for full-batch
        methods), 'n_updates' (``t_`` at the end of the epoch), 'time'
        (seconds the epoch took) and, with validation data, 'val_loss' and
        'val_score' (as ``validation_loss_curve_``/``validation_scores_``).
        ``pandas.DataFrame(est.history_)`` makes a table of it;
        :class:`sklreg.inspection.TrainingCurveDisplay` plots it
        (docs/monitoring.md).

    stop_reason_ : str
        Why the last call's training stopped: 'converged' (the loss plateau
        rule, or a full-batch method's tolerance), 'patience' (early
        stopping), 'max_iter' (every allowed epoch ran: ``max_iter``, the one
        epoch of ``partial_fit``, the budget of Algorithm 7.2), 'stalled' (a
        full-batch method stopped early without meeting its tolerance),
        'callback' (a scikit-learn callback asked to stop), 'diverged' or
        'interrupted' (Ctrl-C).  With ``early_stopping_refit`` it is the
        reason of the early-stopping run.

    kept_epoch_ : int or None
        The epoch (as ``history_``'s 'epoch') whose parameters the model
        holds: the restored best epoch with early stopping, the epoch kept
        after divergence, otherwise the last one (with ``averaging`` the
        parameters are the average up to it).

    best_loss_ : float or None
        Lowest training objective in ``loss_curve_``; None with early
        stopping (use ``best_validation_score_``), as scikit-learn.

    n_layers_ : int
        Number of layers, input and output included (``len(hidden) + 2``).

    out_activation_ : str
        Output unit: 'softmax', 'logistic', 'identity' or 'exp' (Poisson).

    curvature_history_ : list of dict or None
        With ``curvature_diagnostics=True``, one dict per epoch/iteration
        with keys 'epoch', 'loss', 'gTg' (``g^T g``), 'gTHg' (``g^T H g``)
        and 'critical_lr' (``2 g^T g / g^T H g``: gradient steps larger than
        this increase the objective's quadratic model, book eq. 8.10).
        A growing 'gTHg' with a flat 'gTg' signals ill-conditioning.

    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X has string feature names.

    n_outputs_ : int
        Number of network outputs.

    optimizer_ : optimizer object
        The fitted optimizer with its state (kept by ``partial_fit``).

    lr_schedule_ : schedule object

    validation_scores_ : list of float or None
        Validation score per epoch under early stopping (``-loss`` when
        ``scoring='loss'``); None otherwise.

    validation_loss_curve_ : list of float or None
        Validation loss per epoch under early stopping.

    best_validation_score_ : float or None
        Highest validation score (``max(validation_scores_)``); its epoch's
        parameters are the ones restored.

    best_iteration_ : int or None
        Epoch of the last call (counted from 1) whose parameters were restored
        (``i*`` of Algorithm 7.1); ``validation_scores_[best_iteration_ - 1]``
        is ``best_validation_score_``.

    best_t_ : int or None
        Number of updates at the best epoch (``i*`` counted in updates).

    refit_n_iter_ : int or None
        Extra epochs run by ``early_stopping_refit='continue'`` (Algorithm 7.3).

    hidden_zero_fraction_ : list of float or None
        Fraction of exactly-zero activations of each hidden layer on the
        training data at the end of ``fit`` (on a seeded random sample of 2000
        rows when there are more; sparse representations, book 7.10).  ``partial_fit`` recomputes it on the data of the call only when
        ``activity_l1`` or ``activity_kl`` is active (it costs an inference
        pass); otherwise it keeps its value (None if never computed).
"""


#: docstring of the MLP estimators' ``fit`` (kept here, next to the attributes)
FIT_DOC = """Fit the network on (X, y) for up to ``max_iter`` epochs.

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

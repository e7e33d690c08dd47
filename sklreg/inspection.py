"""Seeing what training did: :class:`TrainingCurveDisplay` plots the
training and validation curves of a fitted MLP (its ``history_``).

Plotting needs matplotlib, an optional dependency: ``pip install
"sklreg[plot]"``.  The Display follows scikit-learn's conventions
(``from_estimator``, ``plot(ax=None)``, the ``ax_``, ``figure_`` and
``lines_`` attributes); see docs/monitoring.md.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._base_mlp import _BaseMLP

__all__ = ["TrainingCurveDisplay"]

#: how to install the optional plotting dependency
PLOT_EXTRA = 'pip install "sklreg[plot]"'

_METRICS = ("loss", "score", "both")


def check_matplotlib_support(caller_name):
    """Raise an ImportError naming sklreg's ``plot`` extra if matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            f"{caller_name} requires matplotlib, an optional dependency of sklreg. "
            f"Install it with: {PLOT_EXTRA} (or pip install matplotlib)."
        ) from exc


def _array(name, values, n):
    if values is None:
        return None
    out = np.asarray(values, dtype=float)
    if out.shape != (n,):
        raise ValueError(f"{name} must have one value per epoch ({n}), got shape {out.shape}.")
    return out


class TrainingCurveDisplay:
    """Training curves per epoch: training loss, validation loss and score.

    Build it with :meth:`from_estimator` (a fitted MLP, or a Pipeline ending
    with one) or from the arrays, then :meth:`plot`.

    Parameters
    ----------
    epochs : array-like of shape (n_epochs,)
        Epoch numbers (full-batch optimizers: iterations).
    loss : array-like of shape (n_epochs,)
        Training objective per epoch.
    val_loss, val_score : array-like of shape (n_epochs,), default=None
        Validation loss and score per epoch (NaN where not recorded).
    best_epoch : int, default=None
        Epoch whose parameters the model kept (early stopping's restored
        best epoch), marked by a vertical line.
    best_epoch_label : str, default=None
        Legend of that line; None: ``"best epoch {best_epoch}"``.
    score_name : str, default=None
        Name of the score (axis label); None: "validation score".
    estimator_name : str, default=None
        Title of the plot.

    Attributes
    ----------
    lines_ : list of matplotlib.lines.Line2D
        The plotted curves, in legend order.
    best_line_ : matplotlib.lines.Line2D or None
        The vertical line at ``best_epoch``.
    ax_ : matplotlib.axes.Axes
        Axes of the plot (the loss, or the score with ``metric='score'``).
    ax2_ : matplotlib.axes.Axes or None
        The twin axis of the score with ``metric='both'``.
    figure_ : matplotlib.figure.Figure
    """

    def __init__(self, *, epochs, loss, val_loss=None, val_score=None, best_epoch=None,
                 best_epoch_label=None, score_name=None, estimator_name=None):
        self.epochs = epochs
        self.loss = loss
        self.val_loss = val_loss
        self.val_score = val_score
        self.best_epoch = best_epoch
        self.best_epoch_label = best_epoch_label
        self.score_name = score_name
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, metric="loss", line_kw=None, best_epoch_kw=None):
        """Plot the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to plot; None creates a figure.
        metric : {'loss', 'score', 'both'}, default='loss'
            'loss': training and validation loss; 'score': the validation
            score; 'both': the losses, and the score on a twin y axis.
        line_kw : dict, default=None
            Keyword arguments of every curve's ``plot`` call.
        best_epoch_kw : dict, default=None
            Keyword arguments of the best epoch's ``axvline`` call.

        Returns
        -------
        self
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt

        if metric not in _METRICS:
            raise ValueError(f"metric must be one of {_METRICS}, got {metric!r}.")
        epochs = np.asarray(self.epochs)
        n = epochs.shape[0]
        loss = _array("loss", self.loss, n)
        val_loss = _array("val_loss", self.val_loss, n)
        val_score = _array("val_score", self.val_score, n)
        if metric != "loss" and (val_score is None or np.all(np.isnan(val_score))):
            raise ValueError(
                f"metric={metric!r} needs validation scores: fit with early_stopping=True "
                "or with X_val/y_val, or use metric='loss'."
            )
        if ax is None:
            _, ax = plt.subplots()
        line_kw = dict(line_kw or {})
        score_name = self.score_name or "validation score"
        self.lines_, self.ax2_ = [], None
        score_ax = ax
        if metric in ("loss", "both"):
            self.lines_ += ax.plot(epochs, loss, label="training loss", **line_kw)
            if val_loss is not None and not np.all(np.isnan(val_loss)):
                self.lines_ += ax.plot(epochs, val_loss, label="validation loss", **line_kw)
            ax.set_ylabel("loss")
            if metric == "both":
                score_ax = self.ax2_ = ax.twinx()
                line_kw.setdefault("linestyle", "--")
        if metric in ("score", "both"):
            color = {"color": "C2"} if metric == "both" else {}
            self.lines_ += score_ax.plot(epochs, val_score, label=score_name,
                                         **{**color, **line_kw})
            score_ax.set_ylabel(score_name)
        self.best_line_ = None
        if self.best_epoch is not None:
            kw = {"color": "k", "linestyle": ":", "linewidth": 1,
                  "label": self.best_epoch_label or f"best epoch {self.best_epoch}",
                  **(best_epoch_kw or {})}
            self.best_line_ = ax.axvline(self.best_epoch, **kw)
        ax.set_xlabel("epoch")
        handles = self.lines_ + ([self.best_line_] if self.best_line_ is not None else [])
        (self.ax2_ or ax).legend(handles=handles, loc="best")  # the top axes: drawn last
        if self.estimator_name is not None:
            ax.set_title(self.estimator_name)
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, metric="loss", ax=None, line_kw=None,
                       best_epoch_kw=None):
        """Plot the curves of a fitted MLP (or of the MLP ending a Pipeline).

        The best epoch is marked when the model's parameters are not the
        last epoch's (early stopping restored its best epoch, or divergence
        kept an earlier one).

        Parameters
        ----------
        estimator : fitted MLPRegularizedClassifier or MLPRegularizedRegressor
            Or a Pipeline whose last step is one.
        metric, ax, line_kw, best_epoch_kw
            As in :meth:`plot`.

        Returns
        -------
        display : TrainingCurveDisplay
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        if hasattr(estimator, "steps"):  # a Pipeline: its final estimator
            estimator = estimator.steps[-1][1]
        if not isinstance(estimator, _BaseMLP):
            raise TypeError(
                f"{cls.__name__}.from_estimator needs a fitted MLPRegularizedClassifier or "
                f"MLPRegularizedRegressor (its history_), got {type(estimator).__name__}."
            )
        check_is_fitted(estimator, "history_")
        history = estimator.history_
        if not history:
            raise ValueError("The estimator's history_ is empty: nothing to plot.")

        def column(key):
            values = [rec.get(key) for rec in history]
            return None if all(v is None for v in values) else [
                np.nan if v is None else v for v in values]

        epochs = [rec["epoch"] for rec in history]
        kept = getattr(estimator, "kept_epoch_", None)
        restored = getattr(estimator, "stop_reason_", None) != "diverged"
        best = kept if kept is not None and kept != epochs[-1] else None
        if best is None and getattr(estimator, "early_stopping", False) and kept is not None \
                and getattr(estimator, "early_stopping_refit", None) is None:
            best = kept  # early stopping's best epoch happens to be the last one
        scoring = getattr(estimator, "scoring", None)
        score_name = f"validation {scoring}" if isinstance(scoring, str) else None
        if scoring == "loss":
            score_name = "validation score (-loss)"
        display = cls(
            epochs=epochs, loss=column("loss"), val_loss=column("val_loss"),
            val_score=column("val_score"), best_epoch=best,
            best_epoch_label=None if best is None else (
                f"{'restored' if restored else 'kept'} epoch {best}"),
            score_name=score_name, estimator_name=type(estimator).__name__,
        )
        return display.plot(ax=ax, metric=metric, line_kw=line_kw, best_epoch_kw=best_epoch_kw)

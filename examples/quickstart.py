"""
Quick start: a regularized MLP in a Pipeline, grid-searched and cross-validated
===============================================================================

Fits ``MLPRegularizedClassifier`` behind a ``StandardScaler`` on scikit-learn's
bundled breast-cancer data, grid-searches the L2 penalty (book 7.1.1) and the
optimizer (book 8.3/8.5), cross-validates the best model and prints the scores.
Runs in well under a minute on two cores.
"""

import warnings

from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_validate, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklreg import MLPRegularizedClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

pipe = Pipeline([
    ("scale", StandardScaler()),
    ("mlp", MLPRegularizedClassifier(hidden_layer_sizes=(64,), max_iter=100,
                                     early_stopping=True, random_state=0)),
])
grid = GridSearchCV(
    pipe,
    {"mlp__alpha": [1e-4, 1e-1], "mlp__optimizer": ["adam", "nesterov", "rmsprop"]},
    cv=3,
    n_jobs=1,
)
grid.fit(X_train, y_train)

print("grid search (3-fold CV accuracy):")
for params, mean, std in zip(grid.cv_results_["params"],
                             grid.cv_results_["mean_test_score"],
                             grid.cv_results_["std_test_score"]):
    print(f"  alpha={params['mlp__alpha']:<7g} optimizer={params['mlp__optimizer']:<9s}"
          f" {mean:.3f} +- {std:.3f}")
print("best parameters:", grid.best_params_)
print(f"held-out test accuracy of the best model: {grid.score(X_test, y_test):.3f}")

cv = cross_validate(grid.best_estimator_, X, y, cv=5, scoring=["accuracy", "roc_auc"])
print(f"5-fold cross-validation of the best model: accuracy "
      f"{cv['test_accuracy'].mean():.3f} +- {cv['test_accuracy'].std():.3f}, ROC-AUC "
      f"{cv['test_roc_auc'].mean():.3f} +- {cv['test_roc_auc'].std():.3f}")

"""The command line's work: load data files, parse ``--param name=value``,
fit, score and sample models saved with joblib. Every user error is a
:class:`CLIError` with a message saying what to fix."""

import ast
from pathlib import Path

import numpy as np

#: keys tried, in order, for the data array of an .npz file with several arrays
NPZ_KEYS = ("X", "data", "x_train", "train")


class CLIError(Exception):
    """A mistake of the user's (bad model name, parameter or file)."""


def load_data(path):
    """The 2-D float array stored in ``path`` (.npy, .npz or .csv)."""
    path = Path(path)
    if not path.is_file():
        raise CLIError(f"no such data file: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            X = np.load(path, allow_pickle=False)
        elif suffix == ".npz":
            X = _npz_array(path)
        elif suffix == ".csv":
            X = _csv_array(path)
        else:
            raise CLIError(f"{path}: unknown data format {suffix!r}; use .npy, .npz or .csv")
    except CLIError:
        raise
    except (OSError, ValueError) as exc:
        raise CLIError(f"cannot read {path}: {exc}") from exc
    X = np.asarray(X)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[0] == 0:
        raise CLIError(f"{path}: expected a 2-D array of samples x features; got shape {X.shape}")
    if not np.issubdtype(X.dtype, np.number):
        raise CLIError(f"{path}: expected numbers; got dtype {X.dtype}")
    return X.astype(np.float64, copy=False)


def _npz_array(path):
    with np.load(path, allow_pickle=False) as archive:
        keys = list(archive.keys())
        if len(keys) == 1:
            return archive[keys[0]]
        for key in NPZ_KEYS:
            if key in archive:
                return archive[key]
    raise CLIError(
        f"{path} holds several arrays ({', '.join(keys)}) and none is named "
        f"{' or '.join(NPZ_KEYS)}: save the data alone or under one of these names"
    )


def _csv_array(path):
    """Comma-separated numbers, with or without one header line."""
    try:
        return np.loadtxt(path, delimiter=",", ndmin=2)
    except ValueError:
        return np.loadtxt(path, delimiter=",", ndmin=2, skiprows=1)


def parse_params(items, estimator):
    """``["name=value", ...]`` as a dict of the estimator's parameters; values
    are Python literals (``50``, ``1e-3``, ``(64, 32)``, ``None``) or else strings."""
    valid = estimator.get_params()
    params = {}
    for item in items or ():
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise CLIError(f"--param expects name=value; got {item!r}")
        if name not in valid:
            raise CLIError(
                f"{type(estimator).__name__} has no parameter {name!r}; "
                f"its parameters: {', '.join(sorted(valid))}"
            )
        try:
            params[name] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            params[name] = text
    return params


def make_model(name, param_items, estimators):
    """An instance of the estimator called ``name`` with the given parameters."""
    if name not in estimators:
        raise CLIError(f"unknown model {name!r} (classifiers, which need labels, are not "
                       f"fitted here); choose from: {', '.join(sorted(estimators))}")
    model = estimators[name]()
    return model.set_params(**parse_params(param_items, model))


def fit_model(model, X):
    """Fit ``model`` to ``X``, turning invalid parameter values into a CLIError."""
    from sklearn.utils._param_validation import InvalidParameterError

    try:
        return model.fit(X)
    except InvalidParameterError as exc:
        raise CLIError(f"bad parameter: {exc}") from exc


def load_model(path):
    """A fitted estimator saved by ``skgenerative fit`` (joblib)."""
    import joblib
    from sklearn.base import BaseEstimator

    path = Path(path)
    if not path.is_file():
        raise CLIError(f"no such model file: {path}")
    try:
        model = joblib.load(path)
    except Exception as exc:  # joblib raises many kinds on a file that is not its own
        raise CLIError(f"cannot load a model from {path}: {exc}") from exc
    if not isinstance(model, BaseEstimator):
        raise CLIError(f"{path} holds a {type(model).__name__}, not a fitted estimator")
    return model


def check_features(model, X, path):
    expected = getattr(model, "n_features_in_", X.shape[1])
    if X.shape[1] != expected:
        raise CLIError(f"{path} has {X.shape[1]} features; the model was fitted on {expected}")

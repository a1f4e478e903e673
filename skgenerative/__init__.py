"""skgenerative: deep generative models as scikit-learn estimators.

Every public estimator is importable from the top level::

    from skgenerative import BernoulliRBM
"""

import os as _os
import tempfile as _tempfile


def _numba_cache_fallback(package_dir, environ, is_writable):
    """Where to cache compiled kernels if not next to their modules.

    Kernels use ``cache=True`` (cached beside each module); on a read-only
    install they go to the temporary directory instead, unless the user set
    NUMBA_CACHE_DIR. Returns that directory, or None when nothing is needed.
    """
    if environ.get("NUMBA_CACHE_DIR") or is_writable(package_dir):
        return None
    return _os.path.join(_tempfile.gettempdir(), "skgenerative-numba")


_cache_dir = _numba_cache_fallback(
    _os.path.dirname(__file__), _os.environ, lambda path: _os.access(path, _os.W_OK)
)
if _cache_dir is not None:
    import numba as _numba

    _os.environ["NUMBA_CACHE_DIR"] = _cache_dir
    _numba.config.CACHE_DIR = _cache_dir

from . import (  # noqa: E402
    adversarial,
    applications,
    autoregressive,
    boltzmann,
    datasets,
    denoising,
    diffusion,
    evaluation,
    latent,
    nn,
    sequence,
)
from .adversarial import *  # noqa: E402,F401,F403
from .applications import *  # noqa: E402,F401,F403
from .autoregressive import *  # noqa: E402,F401,F403
from .boltzmann import *  # noqa: E402,F401,F403
from .denoising import *  # noqa: E402,F401,F403
from .diffusion import *  # noqa: E402,F401,F403
from .latent import *  # noqa: E402,F401,F403
from .sequence import *  # noqa: E402,F401,F403

__version__ = "0.1.0.dev0"

__all__ = sorted(
    boltzmann.__all__
    + autoregressive.__all__
    + latent.__all__
    + adversarial.__all__
    + denoising.__all__
    + diffusion.__all__
    + sequence.__all__
    + applications.__all__
)


def all_estimators(*, include_applications=False):
    """The public generative models, as ``(name, class)`` pairs sorted by name.

    With ``include_applications=True`` the estimators built on them
    (:mod:`skgenerative.applications`: outlier detection, imputation) too.
    """
    from sklearn.base import BaseEstimator

    g = globals()
    return [
        (name, g[name])
        for name in __all__
        if isinstance(g[name], type) and issubclass(g[name], BaseEstimator)
        and (include_applications or name not in applications.__all__)
    ]

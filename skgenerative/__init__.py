"""skgenerative: deep generative models as scikit-learn estimators.

Every public estimator is importable from the top level::

    from skgenerative import BernoulliRBM
"""

from . import (
    adversarial,
    autoregressive,
    boltzmann,
    denoising,
    diffusion,
    latent,
)
from .adversarial import *  # noqa: F401,F403
from .autoregressive import *  # noqa: F401,F403
from .boltzmann import *  # noqa: F401,F403
from .denoising import *  # noqa: F401,F403
from .diffusion import *  # noqa: F401,F403
from .latent import *  # noqa: F401,F403

__version__ = "0.1.0.dev0"

__all__ = sorted(
    boltzmann.__all__
    + autoregressive.__all__
    + latent.__all__
    + adversarial.__all__
    + denoising.__all__
    + diffusion.__all__
)


def all_estimators():
    """The public estimator classes, as ``(name, class)`` pairs sorted by name."""
    from sklearn.base import BaseEstimator

    g = globals()
    return [
        (name, g[name])
        for name in __all__
        if isinstance(g[name], type) and issubclass(g[name], BaseEstimator)
    ]

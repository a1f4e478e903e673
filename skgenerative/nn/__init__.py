"""A small numpy/numba neural toolkit shared by the models that back-propagate.

* :class:`Dense`, :class:`MLP` — layers with forward/backward (the package's
  single back-propagation implementation), parameters in a dict;
* ``ACTIVATIONS`` / ``DERIVATIVES`` — sigmoid, tanh, relu, leaky_relu, softplus, linear;
* likelihood heads :class:`BernoulliHead`, :class:`GaussianHead` and losses
  (:func:`softmax_cross_entropy`, :func:`squared_error`);
* optimizers :class:`SGD` (momentum) and :class:`Adam`, and the one
  minibatch-optimizer loop :func:`minibatch_epoch`;
* gradient estimators through random operations (§20.9): reparametrization
  and REINFORCE with baselines (:class:`ReinforceBaseline`);
* maximum mean discrepancy with a mixture of Gaussian kernels
  (:func:`mmd2_unbiased` and its gradient, §20.10.5);
* convolution, transposed convolution and un-pooling layers for
  convolutional generators (:class:`Conv2D`, :class:`ConvTranspose2D`,
  :class:`Unpool2D`, §20.10.6).
"""

from ._activations import ACTIVATIONS, DERIVATIVES, log_sigmoid, sigmoid, softplus
from ._gradient_estimators import (
    ReinforceBaseline,
    diagonal_gaussian_log_density,
    gaussian_kl_standard_normal,
    optimal_baseline,
    reinforce_gradient,
    reparametrize_gaussian,
    reparametrize_gaussian_backward,
)
from ._losses import (
    BernoulliHead,
    GaussianHead,
    bernoulli_log_likelihood,
    gaussian_log_likelihood,
    logsumexp_rows,
    make_head,
    softmax,
    softmax_cross_entropy,
    squared_error,
)
from ._conv import Conv2D, ConvTranspose2D, Unpool2D
from ._mlp import MLP, Dense
from ._mmd import gaussian_kernel, median_distance, mmd2_unbiased
from ._optimizers import SGD, Adam, make_optimizer
from ._training import minibatch_epoch, softmax_classifier_epoch

__all__ = [
    "ACTIVATIONS",
    "DERIVATIVES",
    "sigmoid",
    "softplus",
    "log_sigmoid",
    "Dense",
    "MLP",
    "BernoulliHead",
    "GaussianHead",
    "make_head",
    "bernoulli_log_likelihood",
    "gaussian_log_likelihood",
    "logsumexp_rows",
    "softmax",
    "softmax_cross_entropy",
    "squared_error",
    "SGD",
    "Adam",
    "make_optimizer",
    "minibatch_epoch",
    "softmax_classifier_epoch",
    "reparametrize_gaussian",
    "reparametrize_gaussian_backward",
    "gaussian_kl_standard_normal",
    "diagonal_gaussian_log_density",
    "reinforce_gradient",
    "optimal_baseline",
    "ReinforceBaseline",
    "gaussian_kernel",
    "median_distance",
    "mmd2_unbiased",
    "Conv2D",
    "ConvTranspose2D",
    "Unpool2D",
]

"""Dense layers and the multilayer perceptron: the package's one back-propagation.

Every model that back-propagates (VAE/IWAE encoders and decoders, the sigmoid
belief net's conditionals, NVIL's baseline network, DBN fine-tuning, MP-DBM,
NADE variants) builds on :class:`Dense` and :class:`MLP`. Parameters live in a
plain ``dict`` of arrays (``MLP.params``), so any number of networks can be
trained by one :class:`~skgenerative.nn.SGD` / :class:`~skgenerative.nn.Adam`
over the merged dict ``{**net_a.params, **net_b.params}`` (give each network a
distinct ``prefix``). Gradients returned by ``backward`` are gradients of the
same scalar whose gradient w.r.t. the output was passed in; pass the gradient
of a log-likelihood and step with ``maximize=True`` (the optimizers' default),
or the gradient of a loss and ``maximize=False``.
"""

import numbers

import numpy as np

from ..utils.random import check_generator
from ._activations import ACTIVATIONS, DERIVATIVES

__all__ = ["Dense", "MLP"]


def _check_activation(name):
    if name not in ACTIVATIONS:
        raise ValueError(
            f"Unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}."
        )
    return name


class Dense:
    """One affine layer followed by an elementwise activation: ``a = f(X W + b)``.

    Parameters
    ----------
    n_in, n_out : int
        Input and output widths.
    activation : str, default="linear"
        A key of :data:`skgenerative.nn.ACTIVATIONS` (``"sigmoid"``, ``"tanh"``,
        ``"relu"``, ``"softplus"``, ``"linear"``).
    weight_key, bias_key : str
        The keys of ``W`` (shape ``(n_in, n_out)``) and ``b`` in the parameter dict.
    """

    def __init__(self, n_in, n_out, activation="linear", *, weight_key="W", bias_key="b"):
        self.n_in = int(n_in)
        self.n_out = int(n_out)
        self.activation = _check_activation(activation)
        self.weight_key = weight_key
        self.bias_key = bias_key

    def init_params(self, rng, dtype=np.float64, scale=None):
        """Glorot-uniform weights (scaled ×4 for sigmoid), zero bias."""
        if scale is None:
            scale = np.sqrt(6.0 / (self.n_in + self.n_out))
            if self.activation in ("sigmoid", "logistic"):
                scale *= 4.0
        W = rng.uniform(-scale, scale, size=(self.n_in, self.n_out)).astype(dtype)
        return {self.weight_key: W, self.bias_key: np.zeros(self.n_out, dtype=dtype)}

    def forward(self, params, X):
        """Returns ``(a, cache)``."""
        z = X @ params[self.weight_key]
        z += params[self.bias_key]
        a = ACTIVATIONS[self.activation](z)
        return a, (X, z, a)

    def backward(self, params, cache, grad_a, input_grad=True):
        """Back-propagate ``grad_a = d obj / d a``.

        Returns ``(grads, grad_X)``; ``grad_X`` is None when ``input_grad`` is False.
        """
        X, z, a = cache
        if self.activation in ("linear", "identity"):
            grad_z = grad_a
        else:
            grad_z = grad_a * DERIVATIVES[self.activation](z, a)
        grads = {self.weight_key: X.T @ grad_z, self.bias_key: grad_z.sum(axis=0)}
        grad_X = grad_z @ params[self.weight_key].T if input_grad else None
        return grads, grad_X


class MLP:
    """A stack of :class:`Dense` layers with forward and backward passes.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``(n_inputs, n_hidden_1, ..., n_outputs)``; at least two entries.
    activations : str or sequence of str, default="relu"
        Activation of the hidden layers: one name for all, or one per hidden
        layer.
    output_activation : str, default="linear"
        Activation of the last layer. Likelihood heads and losses take the
        linear output (logits), which keeps their gradients exact and stable.
    dtype : dtype, default=np.float64
        float32 or float64; inputs are cast to it.
    random_state : None, int or numpy.random.Generator
        Initialisation of the weights.
    prefix : str, default=""
        Prepended to parameter keys (``f"{prefix}W0"``, ``f"{prefix}b0"``, ...),
        so that several networks can share one parameter dict and one optimizer.

    Attributes
    ----------
    layers : list of Dense
    params : dict of str to ndarray
        ``W{i}`` of shape ``(layer_sizes[i], layer_sizes[i + 1])`` and ``b{i}``.

    Notes
    -----
    To start from pretrained weights (e.g. a DBN's recognition weights),
    assign into the arrays in place (``net.params["W0"][...] = W``) so that an
    optimizer built on ``net.params`` keeps seeing the same arrays. For a
    classifier, keep ``output_activation="linear"`` and use
    :func:`softmax_cross_entropy` on the logits (``softmax(net.predict(X))``
    gives the class probabilities).

    Examples
    --------
    >>> import numpy as np
    >>> from skgenerative.nn import MLP, Adam, softmax_cross_entropy
    >>> X = np.random.default_rng(0).normal(size=(8, 3))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> net = MLP([3, 16, 2], "tanh", random_state=0)
    >>> opt = Adam(net.params, learning_rate=0.05, maximize=False)
    >>> for _ in range(100):
    ...     logits, cache = net.forward(X)
    ...     loss, grad_logits = softmax_cross_entropy(logits, y)
    ...     opt.step(net.backward(cache, grad_logits))
    >>> bool(loss.mean() < 0.1)
    True
    """

    def __init__(
        self,
        layer_sizes,
        activations="relu",
        output_activation="linear",
        *,
        dtype=np.float64,
        random_state=None,
        prefix="",
    ):
        sizes = [int(s) for s in layer_sizes]
        if len(sizes) < 2 or any(s < 1 for s in sizes):
            raise ValueError(f"layer_sizes needs >= 2 positive ints; got {layer_sizes!r}.")
        n_hidden = len(sizes) - 2
        if isinstance(activations, str):
            activations = [activations] * n_hidden
        activations = list(activations)
        if len(activations) != n_hidden:
            raise ValueError(
                f"{len(activations)} activations given for {n_hidden} hidden layers."
            )
        names = activations + [output_activation]
        self.layer_sizes = tuple(sizes)
        self.prefix = prefix
        self.dtype = np.dtype(dtype)
        self.layers = [
            Dense(
                sizes[i], sizes[i + 1], names[i],
                weight_key=f"{prefix}W{i}", bias_key=f"{prefix}b{i}",
            )
            for i in range(len(sizes) - 1)
        ]
        rng = check_generator(random_state)
        self.params = {}
        for layer in self.layers:
            self.params.update(layer.init_params(rng, self.dtype))

    @property
    def n_inputs(self):
        return self.layer_sizes[0]

    @property
    def n_outputs(self):
        return self.layer_sizes[-1]

    def forward(self, X):
        """Forward pass.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_inputs)

        Returns
        -------
        output : ndarray of shape (n_samples, n_outputs)
        cache : list
            What :meth:`backward` needs; pass it back unchanged.
        """
        a = np.asarray(X, dtype=self.dtype)
        cache = []
        for layer in self.layers:
            a, c = layer.forward(self.params, a)
            cache.append(c)
        return a, cache

    def predict(self, X):
        """The output of the forward pass, without the cache."""
        return self.forward(X)[0]

    def backward(self, cache, grad_output, *, input_grad=False):
        """Back-propagate ``grad_output = d obj / d output``.

        Parameters
        ----------
        cache : list
            From :meth:`forward`.
        grad_output : ndarray of shape (n_samples, n_outputs)
        input_grad : bool, default=False
            Also return ``d obj / d X`` (needed to chain networks, e.g. a VAE
            decoder feeding the reparametrised code back to the encoder).

        Returns
        -------
        grads : dict of str to ndarray
            Same keys and shapes as ``params``.
        grad_input : ndarray of shape (n_samples, n_inputs)
            Only when ``input_grad=True``.
        """
        grads = {}
        g = np.asarray(grad_output, dtype=self.dtype)
        for i in range(len(self.layers) - 1, -1, -1):
            need = input_grad or i > 0
            layer_grads, g = self.layers[i].backward(self.params, cache[i], g, need)
            grads.update(layer_grads)
        return (grads, g) if input_grad else grads

    def n_parameters(self):
        return int(sum(v.size for v in self.params.values()))


def check_layer_sizes(sizes, name):
    """Validate a user's hidden-layer-size tuple (possibly empty)."""
    if isinstance(sizes, numbers.Integral):
        sizes = (sizes,)
    sizes = tuple(sizes)
    if any(not isinstance(s, numbers.Integral) or s < 1 for s in sizes):
        raise ValueError(f"{name} must be a sequence of positive ints; got {sizes!r}.")
    return tuple(int(s) for s in sizes)

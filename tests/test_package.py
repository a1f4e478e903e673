import os
import tempfile

import skgenerative


def test_public_names_are_importable_estimators():
    names = [name for name, _ in skgenerative.all_estimators()]
    assert "BernoulliRBM" in names and names == sorted(names)
    for name in names:
        assert getattr(skgenerative, name).__module__.startswith("skgenerative.")


def test_read_only_install_caches_kernels_in_temp_dir():
    fallback = skgenerative._numba_cache_fallback
    temp = os.path.join(tempfile.gettempdir(), "skgenerative-numba")
    assert fallback("/pkg", {}, lambda path: False) == temp
    assert fallback("/pkg", {}, lambda path: True) is None
    assert fallback("/pkg", {"NUMBA_CACHE_DIR": "/mine"}, lambda path: False) is None

import numpy as np
import pytest

from skgenerative.datasets import (
    clear_data_home,
    fetch_binarized_mnist,
    get_data_home,
    load_binarized_digits,
)
from skgenerative.datasets import _mnist


def test_get_data_home_env_and_argument(tmp_path, monkeypatch):
    monkeypatch.setenv("SKGENERATIVE_DATA", str(tmp_path / "env_home"))
    assert get_data_home() == str(tmp_path / "env_home")
    assert (tmp_path / "env_home").is_dir()
    assert get_data_home(tmp_path / "explicit") == str(tmp_path / "explicit")
    clear_data_home(tmp_path / "explicit")
    assert not (tmp_path / "explicit").exists()


def test_fetch_from_local_npz_matches_file_and_caches(tmp_path, mnist_path):
    test = fetch_binarized_mnist(data_home=tmp_path, subset="test", local_path=mnist_path)
    with np.load(mnist_path) as archive:
        np.testing.assert_array_equal(test.data, archive["test"])
    assert test.data.shape == (10000, 784) and test.data.dtype == np.float64
    assert test.image_shape == (28, 28) and "Larochelle" in test.DESCR
    # now cached: no local copy and no download needed
    cached = fetch_binarized_mnist(data_home=tmp_path, subset="test",
                                   download_if_missing=False, dtype=np.uint8, return_X=True)
    assert cached.dtype == np.uint8
    np.testing.assert_array_equal(cached, test.data)


def test_fetch_all_concatenates_splits(tmp_path, mnist_path):
    X = fetch_binarized_mnist(data_home=tmp_path, subset="all", local_path=mnist_path,
                              dtype=np.float32, return_X=True)
    assert X.shape == (70000, 784) and X.dtype == np.float32


def test_published_checksums_match_local_copy(mnist_path):
    # the SHA-256 of the server's .amat files (as recorded by TensorFlow
    # Datasets) equals that of the local arrays re-serialised to .amat
    with np.load(mnist_path) as archive:
        for subset in ("train", "valid", "test"):
            assert _mnist._verify(archive[subset], subset), subset


def test_download_path_with_local_server(tmp_path, mnist_path, monkeypatch):
    # the real download code, served from a file:// URL (no network): the
    # .amat file is written byte for byte as the server has it
    server = tmp_path / "server"
    server.mkdir()
    with np.load(mnist_path) as archive:
        expected = archive["valid"]
    (server / "binarized_mnist_valid.amat").write_bytes(_mnist._amat_bytes(expected))
    monkeypatch.setattr(_mnist, "_BASE_URL", server.as_uri() + "/")
    X = fetch_binarized_mnist(data_home=tmp_path / "home", subset="valid", return_X=True)
    np.testing.assert_array_equal(X, expected)
    folder = tmp_path / "home" / "binarized_mnist"
    assert sorted(p.name for p in folder.iterdir()) == ["binarized_mnist_valid.npy"]


def test_local_amat_folder(tmp_path, mnist_path):
    with np.load(mnist_path) as archive:
        expected = archive["test"]
    (tmp_path / "binarized_mnist_test.amat").write_bytes(_mnist._amat_bytes(expected))
    X = fetch_binarized_mnist(data_home=tmp_path / "home", subset="test",
                              local_path=tmp_path, return_X=True)
    np.testing.assert_array_equal(X, expected)


def test_corrupt_download_is_rejected_and_not_cached(tmp_path, monkeypatch):
    server = tmp_path / "server"
    server.mkdir()
    rng = np.random.default_rng(0)
    fake = (rng.random((10000, 784)) < 0.1).astype(np.uint8)
    (server / "binarized_mnist_test.amat").write_bytes(_mnist._amat_bytes(fake))
    monkeypatch.setattr(_mnist, "_BASE_URL", server.as_uri() + "/")
    with pytest.raises(OSError, match="SHA-256"):
        fetch_binarized_mnist(data_home=tmp_path / "home", subset="test")
    assert list((tmp_path / "home" / "binarized_mnist").iterdir()) == []


def test_truncated_download_is_rejected(tmp_path, monkeypatch):
    server = tmp_path / "server"
    server.mkdir()
    (server / "binarized_mnist_test.amat").write_bytes(b"0 1 0\n")
    monkeypatch.setattr(_mnist, "_BASE_URL", server.as_uri() + "/")
    with pytest.raises(OSError, match="bytes"):
        fetch_binarized_mnist(data_home=tmp_path / "home", subset="test")


def test_offline_gives_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(_mnist, "_BASE_URL", (tmp_path / "nowhere").as_uri() + "/")
    with pytest.raises(ConnectionError, match="offline"):
        fetch_binarized_mnist(data_home=tmp_path, subset="test")


def test_missing_without_download_raises(tmp_path):
    with pytest.raises(OSError, match="download_if_missing"):
        fetch_binarized_mnist(data_home=tmp_path, subset="test", download_if_missing=False)


def test_local_copy_that_is_not_binarized_mnist_is_rejected(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, test=np.zeros((10000, 784), dtype=np.uint8))
    with pytest.raises(OSError, match="not the standard"):
        fetch_binarized_mnist(data_home=tmp_path / "home", subset="test", local_path=path)


def test_bad_subset():
    with pytest.raises(ValueError, match="subset"):
        fetch_binarized_mnist(subset="validation")


def test_parse_amat_roundtrip_and_errors():
    X = np.array([[0, 1] * 392, [1, 0] * 392], dtype=np.uint8)
    np.testing.assert_array_equal(_mnist._parse_amat(_mnist._amat_bytes(X), 2), X)
    with pytest.raises(OSError, match="binary values"):
        _mnist._parse_amat(b"0 1 1\n", 2)


def test_load_binarized_digits():
    bunch = load_binarized_digits()
    assert bunch.data.shape == (1797, 64) and set(np.unique(bunch.data)) == {0.0, 1.0}
    assert bunch.images.shape == (1797, 8, 8)
    X, y = load_binarized_digits(return_X_y=True, threshold=12, dtype=np.float32)
    assert X.dtype == np.float32 and y.shape == (1797,)
    assert X.mean() < bunch.data.mean()
    # same binarization as the tests' binary_digits fixture (> 7)
    from sklearn.datasets import load_digits

    np.testing.assert_array_equal(bunch.data, (load_digits().data > 7).astype(float))

"""load_jsb_chorales reads the piano-roll archive in the sequence convention."""

import numpy as np
import pytest

from skgenerative.datasets import load_jsb_chorales
from tests.conftest import SHARED_DATA


def _write(path, lengths=(3, 2)):
    rng = np.random.default_rng(0)
    arrays = {}
    for split in ("train", "valid", "test"):
        arrays[f"{split}_rolls"] = (rng.random((sum(lengths), 88)) < 0.05).astype(np.uint8)
        arrays[f"{split}_lengths"] = np.array(lengths)
    np.savez(path, **arrays)
    return arrays


def test_reads_a_file_or_its_folder(tmp_path):
    arrays = _write(tmp_path / "jsb_chorales.npz")
    for where in (tmp_path / "jsb_chorales.npz", tmp_path):
        data = load_jsb_chorales(where, dtype=np.float32)
        np.testing.assert_array_equal(data.test, arrays["test_rolls"])
        assert data.train.dtype == np.float32
        np.testing.assert_array_equal(data.valid_lengths, [3, 2])
    assert load_jsb_chorales(data_home=tmp_path).train.shape == (5, 88)


def test_missing_or_inconsistent_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="jsb_chorales.npz"):
        load_jsb_chorales(tmp_path)
    _write(tmp_path / "bad.npz", lengths=(3, 2))
    arrays = dict(np.load(tmp_path / "bad.npz"))
    arrays["test_lengths"] = np.array([9])
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match="test_lengths sum to 9"):
        load_jsb_chorales(tmp_path / "bad.npz")


def test_shared_copy_has_the_published_splits():
    path = SHARED_DATA / "jsb_chorales.npz"
    if not path.exists():
        pytest.skip("jsb_chorales.npz not available")
    data = load_jsb_chorales(path)
    assert [len(data[f"{s}_lengths"]) for s in ("train", "valid", "test")] == [229, 76, 77]
    assert data.test.shape == (int(data.test_lengths.sum()), 88)
    assert set(np.unique(data.train)) <= {0.0, 1.0}

import importlib.util

import numpy as np

from skgenerative.__main__ import main
from skgenerative.utils.plotting import tile_images


def test_tile_images_places_each_image_scaled():
    images = np.arange(2 * 4, dtype=float).reshape(2, 4)
    grid = tile_images(images, (2, 2), n_cols=2, pad=1)
    assert grid.shape == (4, 7)
    np.testing.assert_allclose(grid[1:3, 1:3], [[0, 1 / 3], [2 / 3, 1]])
    assert grid[0, 0] == 0.5


def test_demo_command_runs_on_bundled_data(tmp_path, capsys):
    assert main(["demo", "--output-dir", str(tmp_path), "--n-iter", "2"]) == 0
    out = capsys.readouterr().out
    assert "exact" in out and "AIS" in out and "accuracy" in out
    assert "ClassRBM()" in out and "LogisticRegression() on raw pixels" in out
    if importlib.util.find_spec("matplotlib") is None:
        assert "matplotlib is not installed" in out
    else:
        assert (tmp_path / "skgenerative_demo.png").exists()

"""The command line, through its entry point ``main``."""

import joblib
import numpy as np
import pytest

from skgenerative import BernoulliRBM
from skgenerative.__main__ import main


@pytest.fixture
def data(tmp_path):
    X = (np.random.default_rng(0).random((30, 6)) < 0.4).astype(np.float64)
    np.save(tmp_path / "X.npy", X)
    return X


def _fit(tmp_path, *params):
    args = ["fit", "BernoulliRBM", str(tmp_path / "X.npy"), "-o", str(tmp_path / "m.joblib")]
    for param in params:
        args += ["--param", param]
    return main(args)


def test_fit_saves_the_model_with_its_parameters(tmp_path, data):
    assert _fit(tmp_path, "n_components=3", "n_iter=2", "random_state=0") == 0
    model = joblib.load(tmp_path / "m.joblib")
    assert isinstance(model, BernoulliRBM) and model.n_components == 3
    expected = BernoulliRBM(n_components=3, n_iter=2, random_state=0).fit(data)
    np.testing.assert_array_equal(model.components_, expected.components_)


def test_score_prints_the_mean_and_saves_per_sample_scores(tmp_path, data, capsys):
    _fit(tmp_path, "n_components=3", "n_iter=2", "random_state=0")
    out = tmp_path / "scores.npy"
    assert main(["score", str(tmp_path / "m.joblib"), str(tmp_path / "X.npy"), "-o", str(out)]) == 0
    model = joblib.load(tmp_path / "m.joblib")
    np.testing.assert_allclose(np.load(out), model.score_samples(data))
    assert f"{model.score_samples(data).mean():.4f} (exact)" in capsys.readouterr().out


def test_sample_writes_n_samples(tmp_path, data):
    _fit(tmp_path, "n_components=3", "n_iter=2", "random_state=0")
    out = tmp_path / "s.npy"
    args = ["sample", str(tmp_path / "m.joblib"), "-n", "7", "-o", str(out), "--random-state", "1"]
    assert main(args) == 0
    samples = np.load(out)
    assert samples.shape == (7, 6) and set(np.unique(samples)) <= {0.0, 1.0}
    main(args[:-2] + ["--random-state", "1"])
    np.testing.assert_array_equal(np.load(out), samples)


@pytest.mark.parametrize("fmt", ["npz", "npz-named", "csv", "csv-header"])
def test_data_formats_give_the_same_array(tmp_path, data, fmt):
    path = tmp_path / f"X.{fmt.split('-')[0]}"
    if fmt == "npz":
        np.savez(path, data)
    elif fmt == "npz-named":
        np.savez(path, X=data, y=np.arange(len(data)))
    else:
        header = "a,b,c,d,e,f" if fmt == "csv-header" else ""
        np.savetxt(path, data, delimiter=",", header=header, comments="")
    model_file = str(tmp_path / "m.joblib")
    assert main(["fit", "FVSBN", str(path), "--param", "max_iter=2", "--param",
                 "random_state=0", "-o", model_file]) == 0
    from skgenerative import FVSBN

    expected = FVSBN(max_iter=2, random_state=0).fit(data)
    np.testing.assert_array_equal(joblib.load(model_file).score_samples(data),
                                  expected.score_samples(data))


@pytest.mark.parametrize("args, message", [
    (["fit", "NoSuchModel", "{X}", "-o", "{m}"], "unknown model 'NoSuchModel' (classifiers"),
    (["fit", "BernoulliRBM", "{X}", "--param", "n_hidden=3", "-o", "{m}"],
     "has no parameter 'n_hidden'"),
    (["fit", "BernoulliRBM", "{X}", "--param", "n_components", "-o", "{m}"],
     "expects name=value"),
    (["fit", "BernoulliRBM", "{X}", "--param", "n_components=-1", "-o", "{m}"],
     "bad parameter"),
    (["fit", "BernoulliRBM", "{X}", "--param", "learning_rate=fast", "-o", "{m}"],
     "bad parameter"),
    (["fit", "DBNClassifier", "{X}", "-o", "{m}"], "unknown model 'DBNClassifier'"),
    (["fit", "BernoulliRBM", "{missing}", "-o", "{m}"], "no such data file"),
    (["fit", "BernoulliRBM", "{txt}", "-o", "{m}"], "unknown data format '.txt'"),
    (["fit", "BernoulliRBM", "{bad_csv}", "-o", "{m}"], "cannot read"),
    (["fit", "BernoulliRBM", "{cube}", "-o", "{m}"], "expected a 2-D array"),
    (["fit", "BernoulliRBM", "{npz2}", "-o", "{m}"], "holds several arrays"),
    (["score", "{missing}", "{X}"], "no such model file"),
    (["score", "{X}", "{X}"], "cannot load a model"),
    (["score", "{m}", "{narrow}"], "has 3 features; the model was fitted on 6"),
    (["sample", "{m}", "-n", "0", "-o", "{out}"], "-n must be at least 1"),
])
def test_user_errors_exit_2_with_a_clear_message(tmp_path, data, capsys, args, message):
    _fit(tmp_path, "n_components=3", "n_iter=1")
    files = {
        "X": tmp_path / "X.npy", "m": tmp_path / "m.joblib", "missing": tmp_path / "nope.npy",
        "txt": tmp_path / "X.txt", "bad_csv": tmp_path / "bad.csv", "cube": tmp_path / "c.npy",
        "npz2": tmp_path / "two.npz", "narrow": tmp_path / "narrow.npy", "out": tmp_path / "o.npy",
    }
    files["txt"].write_text("0,1\n")
    files["bad_csv"].write_text("a,b\nc,d\n")
    np.save(files["cube"], np.zeros((2, 2, 2)))
    np.savez(files["npz2"], first=data, second=data)
    np.save(files["narrow"], data[:, :3])
    capsys.readouterr()
    argv = [a.format(**{k: str(v) for k, v in files.items()}) for a in args]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith(f"skgenerative {args[0]}: error:")


@pytest.mark.parametrize("command", [[], ["fit"], ["score"], ["sample"], ["demo"]])
def test_help_everywhere(capsys, command):
    with pytest.raises(SystemExit) as exit_:
        main(command + ["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "usage: skgenerative" in out
    if command == ["fit"]:
        assert "models: BernoulliRBM" in out.replace("\n", " ")


def test_missing_arguments_are_usage_errors(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["fit", "BernoulliRBM"])
    assert exit_.value.code == 2
    assert "required" in capsys.readouterr().err

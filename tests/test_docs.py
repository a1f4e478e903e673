"""The documentation: API page complete, docstrings docutils-clean, build warning-free."""

import importlib
import inspect
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import skgenerative

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "doc"

#: Modules whose ``__all__`` is public API, documented in doc/api.rst.
API_MODULES = [
    "skgenerative",
    "skgenerative.evaluation",
    "skgenerative.plotting",
    "skgenerative.datasets",
    "skgenerative.exceptions",
    "skgenerative.utils.chunks",
]


def _public(module_name):
    module = importlib.import_module(module_name)
    return [(name, getattr(module, name)) for name in module.__all__]


def test_api_page_lists_every_public_name():
    listed = set(re.findall(r"^   (\w+)$", (DOC / "api.rst").read_text(), re.M))
    missing = [
        f"{module}.{name}"
        for module in API_MODULES
        for name, _ in _public(module)
        if name not in listed
    ]
    assert not missing, f"add to doc/api.rst: {missing}"


def test_scores_page_names_every_scored_model():
    # doc/scores.rst says what score/score_samples means for each model
    text = (DOC / "scores.rst").read_text()
    missing = [
        name for name, cls in skgenerative.all_estimators()
        if hasattr(cls, "score") and f"``{name}``" not in text
    ]
    assert not missing, f"say in doc/scores.rst what their scores are: {missing}"


def _docstrings():
    for module in API_MODULES:
        for name, obj in _public(module):
            if inspect.isclass(obj) or inspect.isfunction(obj):
                yield f"{module}.{name}", inspect.getdoc(obj) or ""
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if inspect.isfunction(member) and not attr.startswith("_"):
                        yield f"{module}.{name}.{attr}", inspect.getdoc(member) or ""


#: A name ending in ``_`` followed by a space or punctuation, outside
#: backticks, is a hyperlink reference to docutils ("Unknown target name").
_BARE_TARGET = re.compile(r"(?<![`\w])([A-Za-z]\w*_)(?=[\s,)+\]]|$)")


def test_shapes_quote_fitted_attribute_names():
    # numpydoc renders ``X : ndarray of shape (n_samples, n_features_in_)``
    # as reST: the bare ``n_features_in_`` breaks the build under -W.
    bad = []
    for where, doc in _docstrings():
        for line in doc.splitlines():
            if "of shape (" in line and _BARE_TARGET.search(line.split("of shape", 1)[1]):
                bad.append(f"{where}: {line.strip()}")
    assert not bad, "write `name_` in shapes:\n" + "\n".join(bad)


def _python_blocks(path):
    """The ``.. code-block:: python`` blocks of a reST page, dedented."""
    blocks, lines, i = [], path.read_text().splitlines(), 0
    while i < len(lines):
        if lines[i].strip() != ".. code-block:: python":
            i += 1
            continue
        indent = len(lines[i]) - len(lines[i].lstrip())
        block, i = [], i + 1
        while i < len(lines) and (not lines[i].strip()
                                  or len(lines[i]) - len(lines[i].lstrip()) > indent):
            block.append(lines[i])
            i += 1
        blocks.append(textwrap.dedent("\n".join(block)))
    return blocks


GUIDE_PAGES = sorted((DOC / "user_guide").glob("*.rst"))


@pytest.mark.parametrize("page", GUIDE_PAGES, ids=[p.stem for p in GUIDE_PAGES])
def test_user_guide_code_runs(page):
    # Each page's blocks run in order in one namespace, as a reader would.
    namespace = {"__name__": f"user_guide_{page.stem}"}
    for block in _python_blocks(page):
        exec(compile(block, str(page), "exec"), namespace)


def test_user_guide_has_a_page_per_family():
    index = (DOC / "user_guide" / "index.rst").read_text()
    for page in GUIDE_PAGES:
        if page.stem != "index":
            assert f"   {page.stem}\n" in index
            assert page.stem == "applications" or _python_blocks(page), page


@pytest.mark.slow
def test_sphinx_build_has_no_warnings(tmp_path):
    # The whole site, gallery executed, as the README's command builds it.
    pytest.importorskip("sphinx")
    pytest.importorskip("numpydoc")
    pytest.importorskip("sphinx_gallery")
    pytest.importorskip("matplotlib")
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    # run_stale_examples: execute the gallery even where sphinx-gallery's
    # cache in doc/auto_examples says an example is unchanged
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-D", "sphinx_gallery_conf.run_stale_examples=1",
         "-d", str(tmp_path / "doctrees"), str(DOC), str(tmp_path / "html")],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    html = tmp_path / "html"
    assert (html / "index.html").exists()
    for page in GUIDE_PAGES:
        assert (html / "user_guide" / f"{page.stem}.html").exists()
    for example in sorted((ROOT / "examples").glob("plot_*.py")):
        # executed: its figure was captured and its page shows the output
        assert list((html / "_images").glob(f"sphx_glr_{example.stem}_*.png")), example
        assert "sphx-glr-script-out" in (html / "auto_examples" / f"{example.stem}.html").read_text()

"""Sphinx configuration: numpydoc API pages and a sphinx-gallery of examples/.

Build: ``pip install -e ".[doc]" && sphinx-build -W --keep-going -b html doc doc/_build/html``
(``-W``: any warning fails the build; tests/test_docs.py runs it with --runslow).
"""

from docutils import nodes

project = "skgenerative"
author = "skgenerative developers"
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
autosummary_generate = True
templates_path = ["_templates"]
numpydoc_show_class_members = False
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
}
exclude_patterns = ["_build"]
try:  # the doc extra installs it; the built-in theme otherwise
    import pydata_sphinx_theme  # noqa: F401

    html_theme = "pydata_sphinx_theme"
except ImportError:
    html_theme = "alabaster"


#: Labels of scikit-learn's user guide that its docstrings reference and that
#: our classes inherit (``ClassifierMixin.score``: ``:ref:`accuracy
#: <accuracy_score>```). They link to scikit-learn's site rather than through
#: intersphinx, so that the build needs no network; any other unresolved
#: label still fails a ``-W`` build.
SKLEARN_LABELS = {
    "accuracy_score": "modules/model_evaluation.html#accuracy-score",
    "r2_score": "modules/model_evaluation.html#r2-score",
}


def _sklearn_label(app, env, node, contnode):
    target = node.get("reftarget")
    if node.get("reftype") != "ref" or target not in SKLEARN_LABELS:
        return None
    uri = "https://scikit-learn.org/stable/" + SKLEARN_LABELS[target]
    ref = nodes.reference("", "", internal=False, refuri=uri)
    ref += contnode
    return ref


def setup(app):
    app.connect("missing-reference", _sklearn_label)

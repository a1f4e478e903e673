"""Sphinx configuration: numpydoc API pages and a sphinx-gallery of examples/.

Build: ``pip install -e ".[doc]" && sphinx-build -b html doc doc/_build/html``.
"""

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

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
html_theme = "alabaster"

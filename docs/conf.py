"""Sphinx configuration for the superdyn documentation (built with -W: warnings are errors)."""

from importlib import metadata

project = "superdyn"
author = "the superdyn authors"
release = metadata.version("superdyn")
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "sphinxarg.ext",
    # MathJax bundled into _static/mathjax: equations typeset without a network
    "sphinx-mathjax-offline",
]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", "results/report.md"]

napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_ivar = True  # dataclass attributes as fields, not duplicate targets
napoleon_use_rtype = False
autodoc_member_order = "bysource"
autodoc_typehints = "none"
autodoc_default_options = {"members": True, "show-inheritance": False}
suppress_warnings = ["myst.header"]
nitpicky = False

html_theme = "alabaster"
html_title = f"superdyn {release}"
html_static_path = []

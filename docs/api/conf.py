"""Sphinx configuration of rnnc's API reference: built from the docstrings.

sphinx-build -W -b html docs/api build/api      (as .ci/run does)
"""

import rnnc

project = "rnnc"
release = rnnc.__version__
version = release
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon"]
# numpydoc sections (Parameters, Returns, Raises), read by napoleon
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
# Attributes sections as fields, not entries of their own (dataclass fields have those)
napoleon_use_ivar = True
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "undoc-members": False}
html_theme = "alabaster"
exclude_patterns = []
# scikit-learn's own docstrings (the estimator's inherited request methods) link
# into scikit-learn's documentation, which this build does not have
suppress_warnings = ["ref.term", "ref.ref"]

"""Imported first by rnnc/__init__.py: a checkout whose compiled kernels were never
built says so and how to build them, instead of failing in rnnc.core with a puzzling
"cannot import name '_forward' ... (most likely due to a circular import)"."""

import importlib
import os

for _name in ("rnnc._batch", "rnnc._forward", "rnnc._numpy_loops", "rnnc._sgd"):
    try:
        importlib.import_module(_name)
    except ModuleNotFoundError as exc:
        if exc.name != _name:  # something the kernel itself imports: not ours to explain
            raise
        _here = os.path.dirname(os.path.abspath(__file__))
        raise ImportError(
            f"rnnc's compiled kernels are not built ({_name} is missing from {_here}, "
            "which looks like a source checkout). Either install rnnc from the checkout's "
            "top directory with `pip install .`, or build the kernels in place there with "
            "`pip install setuptools cython numpy` and then "
            "`python setup.py build_ext --inplace`. If rnnc is installed already, "
            "Python was started in the checkout's top directory, where this unbuilt "
            "rnnc/ hides the installed one: start it from another directory.",
            name=_name,
        ) from None

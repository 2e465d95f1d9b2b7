"""Array kernels behind one seam: gathers through lookup tables, presence, group codes,
aggregation and distinct counting. Callers use the functions of the modules here and never
numba or a GPU library directly, so that a backend can be replaced without touching them.

``BACKEND`` is ``"numba"`` when numba can be imported and ``ASSOCIA_KERNELS`` is not
``numpy``; else ``"numpy"`` (pure numpy, always available, and run by the tests as well).
The compiled kernels release the GIL (``nogil``) and are cached on disk (``cache``).
"""

from __future__ import annotations

import importlib.util
import os


def _backend() -> str:
    wanted = os.environ.get("ASSOCIA_KERNELS", "").strip().lower()
    if wanted == "numpy":
        return "numpy"
    if importlib.util.find_spec("numba") is None:
        return "numpy"
    return "numba"


BACKEND = _backend()

__all__ = ["BACKEND"]

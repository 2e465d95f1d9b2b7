"""The backend switch: ASSOCIA_KERNELS=numpy keeps numba out, whatever is installed."""

from __future__ import annotations

import os
import subprocess
import sys

from associa import kernels


def test_numpy_backend_when_asked() -> None:
    code = ("import sys, associa.kernels.group as g, associa.kernels as k; "
            "print(k.BACKEND, type(g._impl).__name__ if not isinstance(g._impl, type) "
            "else g._impl.__name__, 'numba' in sys.modules)")
    env = {**os.environ, "ASSOCIA_KERNELS": "numpy"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["numpy", "NumpyKernels", "False"]


def test_backend_is_one_of_two() -> None:
    assert kernels.BACKEND in ("numpy", "numba")

"""The backend switch: ASSOCIA_KERNELS=numpy, ``set_backend`` and ``using`` pick the
kernels every module calls."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from associa import kernels
from associa.kernels import group
from associa.kernels.codes import Codes


def test_numpy_backend_when_asked() -> None:
    code = "import associa.kernels as k; print(k.backend(), k.compiled())"
    env = {**os.environ, "ASSOCIA_KERNELS": "numpy"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["numpy", "False"]


def test_using_switches_and_comes_back() -> None:
    before = kernels.backend()
    codes = Codes(np.array([2, 0, 1], dtype=np.uint8), None, np.array([5.0, 6.0, 7.0, 8.0]), 3)
    for name in kernels.available():
        with kernels.using(name):
            assert kernels.backend() == name
            assert kernels.compiled() == (name == "numba")
            assert group.gather(codes).tolist() == [7.0, 5.0, 6.0]
        assert kernels.backend() == before
    with pytest.raises(ValueError, match="not available"):
        kernels.set_backend("cupy")


def test_warm_compiles_every_registered_loop() -> None:
    kernels.warm()  # the warmers run once without error (numba present or not)
    assert kernels.backend() in kernels.available()

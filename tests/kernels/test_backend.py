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


@pytest.mark.parametrize(("value", "want"), [(None, "False"), ("0", "False"), ("1", "True")])
def test_huge_pages_are_off_unless_asked(value: str | None, want: str) -> None:
    """Importing the kernels turns numpy's huge-page advice off (ASSOCIA_HUGE_PAGES=1
    keeps it), whatever numpy's own default."""
    code = ("import numpy._core.multiarray as m; m._set_madvise_hugepage(True); "
            "import associa.kernels as k; print(k.huge_pages(), m._get_madvise_hugepage())")
    env = {k: v for k, v in os.environ.items() if k != kernels.HUGE_PAGES_ENV}
    if value is not None:
        env[kernels.HUGE_PAGES_ENV] = value
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == [want, want]

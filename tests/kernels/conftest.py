"""Every kernel test runs under each backend this process has (numba and numpy), and the
splitting of long scans over threads is exercised on small arrays."""

from __future__ import annotations

import pytest

from associa import kernels
from associa.kernels import pool


@pytest.fixture(params=kernels.available())
def backend(request):
    with kernels.using(request.param):
        yield request.param


@pytest.fixture(params=[False, True], ids=["one-part", "split"])
def split(request, monkeypatch):
    if request.param:
        monkeypatch.setattr(pool, "SPLIT_MIN", 1)
        monkeypatch.setattr(pool, "WORKERS", 3)
    return request.param

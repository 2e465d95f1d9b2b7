"""The select tests run under each kernel backend this process has (numba and numpy):
both must give the same answers (``associa.kernels``)."""

from __future__ import annotations

import pytest

from associa import kernels


@pytest.fixture(scope="module", params=kernels.available(), autouse=True)
def backend(request):
    with kernels.using(request.param):
        yield request.param

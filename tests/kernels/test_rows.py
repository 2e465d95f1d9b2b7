"""Row-set conversions and the backend switch."""

from __future__ import annotations

import numpy as np
import pytest

from associa import kernels
from associa.kernels import pool
from associa.kernels import rows as krows


@pytest.mark.parametrize("density", [0.0, 0.01, 0.5, 1.0])
def test_nonzero_count_to_mask(backend, split, density):
    mask = np.random.default_rng(0).random(30_000) < density
    idx = krows.nonzero(mask)
    assert idx.dtype == np.intp and np.array_equal(idx, np.flatnonzero(mask))
    assert krows.count(mask) == int(mask.sum())
    assert np.array_equal(krows.to_mask(idx, len(mask)), mask)


def test_ranges_cover_the_rows(monkeypatch):
    monkeypatch.setattr(pool, "SPLIT_MIN", 10)
    spans = pool.ranges(100_001, 3)
    assert spans[0][0] == 0 and spans[-1][1] == 100_001
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert pool.ranges(9, 3) == [(0, 9)]
    assert pool.run(lambda lo, hi: hi - lo, 100_001, 3) == [hi - lo for lo, hi in spans]


def test_backend_switch():
    before = kernels.backend()
    assert before in kernels.available()
    with kernels.using("numpy"):
        assert kernels.backend() == "numpy" and not kernels.compiled()
    assert kernels.backend() == before
    with pytest.raises(ValueError):
        kernels.set_backend("cuda")


def test_environment_chooses_numpy():
    import subprocess
    import sys

    code = "from associa import kernels; print(kernels.backend())"
    env = {"ASSOCIA_KERNELS": "numpy", "PATH": ""}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "numpy"


def test_numba_is_used_when_available():
    if "numba" not in kernels.available():
        pytest.skip("numba does not import here")
    import subprocess
    import sys

    code = "from associa import kernels; kernels.warm(); print(kernels.backend())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"PATH": ""})
    assert out.stdout.strip() == "numba"

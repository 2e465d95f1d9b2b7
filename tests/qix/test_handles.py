"""Handle numbering: from 1 upwards, never 0, one handle per object."""

from __future__ import annotations

import threading

from associa.qix.handles import GLOBAL, HandleTable


def test_global_is_minus_one() -> None:
    assert GLOBAL == -1


def test_handles_count_from_one() -> None:
    table = HandleTable()
    handles = [table.acquire("GenericObject", ("obj", str(i)), i).handle for i in range(5)]
    assert handles == [1, 2, 3, 4, 5]
    assert 0 not in handles


def test_same_key_same_handle_and_target_is_updated() -> None:
    table = HandleTable()
    first = table.acquire("Doc", ("doc", "a"), "old")
    again = table.acquire("Doc", ("doc", "a"), "new")
    assert again is first and again.handle == 1 and again.target == "new"
    assert table.find(("doc", "a")) == 1
    assert table.get(1) is first


def test_release_frees_the_key_not_the_number() -> None:
    table = HandleTable()
    entry = table.acquire("GenericObject", ("obj", "x"), None)
    assert table.release(entry.handle) is entry
    assert table.get(entry.handle) is None and table.find(("obj", "x")) is None
    assert table.release(entry.handle) is None
    # a released number is not handed out again
    assert table.acquire("GenericObject", ("obj", "x"), None).handle == 2


def test_entries_and_clear() -> None:
    table = HandleTable()
    for i in range(3):
        table.acquire("Field", ("field", str(i), "$"), None)
    assert sorted(e.handle for e in table.entries()) == [1, 2, 3]
    assert sorted(table.clear()) == [1, 2, 3]
    assert list(table.entries()) == []
    assert table.get(1) is None


def test_concurrent_acquire_of_one_key_gives_one_handle() -> None:
    table = HandleTable()
    seen: list[int] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        for i in range(50):
            seen.append(table.acquire("GenericObject", ("obj", str(i % 5)), None).handle)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(set(seen)) == [1, 2, 3, 4, 5]

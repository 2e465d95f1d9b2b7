"""store/media.py: an app's images stay inside its folder; limits; copies and removal."""

from __future__ import annotations

from pathlib import Path

import pytest

from associa.store import media
from associa.store.media import MediaPathInvalid, MediaStore, MediaTooLarge


@pytest.mark.parametrize("path", ["../x.png", "a/../../x.png", "/etc/x.png", "a//b.png",
                                  "./x.png", "a\\b.png", "c:x.png", "x.txt", "", "dir/",
                                  "a\x00.png", "n" * 256 + ".png"])
def test_paths_outside_or_not_images_are_refused(tmp_path: Path, path: str) -> None:
    store = MediaStore(tmp_path)
    with pytest.raises(MediaPathInvalid):
        store.write("app", path, b"x")
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.*"))


def test_write_read_list_delete_copy_remove(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    store = MediaStore(tmp_path)
    store.write("app", "a/b/logo.PNG", b"1234")
    assert store.read("app", "a/b/logo.PNG") == b"1234"
    assert store.read("other", "a/b/logo.PNG") is None
    assert [e.path for e in store.list("app", recursive=True) or []] == [
        "a", "a/b", "a/b/logo.PNG"]
    assert store.list("app", "nope") is None and store.list("other") == []
    monkeypatch.setattr(media, "APP_LIMIT", 6)
    with pytest.raises(MediaTooLarge):
        store.write("app", "c.png", b"xyz")
    store.copy_app("app", "copy")
    assert store.delete("app", "a/b/logo.PNG") and not store.folder("app").joinpath("a").exists()
    assert store.read("copy", "a/b/logo.PNG") == b"1234"
    store.remove_app("copy")
    assert not store.folder("copy").exists()

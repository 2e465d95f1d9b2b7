"""Cursors: opaque, tied to the query's filters and sort (not its limit)."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from associa.rest.errors import BadRequest
from associa.rest.paging import decode_cursor, encode_cursor, paginate


def request(query: str) -> Request:
    return Request({"type": "http", "method": "GET", "scheme": "http",
                    "server": ("example.org", 8080), "path": "/api/v1/items",
                    "query_string": query.encode(), "headers": []})


def test_pages_and_links() -> None:
    entries = list(range(7))
    page, links = paginate(request("limit=3&sort=%2Bname"), entries, 3, None, None)
    assert page == [0, 1, 2] and links.prev is None
    assert links.self.href == "http://example.org:8080/api/v1/items?limit=3&sort=%2Bname"
    assert links.next is not None
    nxt = links.next.href.split("next=")[1]
    page, links = paginate(request(f"limit=3&sort=%2Bname&next={nxt}"), entries, 3, nxt, None)
    assert page == [3, 4, 5] and links.prev is not None and links.next is not None
    prev = links.prev.href.split("prev=")[1]
    assert "next=" not in links.prev.href
    page, _ = paginate(request(f"limit=3&sort=%2Bname&prev={prev}"), entries, 3, None, prev)
    assert page == [0, 1, 2]


def test_bad_cursors() -> None:
    good = encode_cursor(3, "abc")
    assert decode_cursor(good, "abc", "next") == 3
    for text, digest in ((good, "other"), ("", "abc"), ("@@@", "abc"),
                         (encode_cursor(-1, "abc"), "abc")):
        with pytest.raises(BadRequest):
            decode_cursor(text, digest, "next")
    with pytest.raises(BadRequest):
        paginate(request("next=a&prev=b"), [1], 10, "a", "b")

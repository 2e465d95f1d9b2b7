"""Replays the golden transcripts in ``tests/golden/qix/*.jsonl`` in process.

Each line is one JSON object:

* ``{"connect": "/app/<id>/identity/<x>/ttl/<n>"}`` (optional): the URL the session is
  made for (default ``/app/engineData``); a later ``connect`` closes the socket and
  connects again (with a TTL or an identity: the same session);
* ``{"send": {...}}``: a request frame, sent as is (after filling in bound names); a
  string is sent as the raw text of the frame (for malformed JSON);
* ``{"expect": {...}}``: the next frame received (OnConnected first, then the replies in
  order) must match;
* ``{"comment": "..."}``: ignored.

In expected frames a string may hold placeholders: ``"<any>"`` (any value),
``"<string>"``, ``"<number>"``, ``"<bool>"``, and inside a string ``<guid>``,
``<timestamp>`` (ISO 8601) and ``<$name>``, which binds a generated value on first use
and must then be equal everywhere (in sent frames ``<$name>`` is replaced by the bound
value). A dict with a ``"..."`` key may have more keys than those listed; otherwise
dicts and lists must match exactly. Every received frame must be expected.
"""

from __future__ import annotations

import json
import re
from collections import deque
from pathlib import Path
from typing import Any

import pytest

from associa.qix.sessions import SessionManager
from associa.server.urls import parse_path
from tests.conftest import Client

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "qix"
FILES = sorted(GOLDEN.glob("*.jsonl"))

TOKEN = re.compile(r"<([^<>]+)>")
PATTERNS = {
    "any": r".*",
    "guid": r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    "timestamp": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?",
    "number": r"-?\d+(\.\d+)?",
}


class Mismatch(AssertionError):
    pass


class Replay:
    def __init__(self) -> None:
        self.bound: dict[str, Any] = {}

    # -- sent frames -------------------------------------------------------------------

    def fill(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self.fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        if isinstance(value, str):
            whole = re.fullmatch(r"<\$(\w+)>", value)
            if whole:
                return self.bound[whole.group(1)]
            return TOKEN.sub(lambda m: str(self.bound[m.group(1)[1:]])
                             if m.group(1).startswith("$") else m.group(0), value)
        return value

    # -- received frames ---------------------------------------------------------------

    def match(self, expected: Any, actual: Any, where: str = "") -> None:
        if isinstance(expected, str) and TOKEN.search(expected):
            self._match_text(expected, actual, where)
        elif isinstance(expected, dict):
            if not isinstance(actual, dict):
                raise Mismatch(f"{where or '/'}: expected an object, got {actual!r}")
            keys = [k for k in expected if k != "..."]
            missing = [k for k in keys if k not in actual]
            extra = [k for k in actual if k not in expected] if "..." not in expected else []
            if missing or extra:
                raise Mismatch(f"{where or '/'}: missing {missing}, unexpected {extra}")
            for k in keys:
                self.match(expected[k], actual[k], f"{where}/{k}")
        elif isinstance(expected, list):
            if not isinstance(actual, list) or len(actual) != len(expected):
                raise Mismatch(f"{where}: expected {len(expected)} items, got {actual!r}")
            for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
                self.match(e, a, f"{where}/{i}")
        elif not _same_scalar(expected, actual):
            raise Mismatch(f"{where}: expected {expected!r}, got {actual!r}")

    def _match_text(self, expected: str, actual: Any, where: str) -> None:
        whole = TOKEN.fullmatch(expected)
        if whole:
            name = whole.group(1)
            kinds = {
                "any": True,
                "string": isinstance(actual, str),
                "number": isinstance(actual, int | float) and not isinstance(actual, bool),
                "bool": isinstance(actual, bool),
            }
            if name in kinds:
                if not kinds[name]:
                    raise Mismatch(f"{where}: expected <{name}>, got {actual!r}")
                return
            if name.startswith("$"):
                key = name[1:]
                if key not in self.bound:
                    self.bound[key] = actual
                    return
                if self.bound[key] != actual:
                    raise Mismatch(f"{where}: <{name}> was {self.bound[key]!r}, got {actual!r}")
                return
        if not isinstance(actual, str):
            raise Mismatch(f"{where}: expected text like {expected!r}, got {actual!r}")
        regex, names = "", []
        pos = 0
        for m in TOKEN.finditer(expected):
            regex += re.escape(expected[pos:m.start()])
            name = m.group(1)
            if name.startswith("$") and name[1:] in self.bound:
                regex += re.escape(str(self.bound[name[1:]]))
            elif name.startswith("$"):
                regex += f"(?P<{name[1:]}>.+?)"
                names.append(name[1:])
            elif name in PATTERNS:
                regex += PATTERNS[name]
            else:
                regex += re.escape(m.group(0))
            pos = m.end()
        regex += re.escape(expected[pos:])
        found = re.fullmatch(regex, actual, re.DOTALL)
        if not found:
            raise Mismatch(f"{where}: {actual!r} does not match {expected!r}")
        for name in names:
            self.bound[name] = found.group(name)


def _same_scalar(expected: Any, actual: Any) -> bool:
    if expected != actual:
        return False
    if type(expected) is type(actual):
        return True
    numbers = (int, float)
    return (isinstance(expected, numbers) and isinstance(actual, numbers)
            and not isinstance(expected, bool) and not isinstance(actual, bool))


def run_transcript(sessions: SessionManager, path: Path) -> None:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    replay = Replay()
    client: Client | None = None
    received: deque[dict[str, Any]] = deque()

    def connect(url: str) -> Client:
        parsed = parse_path(url)
        # as the server does without an X-Qlik-Session header
        key = None
        if parsed.identity or (parsed.ttl or 0) > 0:
            key = f"url:{parsed.app_id or ''}/{parsed.identity or ''}"
        c = Client(sessions, key, parsed.app_id, parsed.ttl)
        received.append(c.hello)
        return c

    def disconnect(c: Client) -> None:
        assert not received, f"{path.name}: frames nobody expected: {list(received)}"
        assert c.pushed == [], c.pushed
        c.close()

    for number, line in enumerate(lines, 1):
        (kind,) = line.keys()
        where = f"{path.name}:{number}"
        if kind == "comment":
            continue
        if kind == "connect":
            if client is not None:  # a reconnect: the previous socket closes first
                disconnect(client)
            client = connect(line["connect"])
        elif kind == "send":
            client = client or connect("/app/engineData")
            frame = line["send"]
            text = frame if isinstance(frame, str) else json.dumps(replay.fill(frame))
            received.append(client.send_text(text))
        elif kind == "expect":
            client = client or connect("/app/engineData")
            assert received, f"{where}: nothing was received"
            try:
                replay.match(line["expect"], received.popleft())
            except Mismatch as exc:
                raise Mismatch(f"{where}: {exc}") from None
        else:
            raise AssertionError(f"{where}: unknown line kind {kind!r}")
    assert client is not None, f"{path.name}: nothing was sent"
    disconnect(client)


def test_there_are_transcripts() -> None:
    assert len(FILES) >= 4


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_transcript(sessions: SessionManager, path: Path) -> None:
    run_transcript(sessions, path)


# -- the matcher itself ----------------------------------------------------------------


def test_matcher_placeholders() -> None:
    r = Replay()
    r.match({"a": "<any>", "b": "<string>", "c": "<number>", "d": "<bool>"},
            {"a": [1], "b": "x", "c": 1.5, "d": False})
    r.match({"id": "SessionApp_<$app>"}, {"id": "SessionApp_123"})
    assert r.bound == {"app": "123"}
    r.match("<$app>-x", "123-x")
    with pytest.raises(Mismatch):
        r.match("SessionApp_<$app>", "SessionApp_456")
    r.match({"q": "<$whole>"}, {"q": {"deep": 1}})
    with pytest.raises(Mismatch):
        r.match({"q": "<$whole>"}, {"q": {"deep": 2}})
    r.match("<guid>", "fc9e7114-b3f3-4e75-9157-184f36f94995")
    r.match("<timestamp>", "2024-01-02T03:04:05.678Z")
    assert r.fill({"p": ["<$app>", "x<$app>"]}) == {"p": ["123", "x123"]}


def test_matcher_is_strict() -> None:
    r = Replay()
    with pytest.raises(Mismatch):
        r.match({"a": 1}, {"a": 1, "b": 2})
    r.match({"a": 1, "...": True}, {"a": 1, "b": 2})
    with pytest.raises(Mismatch):
        r.match({"a": 1}, {})
    with pytest.raises(Mismatch):
        r.match([1, 2], [1])
    with pytest.raises(Mismatch):
        r.match(True, 1)
    with pytest.raises(Mismatch):
        r.match("<number>", "1")
    r.match(1, 1.0)


def test_a_wrong_expectation_fails(sessions: SessionManager, tmp_path: Path) -> None:
    text = (GOLDEN / "bad_input.jsonl").read_text(encoding="utf-8")
    assert '"code": 1003' in text
    path = tmp_path / "wrong.jsonl"
    path.write_text(text.replace('"code": 1003', '"code": 1004'), encoding="utf-8")
    with pytest.raises(Mismatch, match="wrong.jsonl"):
        run_transcript(sessions, path)


def test_an_unexpected_frame_fails(sessions: SessionManager, tmp_path: Path) -> None:
    path = tmp_path / "extra.jsonl"
    path.write_text('{"send": {"jsonrpc": "2.0", "id": 1, "handle": -1, "method": "QvVersion"}}\n',
                    encoding="utf-8")
    with pytest.raises(AssertionError, match="nobody expected"):
        run_transcript(sessions, path)

"""``associa reload`` on a terminal: rich's progress bar (cleared and redrawn) under the
log's lines and the rows-loaded lines, all readable on the terminal."""

from __future__ import annotations

import os
import pty
import re
import subprocess
from pathlib import Path

from associa.engine import Engine
from associa.settings import Settings
from tests.commands import COMMAND, env_without_settings


def test_reload_on_a_terminal_shows_a_progress_bar(tmp_path: Path) -> None:
    data = tmp_path / "data"
    engine = Engine(Settings(data_dir=data))
    app = engine.create_app("a", "T: LOAD RecNo() as X AUTOGENERATE 5;\n"
                                 "U: LOAD RecNo() as Y AUTOGENERATE 3;")
    engine.save_app(app)
    main, side = pty.openpty()
    proc = subprocess.Popen([*COMMAND, "reload", "a", "--data-dir", str(data)],
                            stdout=side, stderr=side, env=env_without_settings(TERM="xterm"))
    os.close(side)
    out = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        out += chunk
    os.close(main)
    assert proc.wait(60) == 0
    text = out.decode("utf-8", "replace")
    assert "\x1b[2K" in text  # the bar's line cleared before each line above it
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).replace("\r", "\n")
    lines = [line.strip() for line in plain.splitlines() if line.strip()]
    for line in ["T << AUTOGENERATE 5 Lines fetched", "T: 5 rows loaded",
                 "U << AUTOGENERATE 3 Lines fetched", "U: 3 rows loaded"]:
        assert line in lines, lines
    assert any(re.fullmatch(r"reloaded 'a' in \S+ s: 2 tables, 8 rows; saved in .*", line)
               for line in lines), lines

"""Rich display in Jupyter and opening apps in process (``associa.open_app``)."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import associa
from associa.client import Doc, EngineError, open_app
from associa.engine import Engine
from associa.settings import Settings
from tests.client.conftest import SCRIPT, cube


def test_hypercube_as_html(app: Doc) -> None:
    chart = app.create_session_object(cube("Region", measures=("Sum(Amount)",)))
    html = chart._repr_html_()
    assert "<th>Region</th><th>Sum(Amount)</th>" in html
    assert "<td>North</td><td>120</td>" in html
    assert "more rows" not in html
    assert "1 more rows" in chart.html(max_rows=3)


def test_data_model_as_svg(app: Doc) -> None:
    svg = ET.fromstring(app._repr_svg_())
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert {"Sales", "Regions", "Manager", "Amount"} <= set(texts)
    keys = [line.findtext("{http://www.w3.org/2000/svg}title")
            for line in svg.iter("{http://www.w3.org/2000/svg}line")]
    assert keys == ["Region"]  # the field the two tables share


def test_open_a_script_beside_its_data(tmp_path: Path) -> None:
    (tmp_path / "bosses.csv").write_text("Region,Boss\nNorth,Ann\nSouth,Bob\n")
    script = tmp_path / "sales.qvs"
    script.write_text(SCRIPT + "Bosses: LOAD * FROM [bosses.csv] (txt, utf8, "
                      "embedded labels, delimiter is ',');\n")
    app = associa.open_app(script)
    assert app.value("Sum(Amount)") == pytest.approx(335.5)
    assert app.value("Count(Boss)") == 2


def test_an_opened_script_leaves_no_folder_behind(tmp_path: Path) -> None:
    script = tmp_path / "sales.qvs"
    script.write_text(SCRIPT)
    temp = tmp_path / "temp"
    temp.mkdir()
    code = ("import sys, associa; app = associa.open_app(sys.argv[1]); "
            "import os; print(len(os.listdir(sys.argv[2])), app.value('Sum(Qty)'))")
    done = subprocess.run([sys.executable, "-c", code, str(script), str(temp)],
                          capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "TMPDIR": str(temp)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "15.0"]  # the app's engine had a folder of its own
    assert list(temp.iterdir()) == []  # gone with the process


def test_open_an_app_file_and_a_data_folder(tmp_path: Path) -> None:
    engine = Engine(Settings(data_dir=tmp_path / "data"))
    engine.create_app("Sales", SCRIPT).reload()
    engine.save_app(engine.get_app("Sales"))
    app = open_app(tmp_path / "data")  # the only app in the folder
    assert app.value("Count(DISTINCT Region)") == 4
    saved = next((tmp_path / "data" / "apps").iterdir())
    assert open_app(saved, app="Sales").value("Sum(Qty)") == 15
    with pytest.raises(EngineError) as info:
        open_app(tmp_path / "nothing-here")
    assert info.value.code == 1003

"""The demo app: a small bicycle shop (customers, products, orders), built from the
script and CSV files shipped in this folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from associa.engine import Engine

DEMO_DIR = Path(__file__).resolve().parent
DEMO_APP_ID = "demo"

SALES_BY_COUNTRY: dict[str, Any] = {
    "qInfo": {"qId": "sales-by-country", "qType": "table"},
    "qMetaDef": {"title": "Sales by country"},
    "qHyperCubeDef": {
        "qDimensions": [{"qDef": {"qFieldDefs": ["Country"]}}],
        "qMeasures": [
            {"qDef": {"qDef": "Sum(Sales)", "qLabel": "Sales"}, "qSortBy": {"qSortByNumeric": -1}},
            {"qDef": {"qDef": "Count(DISTINCT CustomerID)", "qLabel": "Customers"}},
        ],
        "qInterColumnSortOrder": [1, 0, 2],
        "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 3, "qHeight": 50}],
    },
}

CATEGORY_FILTER: dict[str, Any] = {
    "qInfo": {"qId": "category-filter", "qType": "listbox"},
    "qListObjectDef": {
        "qDef": {"qFieldDefs": ["Category"], "qSortCriterias": [{"qSortByAscii": 1}]},
        "qShowAlternatives": True,
        "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 1, "qHeight": 50}],
    },
}


def install_demo(engine: Engine) -> str:
    """Create (or refresh) the demo app and return its id."""
    if engine.app_exists(DEMO_APP_ID):
        app = engine.get_app(DEMO_APP_ID)
    else:
        app = engine.create_app(DEMO_APP_ID)
    app.set_script((DEMO_DIR / "script.qvs").read_text(encoding="utf-8"))
    conn = app.connections.by_name("demo")
    if conn is None:
        app.connections.create({"qName": "demo", "qConnectionString": str(DEMO_DIR)})
    else:
        conn.connection_string = str(DEMO_DIR)
    app.reload()
    for props in (SALES_BY_COUNTRY, CATEGORY_FILTER):
        if app.get_object(props["qInfo"]["qId"]) is None:
            app.create_object(props)
    app.set_properties({**app.properties, "qTitle": "Bicycle shop (demo)"})
    engine.save_app(app)
    return app.id

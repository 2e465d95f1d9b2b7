"""/csp-origins: administrators keep origins per directive; the header they make."""

from __future__ import annotations

from pathlib import Path

import pytest

from associa.settings import Settings

ADMIN_KEY = "csp-admin-key"


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, api_key=ADMIN_KEY)


def test_csp_origins(make_api, keys) -> None:  # type: ignore[no-untyped-def]
    admin, ann = make_api(keys["admin"]), make_api(keys["ann"])
    body = {"name": "cdn", "origin": "cdn.example.com", "scriptSrc": True, "imgSrc": True}
    assert ann.post("/csp-origins", json=body).status_code == 403
    made = admin.post("/csp-origins", json=body)
    assert made.status_code == 201, made.text
    c = made.json()
    assert c["origin"] == "https://cdn.example.com" and c["scriptSrc"] and not c["fontSrc"]
    header = admin.get("/csp-origins/actions/generate-header").json()
    assert header["Content-Security-Policy"] == (
        "img-src 'self' https://cdn.example.com; script-src 'self' https://cdn.example.com")
    changed = admin.put(f"/csp-origins/{c['id']}", json={**body, "imgSrc": False})
    assert changed.json()["imgSrc"] is False
    assert admin.post("/csp-origins", json={**body, "origin": "https://x/a"}).status_code == 400
    assert admin.post("/csp-origins", json={**body, "bogus": True}).status_code == 400
    assert len(admin.get("/csp-origins").json()["data"]) == 1
    assert admin.delete(f"/csp-origins/{c['id']}").status_code == 204
    assert admin.get(f"/csp-origins/{c['id']}").status_code == 404

"""What a user of Qlik's Python SDK (``qlik-sdk`` from PyPI) does against an engine, run by
the SDK's own Python (``.venv-sdk``: qlik-sdk 0.17 pins PyJWT 2.4.0, requests 2.27.1 and
websocket-client 1.3.2, which associa's environment cannot hold).

``python sdk_scenarios.py <host> <api key> <scenario>`` runs one scenario and prints what it
saw as one JSON object; ``tests/rest/test_qlik_sdk.py`` starts the engine, runs this and
checks the answers. Nothing here imports associa: it is a plain SDK user.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

from qlik_sdk import AuthType, Config, Qlik


def apps_items_reloads(qlik: Any) -> dict[str, Any]:
    from qlik_sdk.apis.Apps import (
        AppAttributes,
        AppUpdateAttributes,
        CreateApp,
        ScriptVersion,
        UpdateApp,
    )
    from qlik_sdk.apis.Reloads import ReloadRequest

    seen: dict[str, Any] = {}
    app = qlik.apps.create(data=CreateApp(attributes=AppAttributes(name="From SDK")))
    app_id = app.attributes.id
    seen["app_id"] = app_id
    seen["got_name"] = qlik.apps.get(app_id).attributes.name
    app = app.set(UpdateApp(attributes=AppUpdateAttributes(name="Renamed",
                                                           description="by the SDK")))
    seen["renamed"] = [app.attributes.name, app.attributes.description]

    app.create_script(ScriptVersion(script="T: LOAD RecNo() AS N AutoGenerate 4;",
                                    versionMessage="four rows"))
    seen["script_versions"] = [s.versionMessage for s in app.get_script_versions().scripts]

    reload = qlik.reloads.create(ReloadRequest(appId=app_id))
    seen["reload_created"] = [reload.appId, reload.status in ("QUEUED", "RELOADING",
                                                              "SUCCEEDED")]
    deadline = time.monotonic() + 60
    while reload.status not in ("SUCCEEDED", "FAILED", "CANCELED"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"reload {reload.id} still {reload.status}")
        time.sleep(0.1)
        reload = qlik.reloads.get(reload.id)
    seen["reload_status"] = reload.status
    seen["reload_log_has_rows"] = "4" in (reload.log or "")
    seen["reloads_of_app"] = [r.id for r in qlik.reloads.get_reloads(appId=app_id)]
    seen["reload_id"] = reload.id

    seen["tables"] = {t.name: t.no_of_rows for t in app.get_data_metadata().tables
                      if not t.is_system}
    seen["lineage"] = [[e.discriminator, e.statement] for e in app.get_data_lineages()]

    copy = app.create_copy(CreateApp(attributes=AppAttributes(name="Copy")))
    seen["copy_id"] = copy.attributes.id
    for i in range(3):
        qlik.apps.create(data=CreateApp(attributes=AppAttributes(name=f"More {i}")))
    first = qlik.items.get_items(resourceType="app", limit=2)
    seen["first_page"] = [item.name for item in first]
    seen["all_pages"] = [item.name for item in first.pagination]  # the next pages, limit 100

    copy.delete()
    me = qlik.users.get_me()
    seen["me"] = [me.id, me.tenantId]
    return seen


def spaces_users_api_keys(qlik: Any) -> dict[str, Any]:
    from qlik_sdk.apis.Api_Keys import ApiKeyBody
    from qlik_sdk.apis.Spaces import SpaceCreate
    from qlik_sdk.apis.Users import UserPostSchema

    seen: dict[str, Any] = {}
    user = qlik.users.create(UserPostSchema(subject="carl", name="Carl", email="carl@corp"))
    seen["user"] = [user.subject, qlik.users.get(user.id).name]
    # a plain list: qlik-sdk 0.17 serializes its own JSONPatchArray (a list subclass) as {}
    user.patch([{"op": "replace", "path": "/name", "value": "Carla"}])
    seen["patched_name"] = qlik.users.get(user.id).name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the SDK's own, for its sortBy
        users = qlik.users.get_users()
    seen["subjects"] = [u.subject for u in users]

    space = qlik.spaces.create(SpaceCreate(name="Finance", type="shared",
                                           description="numbers"))
    seen["space"] = [space.type, qlik.spaces.get(space.id).name]
    # plain dicts: qlik-sdk 0.17 turns roles into RoleType enums it cannot serialize
    assigned = space.create_assignment({"type": "user", "assigneeId": "carl",
                                        "roles": ["consumer"]})
    seen["assignees"] = [a.assigneeId for a in space.get_assignments()]
    changed = space.set_assignment(assigned.id, {"roles": ["producer"]})
    seen["changed_roles"] = [r.value for r in changed.roles]
    seen["spaces"] = [s.name for s in qlik.spaces.get_spaces()]
    space.delete_assignment(assigned.id)
    space.delete()
    seen["spaces_after"] = [s.name for s in qlik.spaces.get_spaces()]

    made = qlik.api_keys.create(ApiKeyBody(description="from the SDK", expiry="PT2H"))
    seen["token_prefix"] = made.token.split("_")[0]
    seen["key_listed"] = made.id in [k.id for k in qlik.api_keys.get_api_keys()]
    qlik.api_keys.get(made.id).delete()
    seen["key_status"] = qlik.api_keys.get(made.id).status
    user.delete()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        seen["subjects_after"] = [u.subject for u in qlik.users.get_users()]
    return seen


def app_over_qix(qlik: Any) -> dict[str, Any]:
    from qlik_sdk.apis.Apps import AppAttributes, CreateApp

    app = qlik.apps.create(data=CreateApp(attributes=AppAttributes(name="Over QIX")))
    with app.open():
        app.set_script("T: LOAD RecNo() AS N AutoGenerate 3;")
        app.do_save()
        return {"app_id": app.attributes.id, "reloaded": app.do_reload(),
                "sum": app.evaluate("Sum(N)")}


SCENARIOS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "apps_items_reloads": apps_items_reloads,
    "spaces_users_api_keys": spaces_users_api_keys,
    "app_over_qix": app_over_qix,
}


def main(host: str, key: str, scenario: str) -> None:
    qlik = Qlik(Config(host=host, auth_type=AuthType.APIKey, api_key=key))
    print(json.dumps(SCENARIOS[scenario](qlik)))


if __name__ == "__main__":
    main(*sys.argv[1:])

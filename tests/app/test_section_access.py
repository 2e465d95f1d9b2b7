"""Section Access enforced (app/section_access.py): who may open an app and what each
user's model holds. Every expected number is computed here from the script's own rows
in plain Python, apart from the engine."""

from __future__ import annotations

import csv
import io
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from associa.app.app import App
from associa.app.doc import DocState
from associa.app.frames import hypercube_table
from associa.app.section_access import Grant, open_view
from associa.errors import AccessDenied, ExpressionError, SectionAccessDenied
from associa.identity import ANONYMOUS, Identity
from associa.model import DataModel
from associa.store import AppRecord

ORDERS = """\
REGION, Product, Amount
NORTH, Bike, 100
NORTH, Lock, 20
north, Bike, 7
SOUTH, Bike, 150
SOUTH, Helmet, 35
EAST, Helmet, 40
WEST, Lock, 12
WEST, Bike, 90
CENTRAL, Bike, 500
"""

REGIONS = """\
REGION, MANAGER
NORTH, Ann
north, Nils
SOUTH, Bob
EAST, Cid
WEST, Dan
CENTRAL, Eva
"""

# names and values written in mixed case on purpose: the engine upper-cases them
ACCESS_TABLE = """\
ACCESS, userid, GROUP, region, omit
ADMIN, CORP\\BOSS, , ,
USER, CORP\\ANN, , NORTH,
USER, corp\\bob, , south, manager
USER, CORP\\BOB, , EAST,
USER, CORP\\CAT, , NORTH,
USER, , SALES, WEST,
USER, *, AUDIT, *,
USER, CORP\\EVE, , ATLANTIS,
USER, CORP\\NED, , ,
READER, CORP\\RAY, , NORTH,
"""

NOTES = """\
Note
kept for everyone
"""


def script(access: str = ACCESS_TABLE) -> str:
    return (f"Section Access;\nLOAD * INLINE [\n{access}];\nSection Application;\n"
            f"Orders:\nLOAD * INLINE [\n{ORDERS}];\n"
            f"Regions:\nLOAD * INLINE [\n{REGIONS}];\n"
            f"Notes:\nLOAD * INLINE [\n{NOTES}];\n")


def rows(text: str) -> list[dict[str, str]]:
    return [{k.strip(): v.strip() for k, v in r.items()}
            for r in csv.DictReader(io.StringIO(text), skipinitialspace=True)]


def expected_sums(regions: set[str]) -> dict[str, float]:
    """Sum(Amount) by REGION over the orders of ``regions`` (plain Python)."""
    out: dict[str, float] = defaultdict(float)
    for r in rows(ORDERS):
        if r["REGION"] in regions:
            out[r["REGION"]] += float(r["Amount"])
    return dict(out)


def user(name: str, *groups: str) -> Identity:
    return Identity(user_id=name, user_directory="CORP", groups=groups, method="jwt")


@pytest.fixture
def app(tmp_path: Path) -> App:
    a = App("secured", script=script(), base_dir=tmp_path)
    a.reload()
    return a


def doc_of(app: App, identity: Identity) -> DocState:
    return DocState(app, None, open_view(app, identity))


def sums(doc: DocState) -> dict[str, float]:
    table = hypercube_table(doc, {"qDimensions": [{"qDef": {"qFieldDefs": ["REGION"]}}],
                                  "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}}]})
    names = table.column_names
    return dict(zip(table.column(names[0]).to_pylist(), table.column(names[1]).to_pylist(),
                    strict=True))


def values(doc: DocState, field: str) -> set[str]:
    fld = doc.model.fields[field]
    return {fld.symbols.text(i) for i in range(len(fld.symbols))}


@pytest.mark.parametrize(("who", "regions"), [
    (user("ann"), {"NORTH"}),
    (user("Bob"), {"SOUTH", "EAST"}),  # two rows: the records of either
    (user("zoe", "sales"), {"WEST"}),  # GROUP, matched upper-cased
    (user("boss"), {"NORTH", "north", "SOUTH", "EAST", "WEST", "CENTRAL"}),  # ADMIN, blank
])
def test_each_user_sees_the_records_of_their_rows(app: App, who: Identity,
                                                  regions: set[str]) -> None:
    doc = doc_of(app, who)
    assert sums(doc) == expected_sums(regions)
    # reduced, not selected: the other values are gone from the fields
    assert values(doc, "REGION") == regions
    assert doc.model.tables["Regions"].nrows == len(regions)
    assert not doc.state  # and nothing is selected
    if "MANAGER" in doc.model.fields:
        assert doc.evaluate("Count(DISTINCT MANAGER)")[1] == len(regions)


def test_two_users_see_different_numbers_in_the_same_chart(app: App) -> None:
    ann, bob = doc_of(app, user("ann")), doc_of(app, user("bob"))
    assert sums(ann) == {"NORTH": 120.0}
    assert sums(bob) == {"SOUTH": 185.0, "EAST": 40.0}
    assert ann.evaluate("Sum(Amount)")[1] == 120.0
    assert bob.evaluate("Sum(Amount)")[1] == 225.0
    assert DocState(app).evaluate("Sum(Amount)")[1] == 954.0  # in process: the whole app


def test_values_are_matched_upper_cased(app: App) -> None:
    """The table says ``south`` and ``corp\\bob``: Section Access upper-cases both; the
    data's ``north`` is not ``NORTH`` (data meant to be reduced must be upper case)."""
    assert "north" not in values(doc_of(app, user("ann")), "REGION")
    assert values(doc_of(app, user("BOB")), "REGION") == {"SOUTH", "EAST"}


def test_star_is_the_values_the_column_lists(app: App) -> None:
    """``*`` in REGION: every region the access table lists, not CENTRAL or north that
    only the data has (help "Star")."""
    doc = doc_of(app, user("ivan", "Audit"))
    assert values(doc, "REGION") == {"NORTH", "SOUTH", "EAST", "WEST"}
    assert sums(doc) == expected_sums({"NORTH", "SOUTH", "EAST", "WEST"})


def test_islands_stay_whole(app: App) -> None:
    """A table no reduction field reaches is not reduced (nothing associates it)."""
    assert values(doc_of(app, user("ann")), "Note") == {"kept for everyone"}


@pytest.mark.parametrize("who", [
    user("mallory"),  # not listed
    user("eve"),  # strict exclusion: ATLANTIS is no value of REGION
    user("ned"),  # a USER row with a blank reduction value grants nothing
    user("ray"),  # READER is no access level
    user("zoe", "MARKETING"),  # a group no row names
    Identity(user_id="ann", user_directory="OTHER"),  # another directory's ann
    ANONYMOUS,  # --no-auth: ASSOCIA\\ANONYMOUS, which the table does not list
])
def test_users_the_table_does_not_let_in_are_refused(app: App, who: Identity) -> None:
    with pytest.raises(SectionAccessDenied) as info:
        open_view(app, who)
    assert isinstance(info.value, AccessDenied)
    assert info.value.to_json() == {"code": 4000, "parameter": "",
                                    "message": "User access denied"}


def test_anonymous_opens_an_app_whose_table_lets_every_user_in(tmp_path: Path) -> None:
    app = App("open", script=script("ACCESS, USERID, REGION\nUSER, *, WEST\n"),
              base_dir=tmp_path)
    app.reload()
    assert sums(doc_of(app, ANONYMOUS)) == expected_sums({"WEST"})
    named = App("named", script=script("ACCESS, USERID\nADMIN, ASSOCIA\\ANONYMOUS\n"),
                base_dir=tmp_path)
    named.reload()
    assert doc_of(named, ANONYMOUS).model is named.model


def test_omit_hides_the_field(app: App) -> None:
    doc = doc_of(app, user("bob"))
    assert "MANAGER" not in doc.model.fields
    assert "Regions" in doc.model.tables  # the rest of the table stays
    listed = {doc.model.fields["$Field"].symbols.text(i)
              for i in range(len(doc.model.fields["$Field"].symbols))}
    assert "MANAGER" not in listed and "REGION" in listed  # the system tables agree
    with pytest.raises(ExpressionError, match="Field not found: MANAGER"):
        doc.evaluate("Only(MANAGER)")
    assert "MANAGER" in doc_of(app, user("ann")).model.fields


def test_omit_star_and_omitted_key_fields(tmp_path: Path) -> None:
    """``*`` in OMIT: every field the column lists. An omitted key keeps the tables
    associated, its values replaced (help: "Key fields that are omitted are visible in
    the data model viewer, but the content is not available")."""
    access = ("ACCESS, USERID, REGION, OMIT\nUSER, CORP\\A, NORTH, REGION\n"
              "USER, CORP\\B, SOUTH, MANAGER\nUSER, CORP\\C, EAST, *\n")
    app = App("omit", script=script(access), base_dir=tmp_path)
    app.reload()
    a = doc_of(app, user("a"))
    assert a.model.fields["REGION"].hidden
    assert values(a, "REGION") == {"0"}  # one region, its name gone
    assert a.evaluate("Only(MANAGER)")[0] == "Ann"  # still associated with its orders
    assert a.evaluate("Sum(Amount)")[1] == 120.0
    c = doc_of(app, user("c"))
    assert "MANAGER" not in c.model.fields and c.model.fields["REGION"].hidden
    assert c.evaluate("Sum(Amount)")[1] == 40.0


def test_rows_select_combinations(tmp_path: Path) -> None:
    """Each row is one selection: NORTH+BIKE and SOUTH+HELMET do not give NORTH's
    helmets or SOUTH's bikes."""
    orders = ORDERS.replace("Product", "PRODUCT").replace("Bike", "BIKE").replace(
        "Lock", "LOCK").replace("Helmet", "HELMET")
    access = "ACCESS, USERID, REGION, PRODUCT\nUSER, CORP\\A, NORTH, BIKE\nUSER, CORP\\A, SOUTH, HELMET\n"
    text = (f"Section Access;\nLOAD * INLINE [\n{access}];\nSection Application;\n"
            f"Orders:\nLOAD * INLINE [\n{orders}];\n")
    app = App("combo", script=text, base_dir=tmp_path)
    app.reload()
    doc = doc_of(app, user("a"))
    kept = [(r["REGION"], r["Product"].upper()) for r in rows(ORDERS)
            if (r["REGION"], r["Product"].upper()) in {("NORTH", "BIKE"), ("SOUTH", "HELMET")}]
    assert doc.model.tables["Orders"].nrows == len(kept) == 2
    assert doc.evaluate("Sum(Amount)")[1] == 135.0


def test_access_tables_sharing_a_column_are_joined(tmp_path: Path) -> None:
    users = "ACCESS, USERID\nUSER, CORP\\A\nUSER, CORP\\B\n"
    reduction = "USERID, REGION\nCORP\\A, WEST\nCORP\\B, EAST\n"
    text = (f"Section Access;\nLOAD * INLINE [\n{users}];\nLOAD * INLINE [\n{reduction}];\n"
            f"Section Application;\nOrders:\nLOAD * INLINE [\n{ORDERS}];\n")
    app = App("joined", script=text, base_dir=tmp_path)
    app.reload()
    assert sums(doc_of(app, user("a"))) == expected_sums({"WEST"})
    assert sums(doc_of(app, user("b"))) == expected_sums({"EAST"})


def test_reduced_models_are_cached_per_grant(app: App) -> None:
    ann, cat = doc_of(app, user("ann")), doc_of(app, user("cat"))
    assert ann.model is cat.model  # same reduction, same model object
    assert ann.model is not doc_of(app, user("bob")).model
    assert doc_of(app, user("boss")).model is app.model  # everything: the app's own
    before = ann.model
    app.reload()  # a new model: the reductions are made again
    assert ann.model is not before and ann.model is cat.model
    assert sums(ann) == {"NORTH": 120.0}


def test_a_reload_that_drops_the_user_leaves_an_empty_model(app: App) -> None:
    ann = doc_of(app, user("ann"))
    app.set_script(script(ACCESS_TABLE.replace("CORP\\ANN", "CORP\\ANNA")))
    app.reload()
    assert ann.model.is_empty() and not ann.model.fields
    with pytest.raises(ExpressionError):
        ann.evaluate("Sum(Amount)")
    with pytest.raises(SectionAccessDenied):
        open_view(app, user("ann"))
    app.set_script("T: LOAD 1 as X AUTOGENERATE 1;")  # no Section Access any more
    app.reload()
    assert ann.model is app.model


def test_section_access_is_saved_with_the_app(app: App, tmp_path: Path) -> None:
    assert app.get_properties()["qHasSectionAccess"] is True
    record = app.to_record()
    again = App.from_record(AppRecord(record.id, record.meta, record.model), tmp_path)
    assert again.section_access == app.section_access
    assert sums(doc_of(again, user("ann"))) == {"NORTH": 120.0}
    with pytest.raises(SectionAccessDenied):
        open_view(again, user("mallory"))


def test_users_opening_at_once_make_each_reduction_once(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    from associa.app import section_access

    made: list[object] = []
    real = section_access.reduced_model

    def slow(model: DataModel, grant: Grant) -> DataModel | None:
        made.append(grant)
        time.sleep(0.05)  # long enough for every thread to ask meanwhile
        return real(model, grant)

    monkeypatch.setattr(section_access, "reduced_model", slow)
    who = [user("ann"), user("cat"), user("bob"), user("ann"), user("cat"), user("BOB")]
    with ThreadPoolExecutor(len(who)) as pool:
        models = list(pool.map(lambda i: app.reductions.model_for(app, i), who))
    assert len(made) == len(set(made)) == 2  # ann and cat share one, bob has his own
    assert models[0] is models[1] is models[3] is models[4]
    assert models[2] is models[5] is not models[0]


def test_a_partial_reload_keeps_the_access_table(app: App) -> None:
    """A partial reload runs only ADD/REPLACE loads: the access section's plain LOAD is
    skipped, and the data it protects stay protected."""
    before = dict(app.section_access)
    app.reload(partial=True)
    assert app.section_access == before
    assert sums(doc_of(app, user("ann"))) == {"NORTH": 120.0}
    with pytest.raises(SectionAccessDenied):
        open_view(app, user("mallory"))

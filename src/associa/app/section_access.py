"""Section Access enforced: who may open an app, and the data model each user sees.

The script keeps the tables loaded under ``SECTION ACCESS`` out of the model
(``App.section_access``: table → field → texts). At OpenDoc the session's identity is
matched against their rows; a user no row lets in is refused (``SectionAccessDenied``,
4000 USER_ACCESS_DENIED), any other user gets a model reduced to the records the rows
allow, without the fields they omit (``model/reduction.py``).

The rules, from Qlik's help ("Managing data security with Section Access",
https://help.qlik.com/en-US/cloud-services/Subsystems/Hub/Content/Sense_Hub/Scripting/
Security/manage-security-with-section-access.htm, and its Qlik Sense 2.x form "Sections
in the script", https://help.qlik.com/en-us/sense/2.0/Subsystems/Hub/Content/Scripting/
Security/sections-in-script.htm):

* Field names and values of Section Access are upper-cased ("All the field names and
  field values listed in Section Access are always converted to uppercase"; FORCE has no
  effect there: "all field values loaded are case insensitive", help "Force"). A field of
  the data model takes part in a reduction when its name is the upper-cased column's
  name exactly, and its values are matched as they are: data meant to be reduced must be
  upper case too, as the help says. A column that names no field links nothing.
* ACCESS is ADMIN or USER; a row with neither grants nothing ("If no valid access level
  is assigned, the user cannot open the app"). USERID is Qlik Sense's
  ``USERDIRECTORY\\USERID`` (the bare user id for an identity without a directory);
  USER.EMAIL the identity's e-mail (Qlik Cloud); GROUP one of the identity's groups.
  ``*`` in USERID or GROUP is every user ("A wildcard character (*) is interpreted as all
  users, subject to further conditions specified in the security table"); a row naming
  both a user and a group needs both. A row that names nobody matches nobody.
* Any other column whose name is a field of the model is a reduction field. Each row the
  user matches is a selection of its values ("the reduction values are applied as
  selections, and the possible data after the selection is the reduced data", Qlik
  support, "Section Access: Strict Exclusion", https://community.qlik.com/t5/
  Official-Support-Articles/Section-Access-Strict-Exclusion/ta-p/1479908); the user sees
  the records possible under any of the rows. ``*`` is every value listed in that column
  of the access table, not every value of the field ("it represents the values listed in
  this field in section access", help "Star", https://help.qlik.com/en-US/cloud-services/
  Subsystems/Hub/Content/Sense_Hub/Scripting/ScriptRegularStatements/Star.htm).
  A blank value leaves an ADMIN row unreduced on that field ("A user with ADMIN
  privileges has access to all data in the app unless limited by the security table")
  and gives a USER row nothing on it ("A person with USER privileges can only access data
  as defined in the security table").
* Strict exclusion, which "in Qlik Sense ... is always ON" (the support article): a row
  whose values find nothing in a reduction field grants nothing, and a user whose rows
  grant nothing is refused. (Qlik has been seen to apply the other fields of such a row;
  refusing it is the safer reading of "reduction on non-existing values is not allowed".)
* OMIT names a field the user does not see (``*``: every field the OMIT column lists);
  the user's rows add up (help "Star": a user listed twice omits both fields).

The engine's other users: an identity is matched the same way whatever the
authentication, ANONYMOUS (``--no-auth``) included: it is ``ASSOCIA\\ANONYMOUS``, so an
app with Section Access opens in development mode only when its table lets that user in
(``*`` does). Refusing is what keeps the data of an app that has a security table safe
from whoever reaches an unauthenticated port. Being the engine's admin
(``Identity.admin``) gives no data: only the app's table does. In-process Python users
(``DocState(app)`` without a view) see the whole model: the API in the process is trusted.

Reduced models are made once per distinct grant (the same selections and the same
omitted fields share one model object, and so its inference caches) and kept on the app
(``App.reductions``) until the app's model or access table changes (a reload).

Reloads run the script, not a user's model: the row Qlik needs for its scheduler
(``INTERNAL\\SA_SCHEDULER`` as ADMIN) is not needed here, and an identity of that name
is matched as any other.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from associa.errors import SectionAccessDenied
from associa.identity import Identity
from associa.model import DataModel
from associa.model.reduction import reduce_model
from associa.select import Inference, SelectionState

if TYPE_CHECKING:
    from associa.app.app import App

ACCESS, USERID, GROUP, OMIT, EMAIL = "ACCESS", "USERID", "GROUP", "OMIT", "USER.EMAIL"
LEVELS = frozenset({"ADMIN", "USER"})
STAR = "*"
# the system fields of Section Access: never reduction fields (QlikView's NTNAME,
# NTDOMAINSID, NTSID, SERIAL and PASSWORD are recognised but match no identity here)
SYSTEM_FIELDS = frozenset({ACCESS, USERID, GROUP, OMIT, EMAIL, "NTNAME", "NTDOMAINSID",
                           "NTSID", "SERIAL", "PASSWORD"})

Row = Mapping[str, str]  # upper-cased column → upper-cased value (blank cells left out)
# one row's selection: (reduction field, the values it selects) pairs, by field name
Selection = tuple[tuple[str, frozenset[str]], ...]


@dataclass(frozen=True, slots=True)
class Grant:
    """What a user sees: the selections of the user's rows (an empty selection: every
    record) and the omitted fields. Equal grants give the same reduced model."""

    selections: frozenset[Selection]
    omit: frozenset[str]


class AccessTable:
    """The rows of the app's access tables, upper-cased; tables sharing columns are
    joined on them (they are associated, as the tables of a model are)."""

    def __init__(self, tables: Mapping[str, Mapping[str, Sequence[str | None]]]) -> None:
        rows: list[dict[str, str]] | None = None
        columns: list[str] = []
        for cols in tables.values():
            names = [n.upper() for n in cols]
            length = max((len(v) for v in cols.values()), default=0)
            table = [{n: text for n, values in zip(names, cols.values(), strict=True)
                      if (text := _upper(values[i] if i < len(values) else None))}
                     for i in range(length)]
            shared = [n for n in names if n in columns]
            rows = table if rows is None else _join(rows, table, shared)
            columns.extend(n for n in names if n not in columns)
        self.rows: list[dict[str, str]] = rows or []
        self.columns = columns
        # ``*`` in a column: the values that column lists (help "Star")
        self.listed = {c: frozenset(r[c] for r in self.rows if c in r and r[c] != STAR)
                       for c in columns}

    def grant(self, identity: Identity, fields: Collection[str]) -> Grant:
        """The grant of ``identity`` over a model with ``fields``; SectionAccessDenied when
        no row with a valid ACCESS names the user."""
        reducing = [c for c in self.columns if c not in SYSTEM_FIELDS and c in fields]
        selections: set[Selection] = set()
        omit: set[str] = set()
        matched = False
        for row in self.rows:
            level = row.get(ACCESS)
            if level not in LEVELS or not _names(row, identity):
                continue
            matched = True
            selections.add(tuple(
                (f, self._values(row, f)) for f in reducing
                if f in row or level == "USER"))  # a blank ADMIN cell: not reduced
            if OMIT in row:
                omit |= self._values(row, OMIT)
        if not matched:
            raise SectionAccessDenied()
        return Grant(frozenset(selections), frozenset(omit))

    def _values(self, row: Row, column: str) -> frozenset[str]:
        value = row.get(column)
        if value is None:
            return frozenset()
        return self.listed[column] if value == STAR else frozenset({value})


def _upper(value: str | None) -> str:
    return "" if value is None else value.strip().upper()


def _join(left: list[dict[str, str]], right: list[dict[str, str]],
          shared: list[str]) -> list[dict[str, str]]:
    """The natural join of two access tables on their shared columns (a blank cell joins
    nothing, as NULL associates with nothing); no shared column: every pair."""
    out = []
    for a in left:
        for b in right:
            if all(c in a and a.get(c) == b.get(c) for c in shared):
                out.append({**a, **b})
    return out


def _names(row: Row, identity: Identity) -> bool:
    """Whether the row's USERID, USER.EMAIL and GROUP cells (those it fills) all name the
    identity; a row that fills none names nobody."""
    user = identity.user_id.upper()
    ids = {f"{identity.user_directory.upper()}\\{user}" if identity.user_directory else user}
    tests = {
        USERID: lambda v: v in ids,
        EMAIL: lambda v: bool(identity.email) and v == identity.email.upper(),
        GROUP: lambda v: v in {g.upper() for g in identity.groups},
    }
    named = False
    for column, test in tests.items():
        value = row.get(column)
        if value is None:
            continue
        if value != STAR and not test(value):
            return False
        named = True
    return named


def reduced_model(model: DataModel, grant: Grant) -> DataModel | None:
    """The model ``grant`` sees (``model`` itself when it sees all of it), or None when
    no row of the grant finds its values (strict exclusion)."""
    masks: dict[str, np.ndarray] | None = None
    if () not in grant.selections:
        masks = {}
        for selection in grant.selections:
            state = _selection_state(model, selection)
            if state is None:
                continue
            inf = Inference(model, state)
            for name in model.data_tables:
                rows = inf.rows(name)
                if name not in masks:
                    masks[name] = np.zeros(rows.n, dtype=bool)
                if rows.is_all:
                    masks[name][:] = True
                else:
                    masks[name][rows.indices()] = True
        if not masks:
            return None
    if masks is None and not (grant.omit & set(model.fields)):
        return model
    return reduce_model(model, masks, grant.omit)


def _selection_state(model: DataModel, selection: Selection) -> SelectionState | None:
    """A row's selection over ``model``, or None when a field finds none of its values."""
    state = SelectionState()
    for name, values in selection:
        symbols = model.fields[name].symbols
        mask = np.zeros(len(symbols), dtype=bool)
        for value in values:
            hit = symbols.find_text(value)
            if hit is not None:
                mask[hit] = True
        if not mask.any():
            return None
        state = state.with_field(name, mask)
    return state


class Reductions:
    """An app's reduced models: identity → grant → model, for the app's current model and
    access table (dropped when either changes: a reload). A model is made once per grant,
    outside the lock every user of the app reads through (its own lock makes a second
    user with the same grant wait for it rather than make it again)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._model: DataModel | None = None
        self._source: object = None
        self._table: AccessTable | None = None
        # (directory, user id, e-mail, groups) → grant; None: refused
        self._grants: dict[tuple[str, str, str, tuple[str, ...]], Grant | None] = {}
        self._slots: dict[Grant, _Slot] = {}
        self._empty = DataModel()

    def model_for(self, app: App, identity: Identity) -> DataModel:
        """The model ``identity`` sees of ``app``; SectionAccessDenied when refused."""
        model = app.model
        if not app.section_access:  # read after the model, which a reload sets after it
            return model
        with app.lock:  # a reload swaps both together
            model, source = app.model, app.section_access
        if not source:
            return model
        who = (identity.user_directory, identity.user_id, identity.email,
               tuple(identity.groups))  # what the rows can match
        with self._lock:
            if model is not self._model or source is not self._source:
                self._model, self._source = model, source
                self._table = AccessTable(source)
                self._grants.clear()
                self._slots.clear()
            assert self._table is not None
            if who not in self._grants:
                try:
                    self._grants[who] = self._table.grant(identity, model.fields)
                except SectionAccessDenied:
                    self._grants[who] = None
            grant = self._grants[who]
            if grant is None:
                raise SectionAccessDenied()
            slot = self._slots.get(grant)
            if slot is None:
                slot = self._slots[grant] = _Slot()
        with slot.lock:
            if not slot.done:
                slot.model, slot.done = reduced_model(model, grant), True
        if slot.model is None:
            raise SectionAccessDenied()
        return slot.model

    def empty(self) -> DataModel:
        """A model without data: what a user refused after a reload sees."""
        return self._empty


class _Slot:
    """One grant's reduced model, made once (None: strict exclusion refuses it)."""

    __slots__ = ("done", "lock", "model")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = False
        self.model: DataModel | None = None


class UserView:
    """The model one session's identity sees of an app, read at every use (a reload can
    change it). A user the reloaded app no longer lets in sees a model without data
    (Qlik's reload message 30: "Access denied after reload")."""

    def __init__(self, app: App, identity: Identity) -> None:
        self.app = app
        self.identity = identity

    def __call__(self) -> DataModel:
        try:
            return self.app.reductions.model_for(self.app, self.identity)
        except SectionAccessDenied:
            return self.app.reductions.empty()


def open_view(app: App, identity: Identity) -> UserView:
    """OpenDoc's check: the view of ``identity`` when the app lets it in; raises
    SectionAccessDenied (4000) when its Section Access does not."""
    app.reductions.model_for(app, identity)
    return UserView(app, identity)


"""``/reload-tasks``: scheduled reloads of an app.

Shapes are Qlik Cloud's reload-tasks API (https://qlik.dev/apis/rest/reload-tasks/):
a task has ``appId``, ``partial``, ``timeZone`` (IANA), ``recurrence`` (RFC 5545 RECUR
lines, no DTSTART/DTEND), ``startDateTime`` and ``endDateTime`` (RFC 3339; without an
offset, wall-clock time in ``timeZone``) and ``state`` (``Enabled``, ``Disabled``;
``Completed`` once no occurrence is left); the answers add ``nextExecutionTime`` and
``lastExecutionTime``. ``POST`` answers 201, ``PUT`` replaces the task (``state``
enables or disables it), ``DELETE`` answers 204, ``GET /reload-tasks`` pages them
(filters ``appId``, ``partial``). Creating a task never runs it at once: its first run
is the first occurrence after now ("creating a task never runs it immediately",
https://qlik.dev/toolkits/qlik-cli/scheduling/scheduling-task-resource-reload-on-time-schedule/). Runs are reloads (``GET /reloads``, type
``chronos``), queued by the scheduler (``rest/scheduler.py``).

``autoReload`` is Qlik's "a flag that indicates whether a reload is triggered when data
of the app is changed" (``autoReloadPartial``: "whether it is a partial reload or not
for the auto reload", @qlik/api ``reload-tasks``): here the data of an app are the data
files its last reload read (``lib://DataFiles/<name>`` in its lineage), and uploading or
replacing one of them through ``/data-files`` queues a reload of every enabled task's
app that has the flag (``Scheduler.data_changed``). Files a script STOREs do not
trigger it, so that apps storing what others read cannot reload each other forever.

Rights are the app's: seeing a task needs *consume*, making, changing or deleting one
*edit* (the apps API's ``reload`` privilege); a task on an app the caller may not see
is a 404. A schedule that does not parse is a 400.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import Field

from associa.app.access import Right
from associa.rest.apps import iso
from associa.rest.errors import BadRequest, NotFound
from associa.rest.models import TENANT_ID, Href, Links, Shape, Strict
from associa.rest.operations import Call, Operation, Reply
from associa.rest.paging import paginate
from associa.rest.ratelimit import Tier
from associa.rest.recurrence import BadSchedule, next_run, parse_time, zone
from associa.rest.reloads import ByAppQuery
from associa.rest.rights import app_filter, check_app, check_app_of
from associa.store.reloadtasks import COMPLETED, ReloadTask, ReloadTaskStore

State = Literal["Enabled", "Disabled", "Completed"]


class TaskBody(Strict):
    appId: str = Field(min_length=1, max_length=512)
    partial: bool = False
    timeZone: str = Field(default="UTC", min_length=1, max_length=64)
    recurrence: list[str] = Field(default=[], max_length=20)
    startDateTime: str | None = None
    endDateTime: str | None = None
    state: Literal["Enabled", "Disabled"] = "Enabled"
    type: Literal["scheduled_reload"] = "scheduled_reload"
    autoReload: bool = False  # also reload when the app's data files change
    autoReloadPartial: bool = False  # those reloads are partial


class TaskLinks(Shape):
    self: Href


class Task(Shape):
    id: str
    appId: str
    partial: bool
    timeZone: str
    recurrence: list[str]
    startDateTime: str
    endDateTime: str | None = None
    state: State
    type: str = "scheduled_reload"
    autoReload: bool = False
    autoReloadPartial: bool = False
    userId: str
    tenantId: str
    spaceId: str = ""
    lastExecutionTime: str | None = None
    nextExecutionTime: str | None = None
    links: TaskLinks


class Tasks(Shape):
    data: list[Task]
    links: Links


def tasks(call: Call) -> ReloadTaskStore:
    return ReloadTaskStore(call.engine.meta.db)


def now(call: Call) -> datetime:
    return call.state.scheduler.clock()


def shown(call: Call, t: ReloadTask) -> Task:
    tz = zone(t.time_zone)
    end = t.end_at.astimezone(tz).replace(tzinfo=None).isoformat() if t.end_at else None
    return Task(
        id=t.id, appId=t.app_id, partial=t.partial, timeZone=t.time_zone,
        recurrence=t.recurrence,
        startDateTime=t.start_at.astimezone(tz).replace(tzinfo=None).isoformat(),
        endDateTime=end, state=t.state,  # type: ignore[arg-type]
        autoReload=t.auto_reload, autoReloadPartial=t.auto_reload_partial,
        userId=t.owner_id, tenantId=TENANT_ID, lastExecutionTime=iso(t.last_run),
        nextExecutionTime=iso(t.next_run),
        links=TaskLinks(self=Href(href=call.url(f"/reload-tasks/{t.id}"))))


def schedule(call: Call, body: TaskBody) -> dict[str, object]:
    """The columns of a task from its body (400 for a schedule that does not parse)."""
    try:
        tz = zone(body.timeZone)
        start = parse_time(body.startDateTime, tz) if body.startDateTime else now(call)
        end = parse_time(body.endDateTime, tz) if body.endDateTime else None
        if end is not None and end <= start:
            raise BadSchedule("endDateTime must be after startDateTime")
        following = next_run(body.recurrence, start, end, tz, now(call))
    except BadSchedule as exc:
        raise BadRequest(str(exc), parameter="recurrence") from None
    # a task that reloads on data changes stays enabled without a scheduled run left
    state = body.state if following is not None or body.autoReload else COMPLETED
    return {"app_id": body.appId, "partial": body.partial, "time_zone": body.timeZone,
            "recurrence": body.recurrence, "start_at": start.astimezone(UTC),
            "end_at": end, "next_run": following, "state": state,
            "auto_reload": body.autoReload, "auto_reload_partial": body.autoReloadPartial}


def the_task(call: Call, right: Right) -> ReloadTask:
    found = tasks(call).get(call.path["taskId"])
    if found is None:
        raise NotFound(f"No reload task {call.path['taskId']}")
    check_app_of(call.engine, call.identity, found.app_id, right,
                 f"No reload task {call.path['taskId']}")
    return found


def create_task(call: Call) -> Reply:
    body: TaskBody = call.body
    check_app(call.engine, call.identity, body.appId, Right.EDIT)
    made = tasks(call).add(owner_id=call.identity.user_id,
                           owner_directory=call.identity.user_directory,
                           groups=call.identity.groups,
                           **schedule(call, body))
    return Reply(shown(call, made), status=201)


def update_task(call: Call) -> Task:
    current = the_task(call, Right.EDIT)
    body: TaskBody = call.body
    if body.appId != current.app_id:
        check_app(call.engine, call.identity, body.appId, Right.EDIT)
    changed = tasks(call).change(current.id, **schedule(call, body))
    if changed is None:
        raise NotFound(f"No reload task {current.id}")
    return shown(call, changed)


def get_task(call: Call) -> Task:
    return shown(call, the_task(call, Right.CONSUME))


def delete_task(call: Call) -> None:
    tasks(call).delete(the_task(call, Right.EDIT).id)


def get_tasks(call: Call) -> Tasks:
    q: ByAppQuery = call.query
    may_see = app_filter(call.engine, call.identity)
    found = [t for t in tasks(call).find(app_id=q.appId or "", partial=q.partial)
             if may_see(t.app_id)]
    page, links = paginate(call.request, found, q.limit, q.next, q.prev)
    return Tasks(data=[shown(call, t) for t in page], links=links)


OPERATIONS = [
    Operation("POST", "/reload-tasks", create_task, "Schedule reloads of an app",
              "reload-tasks", tier=Tier.TIER2, body=TaskBody, response=Task, status=201),
    Operation("GET", "/reload-tasks", get_tasks, "The reload tasks the caller may see",
              "reload-tasks", query=ByAppQuery, response=Tasks),
    Operation("GET", "/reload-tasks/{taskId}", get_task, "One reload task", "reload-tasks",
              response=Task),
    Operation("PUT", "/reload-tasks/{taskId}", update_task,
              "Replace a reload task (state enables or disables it)", "reload-tasks",
              tier=Tier.TIER2, body=TaskBody, response=Task),
    Operation("DELETE", "/reload-tasks/{taskId}", delete_task, "Delete a reload task",
              "reload-tasks", tier=Tier.TIER2, status=204),
]

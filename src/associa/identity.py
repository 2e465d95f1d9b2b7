"""Who is calling: the identity a socket (or an in-process user) acts as.

Plain data, below everything that checks it: ``auth/`` makes one from a token, a header
or a client certificate; ``qix/`` keeps it on the session; ``app/`` checks access rules and
Section Access against it; ``OSUser()`` and ``QVUser()`` read it.

Qlik writes a user as ``UserDirectory=<dir>; UserId=<id>`` (the ``X-Qlik-User`` header
and ``OSUser()``); ``qualified`` gives that text.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Identity:
    """A user: directory and id (what access rules and Section Access match), the name
    and e-mail shown, the groups, and whether the user administers the engine."""

    user_id: str
    user_directory: str = ""
    name: str = ""
    email: str = ""
    groups: tuple[str, ...] = field(default_factory=tuple)
    admin: bool = False
    # how the identity was established: "none" (development mode, no authentication),
    # "jwt", "api-key", "header", "certificate", "local" (in process)
    method: str = "none"

    @property
    def qualified(self) -> str:
        """``UserDirectory=<dir>; UserId=<id>``, Qlik's text for a user."""
        return f"UserDirectory={self.user_directory}; UserId={self.user_id}"

    @property
    def anonymous(self) -> bool:
        return self.method == "none"


# the identity of every socket when authentication is off (``--no-auth``), and of
# in-process users: it may do everything, as the engine without security does
ANONYMOUS = Identity(user_id="anonymous", user_directory="associa", name="anonymous",
                     admin=True, method="none")

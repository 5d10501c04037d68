"""What the fake Slack knows: a workspace's people, conversations, messages, views and files."""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass, field
from typing import Any

BOT_TOKEN = "xoxb-1111-2222-fakebottokenBRIDGE"
APP_TOKEN = "xapp-1-A0BRIDGE1-3333-fakeapptokenBRIDGE"
SIGNING_SECRET = "fake-signing-secret-0123456789abcdef"
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "fake-client-secret-9876543210"


@dataclass
class User:
    id: str
    first_name: str
    last_name: str = ""
    tz: str = "Europe/London"
    team: str | None = None  # the value of the workspace's "Department" profile field
    is_bot: bool = False
    deleted: bool = False
    is_restricted: bool = False
    is_ultra_restricted: bool = False
    is_admin: bool = False
    is_owner: bool = False
    team_id: str = "T0BRIDGE1"  # their own workspace: another for a Slack Connect partner's
    enterprise_id: str | None = None  # their Enterprise Grid organisation, if any

    def record(self, field_id: str, teams: dict[str, Team] | None = None) -> dict[str, Any]:
        """The user object as users.info returns it (objs_user in the spec): a person of
        another workspace carries that workspace's ``team_id``, and of an Enterprise Grid
        organisation its ``enterprise_user``."""
        real = f"{self.first_name} {self.last_name}".strip()
        record: dict[str, Any] = {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.first_name.lower(),
            "deleted": self.deleted,
            "real_name": real,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": 0,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": False,
            "is_restricted": self.is_restricted,
            "is_ultra_restricted": self.is_ultra_restricted,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 1798000000,
            "profile": self.profile(field_id, with_fields=False),
        }
        if self.enterprise_id is not None:
            team = (teams or {}).get(self.team_id)
            record["enterprise_user"] = {
                "id": self.id,
                "enterprise_id": self.enterprise_id,
                "enterprise_name": team.enterprise_name if team else "",
                "is_admin": self.is_admin,
                "is_owner": self.is_owner,
                "teams": [self.team_id],
            }
        return record

    def profile(self, field_id: str, *, with_fields: bool = True) -> dict[str, Any]:
        real = f"{self.first_name} {self.last_name}".strip()
        profile: dict[str, Any] = {
            "real_name": real,
            "display_name": self.first_name.lower(),
            "first_name": self.first_name,
            "last_name": self.last_name,
        }
        if with_fields:
            profile["fields"] = (
                {field_id: {"value": self.team, "alt": ""}} if self.team is not None else {}
            )
        return profile


@dataclass
class UserGroup:
    """A user group (Slack's "subteam"): people mentioned together as @handle."""

    id: str
    name: str
    handle: str
    users: list[str]
    disabled: bool = False

    def record(self, team: str, *, include_users: bool) -> dict[str, Any]:
        """The group as usergroups.list returns it (objs_subteam in the spec)."""
        record: dict[str, Any] = {
            "id": self.id,
            "team_id": team,
            "is_usergroup": True,
            "is_subteam": True,
            "name": self.name,
            "description": "",
            "handle": self.handle,
            "is_external": False,
            "date_create": 1798000000,
            "date_update": 1798000000,
            "date_delete": 1798000001 if self.disabled else 0,
            "auto_type": None,
            "auto_provision": False,
            "enterprise_subteam_id": "",
            "created_by": "U0CREATOR",
            "updated_by": "U0CREATOR",
            "deleted_by": "U0CREATOR" if self.disabled else None,
            "prefs": {"channels": [], "groups": []},
            "user_count": len(self.users),
        }
        if include_users:
            record["users"] = list(self.users)
        return record


@dataclass
class Team:
    """A workspace as team.info returns it (objs_team): the app's own, a Slack Connect
    partner's, or another workspace of the same Enterprise Grid organisation."""

    id: str
    name: str
    enterprise_id: str | None = None
    enterprise_name: str | None = None

    @property
    def organisation(self) -> str:
        """What Slack treats as one organisation: the Enterprise Grid org, else the workspace."""
        return self.enterprise_id or self.id

    def record(self) -> dict[str, Any]:
        domain = self.name.lower().replace(" ", "-")
        record: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "domain": domain,
            "email_domain": f"{domain}.example",
            "icon": {"image_default": True},
        }
        if self.enterprise_id is not None:
            record["enterprise_id"] = self.enterprise_id
            record["enterprise_name"] = self.enterprise_name or ""
        return record


@dataclass
class Conversation:
    id: str
    kind: str  # channel, private, mpim, im
    members: list[str]
    archived: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)  # oldest first, replies too
    # The workspaces a shared channel connects besides its host's (Slack Connect, or other
    # workspaces of an Enterprise Grid organisation).
    shared_with: list[str] = field(default_factory=list)
    team_id: str = "T0BRIDGE1"  # the workspace that hosts it
    # A direct message or group DM the bot closed (conversations.close): out of its sidebar
    # until it is opened again or a message is posted in it.
    closed: bool = False


@dataclass(frozen=True)
class Caller:
    team: str
    kind: str  # bot, app, client, none


@dataclass
class Workspace:
    team_id: str = "T0BRIDGE1"
    team_name: str = "Acme"
    bot_user: str = "U0BRIDGEBOT"
    bot_id: str = "B0BRIDGE1"
    app_id: str = "A0BRIDGE1"
    field_id: str = "Xf0DEPT0001"
    field_label: str = "Department"
    base: str = ""
    users: dict[str, User] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    usergroups: dict[str, UserGroup] = field(default_factory=dict)
    # Free workspaces have no user groups: usergroups.* answer plan_upgrade_required there.
    paid: bool = True
    tokens: dict[str, str] = field(default_factory=lambda: {BOT_TOKEN: "T0BRIDGE1"})
    codes: dict[str, str] = field(default_factory=dict)  # OAuth code → team
    revoked: set[str] = field(default_factory=set)  # tokens of an uninstall: token_revoked
    tickets: set[str] = field(default_factory=set)
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)
    homes: dict[str, dict[str, Any]] = field(default_factory=dict)
    modals: list[dict[str, Any]] = field(default_factory=list)
    ephemerals: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _clock: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.teams.setdefault(self.team_id, Team(self.team_id, self.team_name))
        self.users[self.bot_user] = User(self.bot_user, "Bridgework", is_bot=True)
        self.users["USLACKBOT"] = User("USLACKBOT", "Slackbot")  # is_bot is false, as on Slack

    def add_user(self, user: User) -> User:
        self.users[user.id] = user
        return user

    def add_channel(
        self,
        channel_id: str,
        members: list[str],
        *,
        private: bool = False,
        shared_with: list[str] | None = None,
        team_id: str | None = None,
    ) -> None:
        kind = "private" if private else "channel"
        self.conversations[channel_id] = Conversation(
            channel_id,
            kind,
            [*members, self.bot_user],
            shared_with=list(shared_with or []),
            team_id=team_id or self.team_id,
        )

    def add_team(
        self,
        team_id: str,
        name: str,
        *,
        enterprise_id: str | None = None,
        enterprise_name: str = "",
    ) -> Team:
        team = Team(team_id, name, enterprise_id, enterprise_name or None)
        self.teams[team_id] = team
        return team

    def add_org(self, enterprise_id: str, name: str, workspaces: dict[str, str]) -> list[Team]:
        """An Enterprise Grid organisation and its workspaces (team id → name)."""
        return [
            self.add_team(team_id, team_name, enterprise_id=enterprise_id, enterprise_name=name)
            for team_id, team_name in workspaces.items()
        ]

    def enterprise_name(self, enterprise_id: str) -> str | None:
        """The name of a known Enterprise Grid organisation (None for any other id)."""
        for team in self.teams.values():
            if team.enterprise_id == enterprise_id:
                return team.enterprise_name or ""
        return None

    def is_org(self, caller_team: str) -> bool:
        """Whether a token is an org-wide install's: it belongs to the organisation itself."""
        return self.enterprise_name(caller_team) is not None

    def organisation_of(self, team_id: str) -> str:
        team = self.teams.get(team_id)
        return team.organisation if team else team_id

    def foreign(self, caller_team: str, team_id: str) -> bool:
        """Whether ``team_id`` is of another organisation than the caller's workspace (or, for
        an org-wide install's token, than the caller's organisation). A token's team never added
        with ``add_team`` sees every workspace's people as its own (the fake's model before
        shared channels: one directory behind several tokens)."""
        known = caller_team in self.teams or self.is_org(caller_team)
        if not known or team_id not in self.teams:
            return False
        return self.organisation_of(team_id) != self.organisation_of(caller_team)

    def connected(self, caller_team: str, team_id: str) -> bool:
        """Whether the caller's workspace may see ``team_id``: its own, one of its Enterprise
        Grid organisation, or one a channel the bot is in is shared with."""
        if not self.foreign(caller_team, team_id):
            return True
        return any(
            team_id in (c.team_id, *c.shared_with)
            for c in self.conversations.values()
            if c.kind in {"channel", "private"} and self.bot_user in c.members
        )

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def new_ts(self) -> str:
        return f"1798000000.{next(self._clock):06d}"

    def authenticate(self, method: str, token: str | None, auth: str) -> Caller | str:
        if method == "oauth.v2.access":
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            return Caller("", "client") if auth == f"Basic {expected}" else "invalid_client_id"
        if method == "apps.connections.open":
            if token in self.tokens:  # Slack takes only an app-level token here
                return "not_allowed_token_type"
            return Caller(self.team_id, "app") if token == APP_TOKEN else "invalid_auth"
        if token is None:
            return "not_authed"
        if token in self.revoked:
            return "token_revoked"
        team = self.tokens.get(token)
        return Caller(team, "bot") if team else "invalid_auth"

    def uninstall(self, team: str) -> None:
        """The workspace removes the app: Slack revokes its tokens (calls with them answer
        ``token_revoked``), then sends ``tokens_revoked`` and ``app_uninstalled``."""
        for token, owner in list(self.tokens.items()):
            if owner == team:
                del self.tokens[token]
                self.revoked.add(token)

    def receive_upload(self, file_id: str, content: bytes) -> bool:
        upload = self.uploads.get(file_id)
        if upload is None:
            return False
        upload["content"] = content
        return True

    def mpim_of(self, people: list[str]) -> Conversation | None:
        wanted = {*people, self.bot_user}
        for conversation in self.conversations.values():
            if conversation.kind in {"mpim", "im"} and set(conversation.members) == wanted:
                return conversation
        return None

    def posts(self) -> list[tuple[str, dict[str, Any]]]:
        """Every message the bot posted, as (conversation, message)."""
        return [
            (c.id, m)
            for c in self.conversations.values()
            for m in c.messages
            if m.get("user") == self.bot_user
        ]

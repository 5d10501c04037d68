"""Payloads from an Enterprise Grid organisation, as Slack stamps them for an app installed
org-wide (https://docs.slack.dev/enterprise, "Using APIs with organization-wide apps" and its
reference payloads):

- a slash command carries ``enterprise_id``, ``enterprise_name`` and
  ``is_enterprise_install: "true"`` (form fields are strings), with the workspace it was typed in
  as ``team_id``;
- an interaction carries ``enterprise: {id, name}`` and ``is_enterprise_install: true``, with
  ``team`` null (the workspace is the user's ``team_id``);
- an event's wrapper carries ``enterprise_id``, the workspace as ``team_id`` and
  ``context_team_id``, and ``authorizations`` (truncated to one entry: the app's own
  installation) with ``is_enterprise_install: true``.

A workspace-level install inside an org (``org_wide=False``) gets the same enterprise fields with
``is_enterprise_install`` false.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.fakes.slack.state import Workspace

Payload = dict[str, Any]


def command(ws: Workspace, body: Payload, team: str, *, org_wide: bool = True) -> Payload:
    enterprise = _enterprise(ws, team)
    stamped = copy.deepcopy(body)
    stamped.update(
        team_id=team,
        enterprise_id=enterprise,
        enterprise_name=ws.enterprise_name(enterprise) or "",
        is_enterprise_install="true" if org_wide else "false",
    )
    return stamped


def interaction(ws: Workspace, body: Payload, team: str, *, org_wide: bool = True) -> Payload:
    enterprise = _enterprise(ws, team)
    stamped = copy.deepcopy(body)
    stamped["enterprise"] = {"id": enterprise, "name": ws.enterprise_name(enterprise) or ""}
    stamped["is_enterprise_install"] = org_wide
    stamped["team"] = None if org_wide else {"id": team, "domain": team.lower()}
    if isinstance(stamped.get("user"), dict):
        stamped["user"]["team_id"] = team
    return stamped


def event(ws: Workspace, body: Payload, team: str, *, org_wide: bool = True) -> Payload:
    enterprise = _enterprise(ws, team)
    stamped = copy.deepcopy(body)
    stamped.update(
        team_id=team,
        enterprise_id=enterprise,
        context_team_id=team,
        context_enterprise_id=enterprise,
        authorizations=[
            {
                "enterprise_id": enterprise,
                "team_id": team,
                "user_id": ws.bot_user,
                "is_bot": True,
                "is_enterprise_install": org_wide,
            }
        ],
    )
    inner = stamped.get("event")
    if isinstance(inner, dict) and "team" in inner:
        inner["team"] = team
    return stamped


def _enterprise(ws: Workspace, team: str) -> str:
    found = ws.teams.get(team)
    if found is None or found.enterprise_id is None:
        raise ValueError(f"{team} is no workspace of an Enterprise Grid organisation in the fake")
    return found.enterprise_id

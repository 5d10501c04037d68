"""The fake's Web API methods: each takes the workspace, the caller and the arguments, and returns
the response's fields (``ok`` is added) or ``{"error": …}`` as Slack would answer."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from tests.fakes.slack import blocks
from tests.fakes.slack.state import Caller, Conversation, Team, Workspace

Result = dict[str, Any]
Handler = Callable[[Workspace, Caller, dict[str, Any]], Result]

HANDLERS: dict[str, Handler] = {}


def handles(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        HANDLERS[name] = handler
        return handler

    return register


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in {"true", "1"}


def _conversation(ws: Workspace, channel: Any) -> Conversation | Result:
    conversation = ws.conversations.get(str(channel))
    return conversation if conversation is not None else {"error": "channel_not_found"}


@handles("auth.test")
def auth_test(ws: Workspace, caller: Caller, args: dict[str, Any]) -> Result:
    """The token's workspace; an org-wide install's token answers for its organisation, whose
    id it gives as both ``team_id`` and ``enterprise_id``."""
    org = ws.enterprise_name(caller.team)
    if org is not None:
        return {
            "url": f"https://{org.lower().replace(' ', '-')}.enterprise.slack.com/",
            "team": org,
            "user": "bridgework",
            "team_id": caller.team,
            "user_id": ws.bot_user,
            "bot_id": ws.bot_id,
            "enterprise_id": caller.team,
            "is_enterprise_install": True,
        }
    return {
        "url": "https://acme.slack.com/",
        "team": ws.team_name,
        "user": "bridgework",
        "team_id": caller.team,
        "user_id": ws.bot_user,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


@handles("conversations.members")
def conversations_members(ws: Workspace, caller: Caller, args: dict[str, Any]) -> Result:
    if "channel" not in args:  # the spec leaves it optional; Slack does not
        return {"error": "channel_not_found", "detail": "no channel"}
    found = _conversation(ws, args["channel"])
    if isinstance(found, dict):
        return found
    limit = min(int(args.get("limit") or 100), 1000)  # "fewer than requested may be returned"
    start = 0
    if args.get("cursor"):  # opaque to clients: base64 of "user:<the next member>"
        try:
            start = found.members.index(_uncursor(str(args["cursor"])))
        except ValueError:
            return {"error": "invalid_cursor"}
    page = found.members[start : start + limit]
    following = start + limit
    cursor = _cursor(found.members[following]) if following < len(found.members) else ""
    return {"members": page, "response_metadata": {"next_cursor": cursor}}


def _cursor(user: str) -> str:
    return base64.b64encode(f"user:{user}".encode()).decode()


def _uncursor(cursor: str) -> str:
    try:
        return base64.b64decode(cursor.encode(), validate=True).decode().removeprefix("user:")
    except (ValueError, UnicodeDecodeError):
        return ""


@handles("users.info")
def users_info(ws: Workspace, caller: Caller, args: dict[str, Any]) -> Result:
    user = ws.users.get(str(args.get("user")))
    if user is None:
        return {"error": "user_not_found"}
    if not ws.connected(caller.team, user.team_id):
        return {"error": "user_not_visible"}
    return {"user": user.record(ws.field_id, ws.teams)}


@handles("users.profile.get")
def users_profile_get(ws: Workspace, caller: Caller, args: dict[str, Any]) -> Result:
    user = ws.users.get(str(args.get("user")))
    if user is None:
        return {"error": "user_not_found"}
    if ws.foreign(caller.team, user.team_id):
        # A partner's person: their custom fields are their own workspace's, not this one's.
        return {"profile": {**user.profile(ws.field_id), "fields": {}}}
    return {"profile": user.profile(ws.field_id)}


@handles("team.info")
def team_info(ws: Workspace, caller: Caller, args: dict[str, Any]) -> Result:
    """The caller's workspace, or with ``team`` one it can see: of its Enterprise Grid
    organisation, or connected to it by a shared channel."""
    wanted = str(args.get("team") or caller.team)
    team = ws.teams.get(wanted)
    if team is None and wanted == caller.team:  # a token's team never added: a plain workspace
        team = Team(wanted, f"Team {wanted}")
    if team is None or not ws.connected(caller.team, wanted):
        return {"error": "team_not_found"}
    return {"team": team.record()}


@handles("conversations.info")
def conversations_info(ws: Workspace, caller: Caller, args: dict[str, Any]) -> Result:
    if "channel" not in args:
        return {"error": "channel_not_found", "detail": "no channel"}
    found = _conversation(ws, args["channel"])
    if isinstance(found, dict):
        return found
    host = ws.organisation_of(found.team_id)
    ext = any(ws.organisation_of(t) != host for t in found.shared_with)
    channel: dict[str, Any] = {
        "id": found.id,
        "name": found.id.lower(),
        "name_normalized": found.id.lower(),
        "created": 1798000000,
        "creator": "U0CREATOR",
        "is_archived": found.archived,
        "is_channel": found.kind == "channel",
        "is_group": found.kind == "private",
        "is_im": found.kind == "im",
        "is_mpim": found.kind == "mpim",
        "is_private": found.kind != "channel",
        "is_general": False,
        "is_shared": bool(found.shared_with),
        "is_ext_shared": ext,
        "is_org_shared": bool(found.shared_with) and not ext,
        "is_member": ws.bot_user in found.members,
        "shared_team_ids": [found.team_id, *found.shared_with],
        "topic": {"value": "", "creator": "", "last_set": 0},
        "purpose": {"value": "", "creator": "", "last_set": 0},
    }
    if ext:
        channel["connected_team_ids"] = [found.team_id, *found.shared_with]
    if host != found.team_id:  # an Enterprise Grid org's channel: its host and org workspaces
        channel["conversation_host_id"] = found.team_id
        inside = [t for t in (found.team_id, *found.shared_with) if ws.organisation_of(t) == host]
        channel["internal_team_ids"] = list(dict.fromkeys(inside))
    return {"channel": channel}


@handles("usergroups.list")
def usergroups_list(ws: Workspace, caller: Caller, args: dict[str, Any]) -> Result:
    if not ws.paid:
        return {"error": "plan_upgrade_required"}
    team = caller.team
    if ws.is_org(caller.team):  # "team_id … required if org token is used"
        if not args.get("team_id"):
            return {"error": "missing_argument", "detail": "an org token needs team_id"}
        team = str(args["team_id"])
        if ws.organisation_of(team) != caller.team:
            return {"error": "team_not_found"}
    include_users = _truthy(args.get("include_users"))
    include_disabled = _truthy(args.get("include_disabled"))
    groups = [g for g in ws.usergroups.values() if include_disabled or not g.disabled]
    return {"usergroups": [g.record(team, include_users=include_users) for g in groups]}


@handles("usergroups.users.list")
def usergroups_users_list(ws: Workspace, caller: Caller, args: dict[str, Any]) -> Result:
    if not ws.paid:
        return {"error": "plan_upgrade_required"}
    group = ws.usergroups.get(str(args.get("usergroup")))
    if group is None or (group.disabled and not _truthy(args.get("include_disabled"))):
        return {"error": "no_such_subteam"}
    return {"users": list(group.users)}


@handles("team.profile.get")
def team_profile_get(ws: Workspace, caller: Caller, args: dict[str, Any]) -> Result:
    fields = [{"id": ws.field_id, "ordering": 0, "label": ws.field_label, "type": "text"}]
    return {"profile": {"fields": fields if ws.field_label else []}}


@handles("conversations.open")
def conversations_open(ws: Workspace, caller: Caller, args: dict[str, Any]) -> Result:
    people = [p for p in str(args.get("users") or "").split(",") if p]
    if not people:
        return {"error": "users_list_not_supplied"}
    if len(people) > 8:
        return {"error": "too_many_users"}
    for person in people:
        user = ws.users.get(person)
        if user is None:
            return {"error": "user_not_found"}
        if user.deleted:
            return {"error": "user_disabled"}
        if user.is_bot:
            return {"error": "cannot_dm_bot"}
        if ws.foreign(caller.team, user.team_id):
            # A bot opens direct messages inside its own organisation only: a Slack Connect
            # partner's people are in the shared channel, not in the app's workspace.
            return {"error": "invalid_user_combination"}
    existing = ws.mpim_of(people)
    if existing is not None:
        if existing.closed:  # opened again: back in the sidebar
            existing.closed = False
            return {"channel": {"id": existing.id}}
        return {"channel": {"id": existing.id}, "already_open": True, "no_op": True}
    kind = "im" if len(people) == 1 else "mpim"
    conversation = Conversation(
        ws.new_id("D" if kind == "im" else "G"), kind, [*people, ws.bot_user]
    )
    ws.conversations[conversation.id] = conversation
    return {"channel": {"id": conversation.id}}


@handles("conversations.close")
def conversations_close(ws: Workspace, caller: Caller, args: dict[str, Any]) -> Result:
    """Close a direct message or group DM (the spec's errors: no other kind of conversation,
    none the caller cannot see); one already closed is ``ok``, with ``already_closed``."""
    found = _conversation(ws, args.get("channel"))
    if isinstance(found, dict):
        return found
    if ws.bot_user not in found.members:
        return {"error": "channel_not_found"}  # someone else's DM: invisible to the bot
    if found.kind not in {"im", "mpim"}:
        return {"error": "method_not_supported_for_channel_type"}
    if found.closed:
        return {"no_op": True, "already_closed": True}
    found.closed = True
    return {}


@handles("conversations.history")
def conversations_history(ws: Workspace, caller: Caller, args: dict[str, Any]) -> Result:
    found = _conversation(ws, args.get("channel"))
    if isinstance(found, dict):
        return found
    if ws.bot_user not in found.members:
        return {"error": "not_in_channel"}
    limit = int(args.get("limit") or 100)
    top = [m for m in found.messages if m.get("thread_ts", m["ts"]) == m["ts"]]  # no replies
    messages = list(reversed(top))[:limit]
    if not _truthy(args.get("include_all_metadata")):
        messages = [{k: v for k, v in m.items() if k != "metadata"} for m in messages]
    return {"messages": messages, "has_more": len(top) > limit}


@handles("conversations.replies")
def conversations_replies(ws: Workspace, caller: Caller, args: dict[str, Any]) -> Result:
    found = _conversation(ws, args.get("channel"))
    if isinstance(found, dict):
        return found
    if "ts" not in args:  # the spec leaves it optional; Slack does not
        return {"error": "thread_not_found", "detail": "no ts"}
    if ws.bot_user not in found.members:
        return {"error": "not_in_channel"}
    ts = str(args["ts"])
    thread = [m for m in found.messages if m["ts"] == ts or m.get("thread_ts") == ts]
    if not thread:
        return {"error": "thread_not_found"}
    limit = int(args.get("limit") or 100)  # oldest first, the parent first
    messages = thread[:limit]
    if not _truthy(args.get("include_all_metadata")):
        messages = [{k: v for k, v in m.items() if k != "metadata"} for m in messages]
    return {"messages": messages, "has_more": len(thread) > limit}


@handles("chat.postMessage")
def chat_post_message(ws: Workspace, caller: Caller, args: dict[str, Any]) -> Result:
    found = _conversation(ws, args["channel"])
    if isinstance(found, dict):
        return found
    if found.archived:
        return {"error": "is_archived"}
    if ws.bot_user not in found.members:
        return {"error": "not_in_channel"}
    problem = _message_problem(args)
    if problem:
        return problem
    message: dict[str, Any] = {
        "type": "message",
        "user": ws.bot_user,
        "bot_id": ws.bot_id,
        "ts": ws.new_ts(),
        "text": args.get("text", ""),
        "blocks": args.get("blocks") or [],
    }
    if args.get("metadata"):
        message["metadata"] = args["metadata"]
    if args.get("thread_ts"):
        parent = next((m for m in found.messages if m["ts"] == str(args["thread_ts"])), None)
        if parent is None or parent.get("thread_ts", parent["ts"]) != parent["ts"]:
            return {"error": "thread_not_found", "detail": "no such parent message"}
        parent["thread_ts"] = parent["ts"]
        parent["reply_count"] = int(parent.get("reply_count", 0)) + 1
        message["thread_ts"] = parent["ts"]
        message["parent_user_id"] = parent.get("user")
    found.closed = False  # a new message brings a closed DM back to the sidebar
    found.messages.append(message)
    return {"channel": found.id, "ts": message["ts"], "message": message}


@handles("chat.postEphemeral")
def chat_post_ephemeral(ws: Workspace, caller: Caller, args: dict[str, Any]) -> Result:
    found = _conversation(ws, args["channel"])
    if isinstance(found, dict):
        return found
    if ws.bot_user not in found.members:
        return {"error": "not_in_channel"}
    if str(args["user"]) not in found.members:
        return {"error": "user_not_in_channel"}
    problem = _message_problem(args)
    if problem:
        return problem
    ts = ws.new_ts()
    ws.ephemerals.append({**args, "message_ts": ts})
    return {"message_ts": ts}


@handles("chat.update")
def chat_update(ws: Workspace, caller: Caller, args: dict[str, Any]) -> Result:
    found = _conversation(ws, args["channel"])
    if isinstance(found, dict):
        return found
    problem = _message_problem(args)
    if problem:
        return problem
    for message in found.messages:
        if message["ts"] == args["ts"]:
            if message.get("user") != ws.bot_user:
                return {"error": "cant_update_message"}
            message["text"] = args.get("text", message["text"])
            message["blocks"] = args.get("blocks") or []
            message["edited"] = {"user": ws.bot_user, "ts": ws.new_ts()}
            return {"channel": found.id, "ts": message["ts"], "text": message["text"]}
    return {"error": "message_not_found"}


@handles("views.open")
def views_open(ws: Workspace, caller: Caller, args: dict[str, Any]) -> Result:
    if not str(args.get("trigger_id") or "").startswith("trigger-"):
        return {"error": "invalid_trigger_id"}
    problems = blocks.view_problems(args["view"], "modal")
    if problems:
        return {"error": "invalid_arguments", "detail": "; ".join(problems)}
    view = {**args["view"], "id": ws.new_id("V")}
    ws.modals.append(view)
    return {"view": view}


@handles("views.publish")
def views_publish(ws: Workspace, caller: Caller, args: dict[str, Any]) -> Result:
    if str(args["user_id"]) not in ws.users:
        return {"error": "user_not_found"}
    problems = blocks.view_problems(args["view"], "home")
    if problems:
        return {"error": "invalid_arguments", "detail": "; ".join(problems)}
    view = {**args["view"], "id": ws.new_id("V")}
    ws.homes[str(args["user_id"])] = view
    return {"view": view}


@handles("files.getUploadURLExternal")
def files_get_upload_url(ws: Workspace, caller: Caller, args: dict[str, Any]) -> Result:
    file_id = ws.new_id("F")
    ws.uploads[file_id] = {
        "filename": args["filename"],
        "length": int(args["length"]),
        "alt_txt": args.get("alt_txt"),
        "content": None,
        "completed": False,
    }
    return {"upload_url": f"{ws.base}/upload/{file_id}", "file_id": file_id}


@handles("files.completeUploadExternal")
def files_complete_upload(ws: Workspace, caller: Caller, args: dict[str, Any]) -> Result:
    """Completes the uploads; with ``channel_id`` (or ``channels``) shares them there as one
    message carrying the files and ``initial_comment``, in ``thread_ts``'s thread if given, as
    Slack does. Like chat.postMessage it refuses a conversation the bot is not in, and an upload
    completed once cannot be completed again."""
    items = args["files"]
    if isinstance(items, str):
        items = json.loads(items)
    shared = args.get("channel_id") or args.get("channels")
    target: Conversation | None = None
    if shared:
        if args.get("channel_id") and args.get("channels"):
            return {"error": "invalid_arguments", "detail": "channel_id and channels both given"}
        found = _conversation(ws, str(shared).split(",")[0])
        if isinstance(found, dict):
            return found
        target = found
        if target.archived:
            return {"error": "is_archived"}
        if ws.bot_user not in target.members:
            return {"error": "not_in_channel"}
    done: list[dict[str, Any]] = []
    for item in items:
        upload = ws.uploads.get(item.get("id"))
        if upload is None or upload["content"] is None or upload["completed"]:
            return {"error": "file_not_found"}
        if len(upload["content"]) != upload["length"]:
            return {"error": "file_upload_size_mismatch", "detail": "length differs from upload"}
        done.append({"id": item["id"], "name": upload["filename"], "title": item.get("title")})
    for item in items:
        upload = ws.uploads[item["id"]]
        upload["completed"] = True
        upload["title"] = item.get("title")
        upload["shared"] = shared
    if target is not None:
        message: dict[str, Any] = {
            "type": "message",
            "user": ws.bot_user,
            "bot_id": ws.bot_id,
            "ts": ws.new_ts(),
            "text": args.get("initial_comment") or "",
            "upload": True,
            "files": [{**f, "mode": "hosted"} for f in done],
        }
        if args.get("thread_ts"):
            parent = next((m for m in target.messages if m["ts"] == str(args["thread_ts"])), None)
            if parent is None:
                return {"error": "thread_not_found", "detail": "no such parent message"}
            parent["thread_ts"] = parent["ts"]
            parent["reply_count"] = int(parent.get("reply_count", 0)) + 1
            message["thread_ts"] = parent["ts"]
        target.messages.append(message)
    return {"files": done}


@handles("files.info")
def files_info(ws: Workspace, caller: Caller, args: dict[str, Any]) -> Result:
    upload = ws.uploads.get(str(args.get("file")))
    if upload is None:
        return {"error": "file_not_found"}
    return {"file": {"id": args["file"], "name": upload["filename"], "title": upload.get("title")}}


@handles("oauth.v2.access")
def oauth_access(ws: Workspace, caller: Caller, args: dict[str, Any]) -> Result:
    """The exchange of a code for the bot token: a workspace's install, or (a code given for an
    Enterprise Grid organisation's id) an org-wide one, answered as Slack's reference shows it:
    ``team`` null, the ``enterprise``, ``is_enterprise_install`` true."""
    team = ws.codes.pop(str(args["code"]), None)
    if team is None:
        return {"error": "invalid_code"}
    token = f"xoxb-{team}-installed-token"
    while token in ws.revoked:  # an install after an uninstall gets a new token
        token = f"xoxb-{team}-{ws.new_id('installed')}"
    ws.tokens[token] = team
    org = ws.enterprise_name(team)
    if org is not None:
        return {
            "access_token": token,
            "token_type": "bot",
            "scope": "commands,chat:write",
            "bot_user_id": ws.bot_user,
            "app_id": ws.app_id,
            "team": None,
            "enterprise": {"id": team, "name": org},
            "authed_user": {"id": "U0INSTALLER"},
            "is_enterprise_install": True,
        }
    return {
        "access_token": token,
        "token_type": "bot",
        "scope": "commands,chat:write",
        "bot_user_id": ws.bot_user,
        "app_id": ws.app_id,
        "team": {"id": team, "name": f"Team {team}"},
        "enterprise": None,
        "authed_user": {"id": "U0INSTALLER"},
        "is_enterprise_install": False,
    }


@handles("apps.connections.open")
def apps_connections_open(ws: Workspace, caller: Caller, args: dict[str, Any]) -> Result:
    ticket = ws.new_id("ticket-")
    ws.tickets.add(ticket)
    return {"url": ws.base.replace("http://", "ws://") + f"/socket?ticket={ticket}"}


def _message_problem(args: dict[str, Any]) -> Result | None:
    if not args.get("text") and not args.get("blocks"):
        return {"error": "no_text"}
    if "blocks" in args:
        problems = blocks.problems(args["blocks"], "message")
        if problems:
            return {"error": "invalid_blocks", "detail": "; ".join(problems)}
    if len(str(args.get("text", ""))) > 40000:
        return {"error": "msg_too_long"}
    return None

"""The slash commands: three top-level commands whose subcommands are the core parser's commands.

Discord lets a server's admins choose who sees each top-level command (Server Settings →
Integrations), never a subcommand, so the commands are split by who uses them: ``/bridgework``
(members), ``/bridgework-lead`` (facilitators and leads) and ``/bridgework-admin`` (admins), each
with its ``default_member_permissions``. That is only the first gate: the core checks each
person's Bridgework role whatever Discord shows them.

Each subcommand only turns its options into the command text the core parses, and hands it on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from adapters.discord.translate import command_text, pause_text, quoted
from bot.set_command import SET_USAGE
from bot.texts import copy

Run = Callable[[discord.Interaction[Any], str], Awaitable[None]]
"""Hands the command text on; ``#<id>`` in it names a channel the person mentioned."""
HOME = "home"  # not a parser command: the home view (status with buttons)
MEMBER, LEAD, ADMIN = "bridgework", "bridgework-lead", "bridgework-admin"
LEAD_PERMISSIONS: discord.Permissions | None = None  # everyone: the core checks the role
ADMIN_PERMISSIONS = discord.Permissions(manage_guild=True)  # Manage Server, as Discord names it

ROLES = [app_commands.Choice(name=n, value=n) for n in ("facilitator", "lead", "admin")]
ROLE_ACTIONS = [app_commands.Choice(name=n, value=n) for n in ("grant", "revoke", "link", "unlink")]

MAX_CHOICES = 25  # Discord's limit on one option's choices
# Every setting the core's `set` takes, from the core's own list: none can go missing here. Past
# Discord's limit, the option would need autocomplete instead (a test says so first).
SETTINGS = [app_commands.Choice(name=name, value=name) for name in SET_USAGE][:MAX_CHOICES]


class BridgeworkCommands(app_commands.Group):
    """``/bridgework …``: what every member uses; open to everyone."""

    def __init__(self, run: Run) -> None:
        super().__init__(name=MEMBER, description=copy("discord.command.bridgework"))
        self.run = run

    @app_commands.command(name="join", description=copy("discord.command.join"))
    async def join(self, interaction: discord.Interaction[Any]) -> None:
        await self.run(interaction, "join")

    @app_commands.command(name="leave", description=copy("discord.command.leave"))
    async def leave(self, interaction: discord.Interaction[Any]) -> None:
        await self.run(interaction, "leave")

    @app_commands.command(name="pause", description=copy("discord.command.pause"))
    @app_commands.describe(until=copy("discord.command.pause.until"))
    async def pause(self, interaction: discord.Interaction[Any], until: str) -> None:
        await self.run(interaction, pause_text(until))

    @app_commands.command(name="resume", description=copy("discord.command.resume"))
    async def resume(self, interaction: discord.Interaction[Any]) -> None:
        await self.run(interaction, "resume")

    @app_commands.command(name="team", description=copy("discord.command.team"))
    @app_commands.describe(path=copy("discord.command.team.path"))
    async def team(self, interaction: discord.Interaction[Any], path: str) -> None:
        await self.run(interaction, command_text("team", path))

    @app_commands.command(name="timezone", description=copy("discord.command.timezone"))
    @app_commands.describe(zone=copy("discord.command.timezone.zone"))
    async def timezone(self, interaction: discord.Interaction[Any], zone: str) -> None:
        await self.run(interaction, command_text("timezone", zone))

    @app_commands.command(name="hours", description=copy("discord.command.hours"))
    @app_commands.describe(hours=copy("discord.command.hours.hours"))
    async def hours(self, interaction: discord.Interaction[Any], hours: str = "") -> None:
        await self.run(interaction, command_text("hours", hours))

    @app_commands.command(name="about", description=copy("discord.command.about"))
    @app_commands.describe(line=copy("discord.command.about.line"))
    async def about(self, interaction: discord.Interaction[Any], line: str = "") -> None:
        await self.run(interaction, command_text("about", line))

    @app_commands.command(name="status", description=copy("discord.command.status"))
    async def status(self, interaction: discord.Interaction[Any]) -> None:
        await self.run(interaction, "status")

    @app_commands.command(name="intro", description=copy("discord.command.intro"))
    async def intro(self, interaction: discord.Interaction[Any]) -> None:
        await self.run(interaction, "intro me")

    @app_commands.command(name="help", description=copy("discord.command.help"))
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        await self.run(interaction, "help")

    @app_commands.command(name=HOME, description=copy("discord.command.home"))
    async def home(self, interaction: discord.Interaction[Any]) -> None:
        await self.run(interaction, HOME)

    @app_commands.command(name="my-data", description=copy("discord.command.my-data"))
    async def my_data(self, interaction: discord.Interaction[Any]) -> None:
        await self.run(interaction, "my-data")

    @app_commands.command(name="forget-me", description=copy("discord.command.forget-me"))
    async def forget_me(self, interaction: discord.Interaction[Any]) -> None:
        await self.run(interaction, "forget-me")


class LeadCommands(app_commands.Group):
    """``/bridgework-lead …``: facilitators' and leads' commands. Open to everyone by default
    (Discord knows nothing of a lead granted in chat); the core refuses whoever lacks the role,
    and a server's admins may narrow it under Integrations."""

    def __init__(self, run: Run) -> None:
        super().__init__(
            name=LEAD,
            description=copy("discord.command.bridgework-lead"),
            default_permissions=LEAD_PERMISSIONS,
        )
        self.run = run

    @app_commands.command(name="digest", description=copy("discord.command.digest"))
    async def digest(self, interaction: discord.Interaction[Any]) -> None:
        await self.run(interaction, "digest")

    @app_commands.command(name="dashboard", description=copy("discord.command.dashboard"))
    async def dashboard(self, interaction: discord.Interaction[Any]) -> None:
        await self.run(interaction, "dashboard")

    @app_commands.command(name="prompt", description=copy("discord.command.prompt"))
    @app_commands.describe(
        what=copy("discord.command.prompt.what"), channel=copy("discord.command.prompt.channel")
    )
    async def prompt(
        self,
        interaction: discord.Interaction[Any],
        what: str,
        channel: discord.TextChannel | None = None,
    ) -> None:
        where = f"<#{channel.id}>" if channel is not None else ""
        await self.run(interaction, command_text("prompt", what, where))

    @app_commands.command(name="suggest", description=copy("discord.command.suggest"))
    @app_commands.describe(
        first=copy("discord.command.suggest.person"),
        second=copy("discord.command.suggest.person"),
        topic=copy("discord.command.suggest.topic"),
        third=copy("discord.command.suggest.person"),
    )
    async def suggest(
        self,
        interaction: discord.Interaction[Any],
        first: discord.Member,
        second: discord.Member,
        topic: str,
        third: discord.Member | None = None,
    ) -> None:
        people = [f"<@{p.id}>" for p in (first, second, third) if p is not None]
        await self.run(interaction, command_text("suggest", *people, quoted(topic)))

    @app_commands.command(name="checkin", description=copy("discord.command.checkin"))
    @app_commands.describe(what=copy("discord.command.checkin.what"))
    async def checkin(self, interaction: discord.Interaction[Any], what: str) -> None:
        await self.run(interaction, command_text("checkin", what))

    @app_commands.command(name="library", description=copy("discord.command.library"))
    @app_commands.describe(what=copy("discord.command.library.what"))
    async def library(self, interaction: discord.Interaction[Any], what: str) -> None:
        await self.run(interaction, command_text("library", what))

    @app_commands.command(name="themes", description=copy("discord.command.themes"))
    @app_commands.describe(what=copy("discord.command.themes.what"))
    async def themes(self, interaction: discord.Interaction[Any], what: str = "list") -> None:
        await self.run(interaction, command_text("themes", what))


class AdminCommands(app_commands.Group):
    """``/bridgework-admin …``: settings and roles. Shown by default to members with Manage
    Server (who are Bridgework admins already); the core checks the role all the same."""

    def __init__(self, run: Run) -> None:
        super().__init__(
            name=ADMIN,
            description=copy("discord.command.bridgework-admin"),
            default_permissions=ADMIN_PERMISSIONS,
        )
        self.run = run

    @app_commands.command(name="set", description=copy("discord.command.set"))
    @app_commands.describe(
        setting=copy("discord.command.set.setting"),
        value=copy("discord.command.set.value"),
        channel=copy("discord.command.set.channel"),
    )
    @app_commands.choices(setting=SETTINGS)
    async def set(
        self,
        interaction: discord.Interaction[Any],
        setting: app_commands.Choice[str],
        value: str = "",
        channel: discord.TextChannel | None = None,
    ) -> None:
        where = f"<#{channel.id}>" if channel is not None else value
        await self.run(interaction, command_text("set", setting.value, where))

    @app_commands.command(name="role", description=copy("discord.command.role"))
    @app_commands.describe(
        action=copy("discord.command.role.action"),
        role=copy("discord.command.role.role"),
        person=copy("discord.command.role.person"),
        platform_role=copy("discord.command.role.platform_role"),
    )
    @app_commands.choices(action=ROLE_ACTIONS, role=ROLES)
    async def role(
        self,
        interaction: discord.Interaction[Any],
        action: app_commands.Choice[str],
        role: app_commands.Choice[str],
        person: discord.Member | None = None,
        platform_role: discord.Role | None = None,
    ) -> None:
        if action.value in {"grant", "revoke"}:
            who = f"<@{person.id}>" if person is not None else ""
            await self.run(interaction, command_text("role", action.value, who, role.value))
        else:
            name = f'"{platform_role.name}"' if platform_role is not None else ""
            await self.run(interaction, command_text("role", action.value, role.value, name))

    @app_commands.command(name="roles", description=copy("discord.command.roles"))
    async def roles(self, interaction: discord.Interaction[Any]) -> None:
        await self.run(interaction, "roles")

    @app_commands.command(name="opt-out", description=copy("discord.command.opt-out"))
    @app_commands.describe(person=copy("discord.command.opt.person"))
    async def opt_out(self, interaction: discord.Interaction[Any], person: discord.Member) -> None:
        await self.run(interaction, command_text("opt-out", f"<@{person.id}>"))

    @app_commands.command(name="opt-in", description=copy("discord.command.opt-in"))
    @app_commands.describe(person=copy("discord.command.opt.person"))
    async def opt_in(self, interaction: discord.Interaction[Any], person: discord.Member) -> None:
        await self.run(interaction, command_text("opt-in", f"<@{person.id}>"))

    @app_commands.command(name="skip", description=copy("discord.command.skip"))
    @app_commands.describe(days=copy("discord.command.skip.days"))
    async def skip(self, interaction: discord.Interaction[Any], days: str = "list") -> None:
        await self.run(interaction, command_text("skip", days))


def all_commands(run: Run) -> list[app_commands.Group]:
    """The three top-level commands, for the command tree."""
    return [BridgeworkCommands(run), LeadCommands(run), AdminCommands(run)]

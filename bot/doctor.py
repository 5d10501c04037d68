"""`bridgework doctor`: each check as a line, OK or a fix to try."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import BridgeworkError, ConfigError, StoreError
from bot.settings import Settings, load_settings
from bot.store import migrate
from bot.store.db import Database


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


async def run_checks(env_file: str | None = ".env") -> list[Check]:
    checks: list[Check] = []
    try:
        settings = load_settings(env_file=env_file)
    except ConfigError as exc:
        return [Check("settings", False, f"{exc} — fix it in the environment or .env")]
    checks.append(Check("settings", True, "all settings are valid"))
    checks.extend(await _database(settings))
    if checks[-1].ok:
        checks.extend(await _leads(settings))
    checks.extend(await _platforms(settings))
    return checks


async def _database(settings: Settings) -> list[Check]:
    db = Database(settings.database)
    try:
        await db.ping()
    except StoreError as exc:
        await db.dispose()
        return [Check("database", False, f"{exc} — check DATABASE_URL and that the server runs")]
    try:
        current = await migrate.current_revision(db)
        head = migrate.head_revision()
    finally:
        await db.dispose()
    reached = Check("database", True, f"reachable at {db.location}")
    if current == head:
        return [reached, Check("schema", True, f"current ({head})")]
    return [
        reached,
        Check(
            "schema",
            False,
            f"at {current or 'none'}, this version needs {head} — run `bridgework db upgrade`",
        ),
    ]


async def _leads(settings: Settings) -> list[Check]:
    """A community whose digest goes to leads privately, and has none, gets it nowhere."""
    from bot.services.roles import without_lead

    db = Database(settings.database)
    try:
        async with db.session() as session:
            missing = await without_lead(session)
    finally:
        await db.dispose()
    return [
        Check(
            "leads",
            False,
            f"community {cid} ({name}) has no lead, so its weekly digest goes to nobody — "
            f"`bridgework role grant PERSON lead --community {cid}`, or a digest channel",
        )
        for cid, name in missing
    ]


async def _platforms(settings: Settings) -> list[Check]:
    checks: list[Check] = []
    if settings.slack_bot_token is not None:
        checks.append(await _adapter_check("slack", settings))
    if settings.discord_token is not None:
        checks.append(await _adapter_check("discord", settings))
    if settings.llm_enabled:
        checks.append(
            Check(
                "llm",
                True,
                f"configured: model {settings.llm_model} (off until an admin enables it)",
            )
        )
    if not checks:
        checks.append(
            Check(
                "platforms",
                True,
                "none configured: the console adapter is available (`bridgework run --console`)",
            )
        )
    return checks


async def _adapter_check(name: str, settings: Settings) -> Check:
    from bot.plugins import load_adapter

    try:
        adapter = load_adapter(name)
    except BridgeworkError as exc:
        return Check(name, False, str(exc))
    checker = getattr(adapter, "check_credentials", None)
    if checker is None:
        return Check(
            name, False, f"credentials are set, but this version has no {name} adapter yet"
        )
    ok, detail = await checker(settings)
    return Check(name, bool(ok), str(detail))

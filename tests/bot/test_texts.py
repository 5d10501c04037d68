"""Every text the code asks for by name exists, every text is used, and none uses a title."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot import texts

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for d in ("bot", "adapters") for p in (ROOT / d).rglob("*.py")]


def names_used_in_code() -> set[str]:
    used: set[str] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name | ast.Attribute)
                and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) == "copy"
                and node.args
            ):
                first = node.args[0]
                assert isinstance(first, ast.Constant), f"{path}: copy() needs a literal name"
                used.add(str(first.value))
    return used


def test_every_copy_name_the_code_uses_exists() -> None:
    used = names_used_in_code()
    assert used, "the scan found no copy() calls at all"
    assert used - texts.copy_names() == set()


def test_every_copy_text_is_used_somewhere() -> None:
    assert texts.copy_names() - names_used_in_code() == set()


def test_no_text_addresses_people_by_title() -> None:
    titles = re.compile(r"\b(Mr|Mrs|Ms|Dr|Prof|Sir|Madam)\b\.?")
    for name in texts.copy_names():
        assert not titles.search(texts.copy(name, **_blank_values(name))), name


def test_there_are_enough_distinct_conversation_starters() -> None:
    starters = texts.starters()
    assert len(starters) >= 30
    assert len(texts.library("listening")) >= 20
    assert len(texts.library("reflection")) >= 20
    assert any("Listening pair" in s.text for s in texts.library("listening"))
    assert len({s.id for s in starters}) == len(starters)
    assert len({s.text for s in starters}) == len(starters)


def _blank_values(name: str) -> dict[str, str]:
    template = texts._copy_table()[name]
    return {field: "x" for field in re.findall(r"{(\w+)}", template)}

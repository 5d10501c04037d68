"""User-facing copy and prompt texts, loaded by name from the ``prompts`` package's YAML files."""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True)
class Starter:
    id: str
    text: str
    tags: tuple[str, ...]


@cache
def _load(name: str) -> Any:
    source = resources.files("prompts").joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(source)


@cache
def copy_names() -> frozenset[str]:
    return frozenset(_copy_table())


def _copy_table() -> dict[str, str]:
    table = _load("copy")
    if not isinstance(table, dict):
        raise TypeError("prompts/copy.yaml must map names to texts")
    return {str(k): str(v).rstrip("\n") for k, v in table.items()}


def copy(name: str, /, **values: object) -> str:
    """The text called ``name`` in prompts/copy.yaml, with ``{placeholders}`` filled in."""
    template = _copy_table()[name]
    return string.Formatter().vformat(template, (), values)


def count(n: int, one: str, many: str | None = None) -> str:
    """``n`` and an operator's noun in the right number: "1 group", "3 groups"."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def people(n: int) -> str:
    """ "1 person", "3 people", in the words of prompts/copy.yaml; likewise the others below."""
    return copy("count.person") if n == 1 else copy("count.people", n=n)


def answers(n: int) -> str:
    return copy("count.answer") if n == 1 else copy("count.answers", n=n)


def themes(n: int) -> str:
    return copy("count.theme") if n == 1 else copy("count.themes", n=n)


def respondents(n: int) -> str:
    return copy("count.respondent") if n == 1 else copy("count.respondents", n=n)


@cache
def library(kind: str) -> tuple[Starter, ...]:
    """The bundled texts of one kind: ``starter``, ``listening`` or ``reflection``."""
    file, key = {
        "starter": ("starters", "starters"),
        "listening": ("listening", "listening"),
        "reflection": ("reflections", "reflections"),
    }[kind]
    return tuple(
        Starter(id=str(item["id"]), text=str(item["text"]), tags=tuple(item.get("tags", ())))
        for item in _load(file)[key]
    )


def starters() -> tuple[Starter, ...]:
    return library("starter")

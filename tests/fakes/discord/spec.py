"""Discord's published OpenAPI description, used to check every request the fake receives.

A request passes when its path and method exist in the spec and its JSON body has the fields the
spec requires, of the types it names, within its lengths and counts. The spec is Discord's own
(``tests/fakes/specs/discord/openapi.json``, MIT, see the LICENSE next to it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).resolve().parent.parent / "specs" / "discord" / "openapi.json"

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Operation:
    template: str  # e.g. /channels/{channel_id}/messages
    method: str
    params: dict[str, str]
    body: JsonObject | None  # the requestBody object, when the operation takes one


class Spec:
    def __init__(self, document: JsonObject) -> None:
        self.document = document
        self._routes: list[tuple[re.Pattern[str], str, int]] = []
        for template in document["paths"]:
            pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
            self._routes.append((re.compile(pattern + "$"), template, template.count("{")))
        # Literal segments win over parameters: /users/@me before /users/{user_id}.
        self._routes.sort(key=lambda route: route[2])

    def operation(self, method: str, path: str) -> Operation | None:
        for pattern, template, _ in self._routes:
            match = pattern.match(path)
            if match is None:
                continue
            item = self.document["paths"][template]
            operation = item.get(method.lower())
            if operation is None:
                continue
            return Operation(
                template, method.upper(), match.groupdict(), operation.get("requestBody")
            )
        return None

    def check_body(self, operation: Operation, content_type: str, body: Any) -> list[str]:
        """The ways ``body`` breaks the operation's request schema (none when it conforms)."""
        if operation.body is None:
            return [] if body is None else ["this operation takes no body"]
        if body is None:
            return ["a body is required"] if operation.body.get("required") else []
        content = operation.body.get("content", {})
        media = content.get(content_type) or content.get("application/json")
        if media is None:
            return [f"the spec accepts no {content_type} body here"]
        return self.check(media["schema"], body, "body")

    def check(self, schema: JsonObject, value: Any, where: str) -> list[str]:
        schema = self._resolve(schema)
        errors: list[str] = []
        for part in schema.get("allOf", ()):
            errors.extend(self.check(part, value, where))
        branches = schema.get("anyOf") or schema.get("oneOf")
        if branches:
            results: list[list[str]] = [self.check(b, value, where) for b in branches]
            if all(results):
                errors.extend(sorted(results, key=len)[0])
        kinds = schema.get("type")
        if schema.get("format") == "snowflake" and isinstance(value, int):
            value = str(value)  # Discord takes snowflakes as numbers too (discord.py sends them)
        if kinds is not None and not _is_type(value, kinds):
            return [*errors, f"{where}: expected {kinds}, got {type(value).__name__}"]
        if "enum" in schema and value is not None and value not in schema["enum"]:
            errors.append(f"{where}: {value!r} is not one of {schema['enum']}")
        if isinstance(value, dict):
            errors.extend(self._check_object(schema, value, where))
        elif isinstance(value, list):
            if len(value) > schema.get("maxItems", len(value)):
                errors.append(f"{where}: more than {schema['maxItems']} items")
            if "items" in schema:
                for index, item in enumerate(value):
                    errors.extend(self.check(schema["items"], item, f"{where}[{index}]"))
        elif isinstance(value, str):
            if len(value) > schema.get("maxLength", len(value)):
                errors.append(f"{where}: longer than {schema['maxLength']} characters")
            if len(value) < schema.get("minLength", 0):
                errors.append(f"{where}: shorter than {schema['minLength']} characters")
        return errors

    def _check_object(self, schema: JsonObject, value: JsonObject, where: str) -> list[str]:
        errors = [
            f"{where}: the required field {name!r} is missing"
            for name in schema.get("required", ())
            if name not in value
        ]
        properties: JsonObject = schema.get("properties", {})
        for name, item in value.items():
            if name in properties:
                errors.extend(self.check(properties[name], item, f"{where}.{name}"))
        return errors

    def _resolve(self, schema: JsonObject) -> JsonObject:
        while "$ref" in schema:
            node: Any = self.document
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema


def _is_type(value: Any, kinds: str | list[str]) -> bool:
    names = [kinds] if isinstance(kinds, str) else kinds
    checks = {
        "null": value is None,
        "boolean": isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "string": isinstance(value, str),
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
    }
    return any(checks.get(name, True) for name in names)


@cache
def discord_spec() -> Spec:
    return Spec(json.loads(SPEC_PATH.read_text(encoding="utf-8")))

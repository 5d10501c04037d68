"""Block Kit's limits, as Slack enforces them (https://docs.slack.dev/reference/block-kit).

Each check returns a list of problems; Slack answers ``invalid_blocks`` when there is any.
"""

from __future__ import annotations

from typing import Any

SURFACE_BLOCKS = {"message": 50, "modal": 100, "home": 100}


def problems(blocks: Any, surface: str = "message") -> list[str]:
    if not isinstance(blocks, list):
        return ["blocks is not a list"]
    found: list[str] = []
    if len(blocks) > SURFACE_BLOCKS[surface]:
        found.append(f"{len(blocks)} blocks (at most {SURFACE_BLOCKS[surface]} in a {surface})")
    block_ids: set[str] = set()
    action_ids: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"block {index}"
        if not isinstance(block, dict) or "type" not in block:
            found.append(f"{where}: no type")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if len(block_id) > 255:
                found.append(f"{where}: block_id over 255 characters")
            if block_id in block_ids:
                found.append(f"{where}: duplicate block_id {block_id}")
            block_ids.add(block_id)
        found.extend(f"{where}: {p}" for p in _block(block, action_ids))
    return found


def view_problems(view: Any, surface: str) -> list[str]:
    if not isinstance(view, dict) or view.get("type") != surface:
        return [f"view is not a {surface}"]
    found = problems(view.get("blocks"), surface)
    if surface == "modal":
        for key in ("title", "submit", "close"):
            text = (view.get(key) or {}).get("text")
            if key == "title" and not text:
                found.append("a modal needs a title")
            if text is not None and len(text) > 24:
                found.append(f"modal {key} over 24 characters")
    if len(view.get("private_metadata") or "") > 3000:
        found.append("private_metadata over 3000 characters")
    return found


def _block(block: dict[str, Any], action_ids: set[str]) -> list[str]:
    kind = block["type"]
    found: list[str] = []
    if kind == "section":
        text = (block.get("text") or {}).get("text")
        fields = block.get("fields") or []
        if text is None and not fields:
            found.append("section without text or fields")
        if text is not None and not 1 <= len(text) <= 3000:
            found.append(f"section text of {len(text)} characters (1 to 3000)")
        if len(fields) > 10:
            found.append(f"{len(fields)} fields (at most 10)")
        found.extend("field over 2000 characters" for f in fields if len(f.get("text", "")) > 2000)
        accessory = block.get("accessory")
        if accessory is not None:
            if accessory.get("type") not in {"button", "image", "overflow", "datepicker"}:
                found.append(f"unexpected accessory {accessory.get('type')}")
            found.extend(_element(accessory, action_ids))
    elif kind == "actions":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 25:
            found.append(f"{len(elements)} elements (1 to 25)")
        for element in elements:
            found.extend(_element(element, action_ids))
    elif kind == "image":
        if not block.get("alt_text") or len(block["alt_text"]) > 2000:
            found.append("image alt_text missing or over 2000 characters")
        if ("image_url" in block) == ("slack_file" in block):
            found.append("image needs exactly one of image_url and slack_file")
    elif kind == "input":
        label = (block.get("label") or {}).get("text", "")
        if not label or len(label) > 2000:
            found.append("input label missing or over 2000 characters")
        element = block.get("element") or {}
        if not 1 <= int(element.get("max_length", 3000)) <= 3000:
            found.append("plain_text_input max_length out of 1 to 3000")
        found.extend(_element(element, action_ids, button=False))
    elif kind not in {"divider", "context", "header"}:
        found.append(f"unexpected block type {kind}")
    return found


def _element(element: dict[str, Any], action_ids: set[str], *, button: bool = True) -> list[str]:
    found: list[str] = []
    action_id = element.get("action_id")
    if action_id is not None:
        if len(action_id) > 255:
            found.append("action_id over 255 characters")
        if action_id in action_ids:
            found.append(f"duplicate action_id {action_id}")
        action_ids.add(action_id)
    if button and element.get("type") == "button":
        text = (element.get("text") or {}).get("text", "")
        if not text or len(text) > 75:
            found.append("button text missing or over 75 characters")
        if len(element.get("value", "")) > 2000:
            found.append("button value over 2000 characters")
    return found

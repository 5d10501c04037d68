"""The README and docs/ say what runs: every `sh` block they show runs as written, except blocks
marked `<!-- readme-test: skip (why) -->` because they need a platform, a server or a terminal."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SKIP = re.compile(r"<!-- readme-test: skip \((?P<why>[^)]+)\) -->\s*$")
FENCE = re.compile(r"^```(?P<lang>\S*)\s*$")


@dataclass(frozen=True)
class Block:
    document: Path
    line: int
    commands: str
    skip: str | None


def sh_blocks(document: Path) -> list[Block]:
    """The `sh` code blocks of one Markdown file, each with the reason it is skipped, if any."""
    lines = document.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and not FENCE.match(lines[end]):
            end += 1
        if opening.group("lang") == "sh":
            previous = lines[index - 1] if index > 0 else ""
            marker = SKIP.search(previous)
            body = "\n".join(lines[index + 1 : end])
            blocks.append(Block(document, index + 1, body, marker.group("why") if marker else None))
        index = end + 1
    return blocks


BLOCKS = [block for document in DOCUMENTS for block in sh_blocks(document)]


def test_the_docs_show_commands_that_are_run_here() -> None:
    runnable = [block for block in BLOCKS if block.skip is None]
    assert len(runnable) >= 2, "the README and docs should show commands a newcomer can run"
    assert any(block.document.name == "README.md" for block in runnable)


@pytest.mark.parametrize("block", BLOCKS, ids=[f"{b.document.name}:{b.line}" for b in BLOCKS])
def test_a_documented_command_block_runs_as_written(block: Block, tmp_path: Path) -> None:
    if block.skip is not None:
        pytest.skip(block.skip)
    venv = Path(sys.executable).parent.parent
    (tmp_path / ".venv").symlink_to(venv)
    (tmp_path / "bot").symlink_to(ROOT / "bot")
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "DISCORD_", "LLM_", "DATABASE_URL", "BRIDGEWORK_"))
    }
    env["BRIDGEWORK_DATA_DIR"] = str(tmp_path / "data")
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block.commands],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    where = f"{block.document.name} line {block.line}"
    assert done.returncode == 0, f"{where} failed:\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr, f"{where}:\n{done.stderr}"

"""The LLM path's leaks: the probe set (``tests/bot/themes/data/probes.yaml``) sent through the real
openai client to the recording fake server, and per kind how many probes' secrets reached it.
Run alone with ``python -m bench._leaks``; ``python -m bench themes`` prints it too."""

from __future__ import annotations

import asyncio

from rich.console import Console
from rich.table import Table

from bot.themes.guard import looks_like_instruction
from bot.themes.redact import Redactor
from tests.bot.themes.factories import labelled
from tests.bot.themes.probes import MOSTLY, MOSTLY_SHARE, NEVER, load, measure


def main() -> None:
    members, probes = load()
    leaks = asyncio.run(measure(members, probes))
    table = Table(title=f"LLM path: what of {len(probes)} probe answers reached the server")
    for column in ("kind", "probes", "reached the server", "kept back", "target"):
        table.add_column(column, justify="left" if column in ("kind", "target") else "right")
    for kind in (*NEVER, *MOSTLY, "benign"):
        n = leaks.probes[kind]
        if kind == "benign":
            table.add_row(
                "ordinary answers",
                str(n),
                f"{n - leaks.lost[kind]} whole",
                "–",
                "all whole" + (" ✓" if not leaks.lost[kind] else " ✗"),
            )
            continue
        kept = leaks.share_kept(kind)
        if kind in NEVER:
            target = "none reach it" + (" ✓" if not leaks.leaked[kind] else " ✗")
        else:
            target = f"≥ {MOSTLY_SHARE:.0%} kept back" + (" ✓" if kept >= MOSTLY_SHARE else " ✗")
        table.add_row(kind, str(n), str(leaks.leaked[kind]), f"{kept:.0%}", target)
    Console(width=120).print(table)
    for example in leaks.examples:
        print(f"reached the server: {example}")
    texts = [r["text"] for r in labelled()]
    changed = sum(Redactor(members)(t) != t for t in texts)
    flagged = sum(looks_like_instruction(t) for t in texts)
    print(
        f"Over-redaction on the {len(texts)} labelled answers: {changed} changed by redaction, "
        f"{flagged} taken for instructions."
    )


if __name__ == "__main__":
    main()

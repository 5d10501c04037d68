"""The console's rendering of the core's messages: the platforms' plain text, with each button's
action and value and each form's id and fields shown, so a `presses` or `submits` line can be
typed from what is on the screen: ``[We met → outcome 12:met]``."""

from __future__ import annotations

from dataclasses import replace

from bot.messages import Button, Choices, Form, Intro, Message, plain_text, times_lines


def render(message: Message, who: str = "ID") -> str:
    """``message`` as the console shows it; ``who`` names the person a form's line is for."""
    match message:
        case Choices(body=body, buttons=buttons):
            return f"{body}\n{buttons_line(buttons)}" if buttons else body
        case Intro(buttons=buttons) if buttons or message.times:
            lines = plain_text(message).splitlines()
            if buttons:
                lines[-1] = buttons_line(buttons)
            plain = times_lines(replace(message, times_note=""))
            pressed = times_lines(replace(message, times_note=""), lambda b: buttons_line((b,)))
            at = {line: shown for line, shown in zip(plain, pressed, strict=True)}
            return "\n".join(at.get(line, line) for line in lines)
        case Form(form_id=form_id, title=title, fields=fields):
            shown = [f"{title} (form {form_id})"]
            shown.extend(f"- {f.name}: {f.label}" for f in fields)
            answers = " ".join(f"{f.name}='…'" for f in fields)
            shown.append(f"Answer with: {who} submits {form_id} {answers}")
            return "\n".join(shown)
    return plain_text(message)


def buttons_line(buttons: tuple[Button, ...]) -> str:
    return " ".join(f"[{b.label} → {b.action}{' ' + b.value if b.value else ''}]" for b in buttons)

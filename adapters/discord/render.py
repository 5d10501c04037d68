"""Core messages → what Discord shows: content, embeds, buttons and attachments, within Discord's
limits (2000 characters of content, 4096 per embed description and 6000 per message, 5 buttons a
row and 5 rows, 80 characters a button label; modals of at most 5 inputs)."""

from __future__ import annotations

from dataclasses import dataclass, field

import discord

from adapters.discord.translate import button_id, form_id
from bot.messages import (
    Button,
    Choices,
    Field,
    Form,
    FormErrors,
    Image,
    Intro,
    Invite,
    Message,
    Text,
    plain_text,
    split_text,
)

MAX_CONTENT = 2000
MAX_DESCRIPTION = 4096
MAX_EMBED_TOTAL = 6000
MAX_BUTTONS = 25
BUTTONS_PER_ROW = 5
MAX_LABEL = 80
MAX_MODAL_TITLE = 45
MAX_INPUT_LABEL = 45
MAX_INPUTS = 5
MAX_INPUT_LENGTH = 4000


@dataclass(frozen=True)
class ButtonSpec:
    label: str
    custom_id: str
    row: int


@dataclass(frozen=True)
class Attachment:
    data: bytes
    filename: str
    description: str


@dataclass(frozen=True)
class Piece:
    """One Discord message."""

    content: str | None = None
    embeds: tuple[discord.Embed, ...] = ()
    buttons: tuple[ButtonSpec, ...] = ()
    attachment: Attachment | None = None


@dataclass(frozen=True)
class InputSpec:
    custom_id: str
    label: str
    multiline: bool
    required: bool
    max_length: int
    default: str


@dataclass(frozen=True)
class ModalSpec:
    custom_id: str
    title: str
    inputs: tuple[InputSpec, ...] = field(default_factory=tuple)


def render(message: Message, *, guild: str, channel: str) -> list[Piece]:
    """The Discord messages that show ``message``; buttons name the community (guild, channel)."""
    match message:
        case Text(body=body):
            return _text(body)
        case Choices(body=body, buttons=buttons):
            pieces = _text(body)
            specs = _buttons(buttons, guild, channel)
            last = pieces[-1]
            pieces[-1] = Piece(last.content, last.embeds, specs)
            return pieces
        case Intro():
            return [_intro(message, guild, channel)]
        case Image():
            return [_image(message)]
        case Invite(body=body, ics=ics, filename=filename):
            return [
                Piece(
                    content=_clip(body, MAX_CONTENT),
                    attachment=Attachment(ics.encode("utf-8"), filename, _clip(body, 1024)),
                )
            ]
        case Form() | FormErrors():  # a modal cannot show errors: the problems, as text
            return _text(plain_text(message))
    raise TypeError(f"not a message: {message!r}")  # pragma: no cover - exhaustive above


def _text(body: str) -> list[Piece]:
    """Short text as content; longer text as embeds, as many messages as it takes."""
    if len(body) <= MAX_CONTENT:
        return [Piece(content=body)]
    pieces: list[Piece] = []
    embeds: list[discord.Embed] = []
    total = 0
    for part in split_text(body, MAX_DESCRIPTION):
        if embeds and total + len(part) > MAX_EMBED_TOTAL:
            pieces.append(Piece(embeds=tuple(embeds)))
            embeds, total = [], 0
        embeds.append(discord.Embed(description=part))
        total += len(part)
    pieces.append(Piece(embeds=tuple(embeds)))
    return pieces


def _buttons(buttons: tuple[Button, ...], guild: str, channel: str) -> tuple[ButtonSpec, ...]:
    specs: list[ButtonSpec] = []
    for index, button in enumerate(buttons[:MAX_BUTTONS]):
        specs.append(
            ButtonSpec(
                label=_clip(button.label, MAX_LABEL),
                custom_id=button_id(guild, channel, button.action, button.value),
                row=index // BUTTONS_PER_ROW,
            )
        )
    return tuple(specs)


def _intro(intro: Intro, guild: str, channel: str) -> Piece:
    people = "\n".join(f"• {p.label}" + _about(p.about) for p in intro.people)
    description = f"{people}\n\n{intro.starter}\n\n{intro.scheduler_note}"
    if intro.times_note:
        description += f"\n\n{intro.times_note}"
    for number, offered in enumerate(intro.times, start=1):
        # Discord shows <t:…> in each reader's own time zone and clock.
        stamp = int(offered.starts_at.timestamp())
        description += f"\n**{number}.** <t:{stamp}:F> (your time)"
    if intro.followup:
        description += f"\n\n**{intro.followup}**"
    embed = discord.Embed(description=_clip(description, MAX_DESCRIPTION))
    return Piece(
        content=_clip(intro.greeting, MAX_CONTENT),
        embeds=(embed,),
        buttons=_buttons(
            tuple(
                Button(f"{t.button.label} · {n}", t.button.action, t.button.value)
                for n, t in enumerate(intro.times, start=1)
            )
            + intro.buttons,
            guild,
            channel,
        ),
    )


def _about(about: str) -> str:
    """A person's own line under their name, shown literally: no markdown, no mentions."""
    if not about:
        return ""
    return f"\n  *{discord.utils.escape_mentions(discord.utils.escape_markdown(about))}*"


def _image(image: Image) -> Piece:
    embed = discord.Embed(title=_clip(image.title, 256) or None)
    embed.set_image(url=f"attachment://{image.filename}")
    return Piece(
        content=_clip(image.alt_text, MAX_CONTENT),
        embeds=(embed,),
        attachment=Attachment(image.png, image.filename, _clip(image.alt_text, 1024)),
    )


def modal(form: Form, *, guild: str, channel: str) -> ModalSpec:
    """A modal for ``form``: one text input per field, at most five, as Discord allows."""
    if len(form.fields) > MAX_INPUTS:
        raise ValueError(f"a Discord modal holds {MAX_INPUTS} inputs, the form has more")
    return ModalSpec(
        custom_id=form_id(guild, channel, form.form_id),
        title=_clip(form.title, MAX_MODAL_TITLE),
        inputs=tuple(_input(f) for f in form.fields),
    )


def _input(field_: Field) -> InputSpec:
    return InputSpec(
        custom_id=field_.name,
        label=_clip(field_.label, MAX_INPUT_LABEL),
        multiline=field_.multiline,
        required=not field_.optional,
        max_length=min(field_.max_length, MAX_INPUT_LENGTH),
        default=field_.initial[:MAX_INPUT_LENGTH],
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

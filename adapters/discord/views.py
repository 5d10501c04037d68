"""Discord UI built from rendered pieces: persistent buttons and modals for forms.

Buttons are :class:`discord.ui.DynamicItem`s matched by their custom id, so a button sent before a
restart still reaches the core after it: nothing about them is kept in memory.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import discord

from adapters.discord.render import ButtonSpec, ModalSpec
from adapters.discord.translate import BUTTON_ID


@runtime_checkable
class Handler(Protocol):
    """What a button or modal hands its interaction to: the client."""

    async def pressed(self, interaction: discord.Interaction[Any], custom_id: str) -> None: ...

    async def submitted(
        self, interaction: discord.Interaction[Any], custom_id: str, values: dict[str, str]
    ) -> None: ...


class ActionButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=BUTTON_ID.pattern
):
    """A button whose custom id says which community, action and value it stands for."""

    def __init__(self, label: str, custom_id: str, row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label, custom_id=custom_id, style=discord.ButtonStyle.secondary, row=row
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: Any,
        /,
    ) -> ActionButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(label or "", str(match.string))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        client = interaction.client
        if isinstance(client, Handler):
            await client.pressed(interaction, self.custom_id)


def button_view(buttons: tuple[ButtonSpec, ...]) -> discord.ui.View | None:
    """A view that never times out, holding the buttons; None when there are none."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for spec in buttons:
        view.add_item(ActionButton(spec.label, spec.custom_id, spec.row))
    return view


class FormModal(discord.ui.Modal):
    """A modal for a core form; its answers go to the client as a FormSubmitted."""

    def __init__(self, spec: ModalSpec) -> None:
        super().__init__(title=spec.title, custom_id=spec.custom_id, timeout=None)
        self.inputs: list[discord.ui.TextInput[FormModal]] = []
        for field in spec.inputs:
            text_input: discord.ui.TextInput[FormModal] = discord.ui.TextInput(
                label=field.label,
                custom_id=field.custom_id,
                style=discord.TextStyle.paragraph if field.multiline else discord.TextStyle.short,
                required=field.required,
                max_length=field.max_length,
                default=field.default or None,
            )
            self.inputs.append(text_input)
            self.add_item(text_input)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        client = interaction.client
        if isinstance(client, Handler):
            values = {i.custom_id: i.value for i in self.inputs}
            await client.submitted(interaction, self.custom_id, values)

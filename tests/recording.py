"""An in-memory Chat that records what it was asked, and can be told to fail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.errors import DeliveryError
from bot.messages import Form, Message
from bot.ports import ConversationRef, MemberInfo, Progress, SentRef, SpaceRef


@dataclass
class Call:
    method: str
    conversation: str
    key: str = ""
    message: Message | None = None


@dataclass
class RecordingChat:
    """Sends once per key, like a well-behaved adapter; ``failures`` are raised in turn first."""

    calls: list[Call] = field(default_factory=list)
    failures: list[DeliveryError] = field(default_factory=list)
    fail_for: dict[str, list[DeliveryError]] = field(default_factory=dict)
    by_key: dict[str, SentRef] = field(default_factory=dict)

    async def members(
        self, space: SpaceRef, *, progress: Progress | None = None
    ) -> Sequence[MemberInfo]:
        return []

    async def open_group(self, people: Sequence[str]) -> ConversationRef:
        self.calls.append(Call("open_group", "+".join(people)))
        return ConversationRef("G-" + "+".join(sorted(people)))

    async def send(self, where: ConversationRef, message: Message, *, key: str) -> SentRef:
        self._maybe_fail(where.id)
        if key in self.by_key:
            return self.by_key[key]
        self.calls.append(Call("send", where.id, key, message))
        sent = SentRef(where, f"msg-{len(self.calls)}")
        self.by_key[key] = sent
        return sent

    async def update(self, sent: SentRef, message: Message) -> None:
        self._maybe_fail(sent.conversation.id)
        self.calls.append(Call("update", sent.conversation.id, sent.message_id, message))

    async def open_form(self, interaction: str, form: Form) -> None:
        self.calls.append(Call("open_form", interaction, form.form_id, form))

    def sends(self) -> list[Call]:
        return [c for c in self.calls if c.method == "send"]

    def _maybe_fail(self, conversation: str) -> None:
        queue = self.fail_for.get(conversation)
        if queue:
            raise queue.pop(0)
        if self.failures:
            raise self.failures.pop(0)

"""Rendering core messages within Discord's limits, and the ids that carry state through Discord."""

from __future__ import annotations

import pytest

from adapters.discord import render, translate
from adapters.discord.recent import Recent
from bot.domain import Platform
from bot.events import Where
from bot.messages import Button, Choices, Field, Form, Image, Intro, IntroPerson, Text
from bot.services.meet_again import ask_message

GUILD, CHANNEL = "111111111111111111", "222222222222222222"


def pieces(message: Text | Choices | Intro | Image | Form) -> list[render.Piece]:
    return render.render(message, guild=GUILD, channel=CHANNEL)


def test_a_short_text_is_the_message_content() -> None:
    assert pieces(Text("hello")) == [render.Piece(content="hello")]


def test_a_long_text_becomes_embeds_of_at_most_4096_and_6000_a_message() -> None:
    body = "\n".join("y" * 999 for _ in range(20))
    shown = pieces(Text(body))
    assert all(p.content is None for p in shown)
    assert all(len(e.description or "") <= 4096 for p in shown for e in p.embeds)
    assert all(sum(len(e.description or "") for e in p.embeds) <= 6000 for p in shown)
    assert "\n".join(e.description or "" for p in shown for e in p.embeds) == body


def test_buttons_fill_rows_of_five_and_stop_at_twenty_five() -> None:
    buttons = tuple(Button(f"B{i}", "pause", f"{i} days") for i in range(30))
    (piece,) = pieces(Choices("Pick one", buttons))
    assert len(piece.buttons) == 25
    assert [b.row for b in piece.buttons] == [i // 5 for i in range(25)]
    assert piece.buttons[0].custom_id == f"bw:{GUILD}:{CHANNEL}:pause:0 days"


def test_a_long_button_label_is_clipped_to_80_characters() -> None:
    (piece,) = pieces(Choices("Pick", (Button("x" * 200, "join"),)))
    assert len(piece.buttons[0].label) == 80


def test_an_intro_greets_in_the_content_and_lists_people_starter_and_scheduler() -> None:
    intro = Intro(
        greeting="Hello Ada and Bo!",
        people=(IntroPerson("Ada", "Platform"), IntroPerson("Bo", "Sales")),
        starter="What are you learning?",
        scheduler_note="Ada, would you suggest a time?",
        buttons=(Button("We met", "outcome", "7:met"),),
    )
    (piece,) = pieces(intro)
    assert piece.content == "Hello Ada and Bo!"
    description = piece.embeds[0].description or ""
    assert "• Ada (Platform)" in description and "• Bo (Sales)" in description
    assert "What are you learning?" in description and "suggest a time" in description
    assert [b.custom_id for b in piece.buttons] == [f"bw:{GUILD}:{CHANNEL}:outcome:7:met"]


def test_an_image_is_an_attachment_shown_in_its_embed_with_alt_text() -> None:
    (piece,) = pieces(Image(b"png", "net.png", alt_text="Teams and ties", title="Q1"))
    assert piece.attachment == render.Attachment(b"png", "net.png", "Teams and ties")
    assert piece.embeds[0].image.url == "attachment://net.png"
    assert piece.embeds[0].title == "Q1"


def test_a_form_becomes_a_modal_within_discords_limits() -> None:
    form = Form(
        "reflection",
        "A title far longer than the forty-five characters a modal takes",
        (Field("a", "What went well?", multiline=True, max_length=9000), Field("b", "Name")),
    )
    spec = render.modal(form, guild=GUILD, channel=CHANNEL)
    assert spec.custom_id == f"bwf:{GUILD}:{CHANNEL}:reflection"
    assert len(spec.title) == 45
    assert [(i.custom_id, i.multiline, i.max_length) for i in spec.inputs] == [
        ("a", True, 4000),
        ("b", False, 3000),
    ]


def test_a_form_with_more_inputs_than_a_modal_holds_is_refused() -> None:
    form = Form("f", "Too many", tuple(Field(str(i), str(i)) for i in range(6)))
    with pytest.raises(ValueError):
        render.modal(form, guild=GUILD, channel=CHANNEL)


def test_a_button_id_names_its_community_and_survives_a_round_trip() -> None:
    custom_id = translate.button_id(GUILD, CHANNEL, "outcome", "12:not_yet")
    assert translate.parse_button_id(custom_id) == (
        Where(Platform.DISCORD, GUILD, CHANNEL),
        "outcome",
        "12:not_yet",
    )
    assert translate.parse_button_id("someone-elses:button") is None


def test_a_button_id_longer_than_discord_allows_is_refused() -> None:
    with pytest.raises(ValueError):
        translate.button_id(GUILD, CHANNEL, "outcome", "x" * 80)


def test_a_nonce_is_stable_per_key_and_fits_discords_25_characters() -> None:
    assert translate.nonce("intro:1:2:3") == translate.nonce("intro:1:2:3")
    assert translate.nonce("intro:1:2:3") != translate.nonce("intro:1:2:4")
    assert len(translate.nonce("k" * 500)) == 25


@pytest.mark.parametrize(
    ("until", "text"),
    [("2027-02-01", "pause until 2027-02-01"), ("2 weeks", "pause 2 weeks")],
)
def test_the_pause_option_becomes_the_core_command(until: str, text: str) -> None:
    assert translate.pause_text(until) == text


def test_the_chats_memory_of_what_it_sent_forgets_the_oldest_beyond_its_limit() -> None:
    memory: Recent[str, int] = Recent(limit=3)
    for index, key in enumerate("abcd"):
        memory[key] = index
    memory["b"] = 9  # refreshed: now the newest
    memory["e"] = 4
    assert list(memory) == ["d", "b", "e"]


def test_the_meet_again_question_renders_as_two_buttons_that_find_their_way_home() -> None:
    (piece,) = pieces(ask_message(7, ["Ada", "Bo"]))
    assert "Meet again in 6 weeks?" in (piece.content or "")
    assert [b.label for b in piece.buttons] == ["Yes, in 6 weeks", "No, thanks"]
    parsed = [translate.parse_button_id(b.custom_id) for b in piece.buttons]
    assert [(p[1], p[2]) for p in parsed if p] == [("meet_again", "7:yes"), ("meet_again", "7:no")]
    assert all(p is not None and p[0].channel == CHANNEL for p in parsed)


def test_a_persons_own_line_shows_under_their_name_with_no_markdown_or_mention() -> None:
    intro = Intro(
        greeting="Hello Chloe and Wen!",
        people=(
            IntroPerson("Chloe", "Payroll", "ask me about *cycling* @everyone"),
            IntroPerson("Wen", ""),
        ),
        starter="What are you reading?",
        scheduler_note="Chloe, would you suggest a time?",
    )
    (piece,) = pieces(intro)
    description = piece.embeds[0].description or ""
    lines = description.split("\n")
    assert lines[lines.index("• Chloe (Payroll)") + 1].startswith("  *ask me about \\*cycling\\*")
    assert "@everyone" not in description

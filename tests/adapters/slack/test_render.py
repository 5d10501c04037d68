"""The core's messages as Block Kit within Slack's limits (pure rendering)."""

from __future__ import annotations

import pytest

from adapters.slack import render
from bot.messages import Button, Choices, Field, Form, Image, Intro, IntroPerson, Text
from bot.services.meet_again import ask_message
from tests.fakes.slack import blocks as limits


def test_a_mention_or_link_in_a_text_is_shown_literally() -> None:
    [message] = render.render(Text("Hi <!channel> & <https://evil.example|click>"))
    assert message.blocks[0]["text"]["text"] == (
        "Hi &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;"
    )


def test_a_section_never_exceeds_3000_characters_even_when_escaping_lengthens_it() -> None:
    [message] = render.render(Text("<" * 5000))
    assert all(len(b["text"]["text"]) <= 3000 for b in message.blocks)
    assert "".join(b["text"]["text"] for b in message.blocks).count("&lt;") == 5000
    assert limits.problems(message.blocks) == []


def test_a_long_line_is_cut_into_sections_without_adding_line_breaks() -> None:
    [message] = render.render(Text("a" * 4000 + "\nsecond line"))
    texts = [b["text"]["text"] for b in message.blocks]
    assert [len(t) for t in texts] == [3000, 1000 + 1 + len("second line")]
    assert "".join(texts) == "a" * 4000 + "\nsecond line"


def test_a_choice_with_many_buttons_stays_within_an_actions_blocks_limit() -> None:
    buttons = tuple(Button(f"Option {i} " + "x" * 80, "pick", str(i)) for i in range(30))
    [message] = render.render(Choices("Pick one", buttons), channel="C1")
    actions = [b for b in message.blocks if b["type"] == "actions"]
    assert [len(a["elements"]) for a in actions] == [25, 5]
    assert all(len(e["text"]["text"]) <= 75 for a in actions for e in a["elements"])
    assert limits.problems(message.blocks) == []
    assert render.action_name(actions[1]["elements"][0]["action_id"]) == "pick"
    assert render.block_channel(actions[1]["block_id"]) == "C1"


def test_buttons_stay_together_after_the_last_text_of_a_split_message() -> None:
    body = "\n".join("x" * 2990 for _ in range(50))
    pages = render.render(Choices(body, (Button("OK", "ok"),)))
    assert [len(p.blocks) for p in pages] == [49, 2]
    assert pages[-1].blocks[-1]["type"] == "actions"
    assert all(limits.problems(p.blocks) == [] for p in pages)


def test_a_form_becomes_a_modal_with_one_input_per_field() -> None:
    form = Form(
        "reflection:7",
        "A very long reflection title indeed",
        (
            Field("answer", "What stayed with you?", multiline=True, max_length=5000),
            Field("anon", "Anything else?", optional=True, initial="no"),
        ),
    )
    view = render.modal(form, private_metadata=render.form_metadata("C1"))
    assert limits.view_problems(view, "modal") == []
    assert view["callback_id"] == "reflection:7"
    assert [(b["block_id"], b["optional"]) for b in view["blocks"]] == [
        ("answer", False),
        ("anon", True),
    ]
    assert view["blocks"][0]["element"]["max_length"] == 3000
    assert view["blocks"][1]["element"]["initial_value"] == "no"


def test_images_and_forms_are_not_posted_as_plain_messages() -> None:
    with pytest.raises(TypeError):
        render.render(Image(b"", "a.png", "alt"))
    with pytest.raises(TypeError):
        render.render(Form("f", "t", ()))


def test_the_outbox_key_round_trips_through_message_metadata() -> None:
    message = {"metadata": render.outbox_metadata("intro:1:2:3", part=2)}
    assert render.metadata_key(message) == ("intro:1:2:3", 2)
    assert render.metadata_key({"metadata": {"event_type": "other", "event_payload": {}}}) is None
    assert render.metadata_key({}) is None


def test_field_errors_keep_the_modal_open_with_each_problem_beside_its_field() -> None:
    answer = render.field_errors([("answer", "say a little more"), ("anon", "yes or no")])
    assert answer == {
        "response_action": "errors",
        "errors": {"answer": "say a little more", "anon": "yes or no"},
    }


def test_the_meet_again_question_renders_as_two_buttons_that_carry_the_group() -> None:
    [message] = render.render(ask_message(7, ["Ada", "Bo"]), channel="C1")
    assert "Meet again in 6 weeks?" in message.blocks[0]["text"]["text"]
    [actions] = [b for b in message.blocks if b["type"] == "actions"]
    shown = [(e["text"]["text"], e["value"]) for e in actions["elements"]]
    assert shown == [("Yes, in 6 weeks", "7:yes"), ("No, thanks", "7:no")]
    assert {render.action_name(e["action_id"]) for e in actions["elements"]} == {"meet_again"}
    assert render.block_channel(actions["block_id"]) == "C1"
    assert limits.problems(message.blocks) == []


def test_a_persons_own_line_shows_under_their_name_literally() -> None:
    intro = Intro(
        greeting="Hello Chloe and Wen!",
        people=(
            IntroPerson("Chloe", "Payroll", "ask me <!channel> about cycling"),
            IntroPerson("Wen", ""),
        ),
        starter="What are you reading?",
        scheduler_note="Chloe, would you suggest a time?",
    )
    (message,) = render.render(intro)
    fields = [f["text"] for b in message.blocks for f in b.get("fields", [])]
    assert "*Chloe*\nPayroll\n_ask me &lt;!channel&gt; about cycling_" in fields
    assert "*Wen*" in fields

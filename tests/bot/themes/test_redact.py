from bot.themes.redact import Redactor


def test_members_names_are_redacted_whole_or_in_part_in_any_case() -> None:
    redact = Redactor(["Dana Whitfield"])
    assert redact("dana said Whitfield's plan was DANA WHITFIELD's idea") == (
        "[name] said [name] plan was [name] idea"
    )


def test_a_name_inside_another_word_is_left_alone() -> None:
    assert Redactor(["Al"])("also Al, alright") == "also [name], alright"


def test_emails_phones_links_and_mentions_are_redacted() -> None:
    text = "mail jo@corp.example.org, call +1 (555) 010-9999, see https://x.io/a or <@U123ABC>"
    assert Redactor([])(text) == "mail [email], call [phone], see [link] or [name]"


def test_ordinary_figures_are_not_taken_for_phone_numbers() -> None:
    text = "the build takes 40 minutes and we ship 3 times a week"
    assert Redactor([])(text) == text

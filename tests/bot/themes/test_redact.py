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


def test_a_phone_number_with_an_area_code_in_brackets_is_redacted_whole() -> None:
    assert Redactor([])("call me on (555) 555-0199 today") == "call me on [phone] today"


def test_a_link_is_redacted_whatever_its_ending() -> None:
    text = "see wiki.example.ai/rota, tracker.example.app/board/7 and http://10.2.3.4:8080/docs"
    assert Redactor([])(text) == "see [link], [link] and [link]"


def test_a_member_whose_name_is_a_word_only_blanks_it_capitalised() -> None:
    redact = Redactor(["Will Brennan", "Grace Mbeki-Jones"])
    assert redact("we will see, grace period") == "we will see, grace period"
    assert redact("Will ran it; Grace and mbeki-jones helped") == (
        "[name] ran it; [name] and [name] helped"
    )


def test_members_surnames_alone_are_redacted() -> None:
    assert Redactor(["Tomasz Okafor"])("thanks to okafor") == "thanks to [name]"


def test_other_peoples_names_are_redacted_by_rules() -> None:
    redact = Redactor([])
    assert redact("my manager Priya Raman left") == "my manager [name] [name] left"
    assert redact("Dr. Helen Kowalczyk was great") == "Dr. [name] [name] was great"
    assert redact("i miss working with fatima") == "i miss working with [name]"


def test_capitalised_words_that_are_not_names_are_kept() -> None:
    text = "Jira is slow on Monday and the VPN drops. Q3 targets moved."
    assert Redactor([])(text) == text


def test_street_addresses_ids_and_dates_of_birth_are_redacted() -> None:
    redact = Redactor([])
    assert redact("the site at 14 Elm Street, Flat 3") == "the site at [address], [address]"
    assert redact("my employee ID is 48213, badge EMP-00412") == (
        "my employee ID is [id], badge [id]"
    )
    assert redact("born 03/07/1991; DOB 2nd of June 1979") == "born [date]; DOB [date]"


def test_figures_and_durations_are_not_addresses_or_ids() -> None:
    text = "40 minutes drive, 2 people close to leaving, 2024 was hard"
    assert Redactor([])(text) == text

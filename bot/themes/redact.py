"""Redaction before text leaves us: emails, links (whatever their ending), mentions, dates of birth
and full dates, phone numbers, ID numbers, street addresses, members' names and other people's
names (``bot.themes.people``). The same rules decide which answers may be quoted."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.themes.people import NAME, members_pattern, redact_other_names

EMAIL = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|[\w.+-]+\s*[\[(]\s*at\s*[\])]\s*[\w-]+(?:\s*(?:[\[(]\s*dot\s*[\])]|\.)\s*[\w-]+)+",
    re.IGNORECASE,
)
_END = r"[^\s.,;:!?)\]'\"]"  # a link does not end on punctuation
URL = re.compile(
    rf"(?:[a-z][a-z0-9+.-]*://|www\.)\S*{_END}"
    r"|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?:[/?#]\S*" + _END + ")?"
    r"|(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24}(?::\d+)?\b"
    rf"(?:[/?#]\S*{_END}|/)?",
    re.IGNORECASE,
)
MENTION = re.compile(r"<[@#!][^>\s]*>|(?<![\w])@[\w.-]+")
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
DATE = re.compile(
    r"\b(?:\d{4}|\d{1,2})[/.-]\d{1,2}[/.-]\d{2,4}\b"
    rf"|\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}\b"
    rf"|\b{_MONTH}\s+{_DAY},?\s+\d{{4}}\b",
    re.IGNORECASE,
)
BIRTH = re.compile(
    r"\b(?:born|birthday|date of birth|d\.?o\.?b\.?)\b[^.;!?\n\d]{0,30}?"
    rf"(?P<date>{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?|{_MONTH}(?:\s+{_DAY})?(?:,?\s+\d{{4}})?"
    r"|\d{4})",
    re.IGNORECASE,
)
PHONE = re.compile(
    r"(?<![\w+(])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)[\s.-]?)?\d[\d\s.-]{4,}\d"
    r"(?:\s*(?:ext\.?|x)\s*\d{1,5})?(?![\w])",
    re.IGNORECASE,
)
_ID_WORDS = (
    r"id|i\.d\.|employee|staff|badge|payroll|ref|reference|ssn|social security|ni|"
    r"national insurance|passport|licen[cs]e|account|acct|membership|member|ticket|case|invoice|"
    r"number|no\.?|#"
)
KEYED_ID = re.compile(
    rf"(?:\b(?:{_ID_WORDS})|#)(?:\s*(?:id|no\.?|number|is|was|ref|:|#))*[\s:#]*"
    r"(?P<id>[A-Za-z0-9]*\d[A-Za-z0-9]*(?:[-/][A-Za-z0-9]+)*)",
    re.IGNORECASE,
)
TOKEN = re.compile(r"(?<![\w/.])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*(?![\w/])")
_SUFFIX = (
    r"street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|way|close|court|ct|place|pl|"
    r"terrace|crescent|cres|square|sq|highway|hwy|parkway|pkwy|row|grove|gardens|mews|walk|quay|"
    r"wharf|circle|trail|alley"
)
STREET = re.compile(
    rf"\b\d{{1,5}}[a-z]?,?\s+((?:[A-Za-z][\w'’-]*\s+){{0,3}})(?:{_SUFFIX})\b\.?", re.IGNORECASE
)
UNIT = re.compile(r"\b(?:flat|apt|apartment|suite|unit|floor)\s+#?\d+[a-z]?\b", re.IGNORECASE)
POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b|\b[A-Z]{2}\s+\d{5}(?:-\d{4})?\b")
NOT_STREET = frozenset(
    """minutes minute hours hour days day weeks week months month years year people times percent
    miles mile km metres meters tickets calls emails meetings projects teams members of the a and
    in on at to for more less than over under about my our their per each every""".split()
)


def _phone(match: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in match.group())
    return "[phone]" if digits >= 7 else match.group()


def _token_id(match: re.Match[str]) -> str:
    token = match.group()
    digits = sum(c.isdigit() for c in token)
    letters = any(c.isalpha() for c in token)
    if digits >= 5 or (digits >= 4 and (letters or "-" in token)):
        return "[id]"
    return token


def _street(match: re.Match[str]) -> str:
    words = match.group(1).lower().split()
    if any(w in NOT_STREET for w in words):
        return match.group()
    return "[address]"


def _keyed(piece: str) -> bool:
    """Whether what follows an ID word is an ID: three digits or more, or digits and letters."""
    digits = sum(c.isdigit() for c in piece)
    return digits >= 3 or (digits >= 1 and any(c.isalpha() for c in piece) and len(piece) >= 4)


def _group(
    name: str, replacement: str, check: Callable[[str], bool] = bool
) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        if not check(match.group(name)):
            return match.group()
        whole, start = match.group(), match.start(name) - match.start()
        return whole[:start] + replacement + whole[match.end(name) - match.start() :]

    return replace


class Redactor:
    """Replaces members' names (whole or any part, see ``bot.themes.people``), other people's
    names, emails, links, mentions, phones, dates of birth, ID numbers and street addresses."""

    def __init__(self, names: Sequence[str]) -> None:
        self._members = members_pattern(names)

    def __call__(self, text: str) -> str:
        text = EMAIL.sub("[email]", text)
        text = URL.sub("[link]", text)
        text = MENTION.sub(NAME, text)
        text = DATE.sub("[date]", text)
        text = BIRTH.sub(_group("date", "[date]"), text)
        text = PHONE.sub(_phone, text)
        text = KEYED_ID.sub(_group("id", "[id]", _keyed), text)
        text = TOKEN.sub(_token_id, text)
        text = STREET.sub(_street, text)
        text = UNIT.sub("[address]", text)
        text = POSTCODE.sub("[address]", text)
        if self._members is not None:
            text = self._members.sub(NAME, text)
        return redact_other_names(text)

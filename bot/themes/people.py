"""People's names in free text: the members' (given), and other people's found by rules.

Members' names match as whole words; a name part that is also a common English word ("Will",
"Grace", "Rose") matches only capitalised or in capitals, so the member Will does not blank "will".
Other people's names are found by rules, measured on the probe set (``bench/_leaks.py``): a
capitalised word inside a sentence that is not a known non-name (days, months, common tools,
acronyms), a capitalised word starting a sentence when a capitalised word follows it, it takes a
possessive or it is a common given name, a word after a title (Dr, Ms …), and a common given name
in lower case.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.themes.fallback import STOPWORDS

NAME = "[name]"

# Name parts that are also ordinary words: matched only when capitalised.
COMMON_WORDS = frozenset(
    """will bill mark rose grace hope joy may june april august autumn summer dawn faith ray art
    jack jean carol rich sandy amber ruby pearl ivy holly daisy iris lily violet heather crystal
    hunter chase drew gene guy jay kit lance miles nick rob robin rod sky stone wade warren don dean
    earl eve glen grant heath herb norm page penny rusty sonny van woody young bishop brook cliff
    dale forest gale gray grey hale hart hill king lane marsh mason moody park porter price reed
    rice short smith strong wall ward white wood brown green black bell baker cook fisher hall long
    mills sharp small swift waters wells sterling patience constance frank justice sue pat max
    angel, dusty, hazel, olive, rosemary, sage, bud, buck, cash, colt, duke, ford, major, marshall,
    ash, bay, cole, rowan, reed, lark, wren, jade, misty, destiny, harmony, honor, trinity, unity,
    bridget, doll, goldie, happy, ace, amen, best, bliss, candy, cherry, ginger""".replace(
        ",", " "
    ).split()
)

# Common given names across many languages, for the rules that a capital letter cannot settle (a
# name starting a sentence, a name typed in lower case). Written for this project; not exhaustive.
GIVEN_NAMES = frozenset(
    """aaron abdul abigail adam adebayo adeola adriana ahmed aisha akira alan alejandro alex
    alexander alexandra alice alicia amanda amara amina amir amit ana anastasia andre andrea andrew
    andrzej angela anil anita ann anna anne anthony antonio anya arjun arun ashley ayesha barbara
    ben benjamin beth betty blessing brian bruno camila carlos carmen caroline catherine charles
    charlotte chen chidi chinedu chioma chris christina christopher claire daniel daniela david
    deborah deepak diana diego dimitri dmitri donna dorothy ebony edward elena elif elizabeth ella
    emeka emily emma emmanuel eric erik ewa fatima fatma felipe fernando fiona florence francesca
    gabriel gary george giulia giuseppe grzegorz hannah hans harry hassan helen henry hiroshi hugo
    ibrahim ife ifeoma ingrid irina isabel isabella ivan jacob james jamal jane janet jason javier
    jennifer jessica jin joanna john jonathan jorge jose joseph joshua juan julia julie kamal karen
    karim kate katarzyna katherine kavya kelly kenji kevin khalid kim kofi kwame kwabena laura
    layla leila leon li liam linda lisa lucas lucia luis lukas magdalena malik manuel maria mariam
    marie marta martin mary matteo matthew maya mehmet melissa mia michael michelle miguel mohammed
    mohammad muhammad nadia naledi nancy natalia nathan neha nikhil nina noah nour olga oliver
    olivia omar oscar pablo paul paula pedro peter piotr pooja priya rachel rafael rahul raj rajesh
    ramon rania rebecca richard ricardo robert roberto rohan ryan sakura samuel sandra sara sarah
    sergei shreya simon sofia sophia sophie stefan stephanie steven sunil susan tanvir thabo thomas
    timothy tunde valentina vanessa victoria vikram wei william xin yan yasmin yusuf zainab zanele
    zara zoe zhang""".split()
)

# Capitalised words that are not names: days, months, holidays, common tools and organisations,
# and words that people capitalise for emphasis or at the head of a clause.
NOT_NAMES = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december christmas easter ramadan diwali eid covid
    jira slack teams zoom confluence excel outlook google docs sheets drive github gitlab notion
    salesforce workday windows mac linux microsoft office aws azure kubernetes python java figma
    trello asana miro sharepoint onedrive chrome safari android iphone ipad okr okrs kpi kpis
    english french spanish german european american british ok okay hi hey thanks yes nope yeah
    mr mrs ms miss dr prof sir dame please also ps pps btw fyi asap eod eow wfh""".split()
)
TITLE = re.compile(r"\b(?:Dr|Mr|Mrs|Ms|Mx|Miss|Prof|Sir|Dame)\.?\s+([A-Z][\w'’-]*)")
WORD = re.compile(r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z][A-Za-z'’]*)*")
SENTENCE_END = re.compile(r"[.!?:;\n\"“(\[]\s*$|^\s*$|\s[-–—]\s*$")


def _parts(names: Sequence[str]) -> set[str]:
    """Each name whole, each of its words, and each part of a hyphenated word (3+ letters)."""
    parts: set[str] = set()
    for name in names:
        name = " ".join(name.split())
        if not name:
            continue
        parts.add(name)
        for word in name.split():
            word = word.strip(".,()\"'")
            if len(word) > 1:
                parts.add(word)
            parts.update(p for p in word.split("-") if len(p) > 2)
    return parts


def members_pattern(names: Sequence[str]) -> re.Pattern[str] | None:
    """Whole-word matches of members' names: any case, but a part that is a common word only
    capitalised or in capitals."""
    alternatives = []
    for part in sorted(_parts(names), key=len, reverse=True):
        if part.lower() in COMMON_WORDS:
            forms = {part[:1].upper() + part[1:].lower(), part.upper(), part}
            alternatives.append("|".join(re.escape(f) for f in sorted(forms, key=len)[::-1]))
        else:
            alternatives.append(f"(?i:{re.escape(part)})")
    if not alternatives:
        return None
    return re.compile(rf"(?<![\w-])(?:{'|'.join(alternatives)})(?:['’]s)?(?![\w-])")


def _capitalised(word: str) -> bool:
    word = word.removesuffix("'s").removesuffix("’s")
    return word[:1].isupper() and not word.isupper() and len(word) > 1


def _ordinary(word: str) -> bool:
    bare = word.lower().removesuffix("'s").removesuffix("’s")
    return bare in STOPWORDS or bare in NOT_NAMES or bare in {"i", "i'm", "i've", "i'd", "i'll"}


def other_names(text: str) -> list[tuple[int, int]]:
    """The spans of words in ``text`` that the rules take for people's names."""
    words = list(WORD.finditer(text))
    spans: set[tuple[int, int]] = {m.span(1) for m in TITLE.finditer(text)}
    for n, match in enumerate(words):
        word = match.group()
        bare = word.lower().removesuffix("'s").removesuffix("’s")
        initial = bool(SENTENCE_END.search(text[: match.start()]))
        if _capitalised(word) and not _ordinary(word):
            following = words[n + 1] if n + 1 < len(words) else None
            joined = following is not None and text[match.end() : following.start()] == " "
            if not initial:
                spans.add(match.span())
            elif (
                (bare in GIVEN_NAMES and bare not in COMMON_WORDS)
                or word.endswith(("'s", "’s"))
                or (joined and following is not None and _capitalised(following.group()))
                and not _ordinary(following.group())
            ):
                spans.add(match.span())
        elif word.islower() and bare in GIVEN_NAMES and bare not in COMMON_WORDS:
            spans.add(match.span())
    return sorted(spans)


def redact_other_names(text: str) -> str:
    out, last = [], 0
    for start, end in other_names(text):
        if start < last:
            continue
        out.append(text[last:start] + NAME)
        last = end
    return "".join(out) + text[last:]

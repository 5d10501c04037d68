"""Guards around the LLM: answers that read as instructions to a machine (withheld from the LLM and
never quoted), and a narrative that repeats the answers (no run of ``ECHO_WORDS`` words may)."""

from __future__ import annotations

import re
from collections.abc import Iterable

ECHO_WORDS = 8

_MACHINE = r"(?:ai|a\.i\.|llm|model|assistant|chat ?gpt|gpt|claude|gemini|bot|summari[sz]er)"
INSTRUCTION = re.compile(
    "|".join(
        [
            # "ignore all previous instructions", "disregard the above", "forget your rules"
            r"\b(?:ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,40}"
            r"\b(?:instructions?|rules|prompts?|above|previous|prior|guidelines|system)\b",
            # role labels and chat-template markup
            r"(?:^|[\s\[(<>\"'])(?:system|assistant|developer)\s*:",
            r"<<<|>>>|\[/?inst\]|<\|[a-z_]+\|>|</?(?:system|assistant|user|instructions?)>",
            r"\b(?:you are now|from now on|developer mode|jailbreak|new instructions?)\b",
            r"\b(?:act as|pretend (?:to be|you are)|roleplay as)\b",
            # asking for the prompt, the raw data or who wrote what
            r"\b(?:reveal|print|output|repeat|show|list|leak|dump)\b[^.!?\n]{0,30}"
            r"\b(?:system prompt|your prompt|instructions|raw answers|verbatim|who wrote)\b",
            # steering the output: names, counts, what the summary says, the reply's form
            r"\b(?:rename|name|call|title|label)\b[^.!?\n]{0,30}\btheme\b",
            r"\btheme\b[^.!?\n]{0,20}\b(?:should be|must be)\s+(?:called|named)\b",
            r"\b(?:summary|narrative|report|digest)\s+(?:must|should|has to|needs to|will)\s+"
            r"(?:say|state|report|read|claim|show)\b",
            r"\b(?:respond|reply|answer)\s+(?:only\s+)?with\b",
            r"\b(?:override|change|alter|set|fake)\b[^.!?\n]{0,20}\b(?:counts?|figures|numbers)\b",
            r"\{\s*\"(?:narrative|themes)\"",
            rf"\b(?:note|message|instructions?)\s+(?:to|for)\s+(?:the\s+)?{_MACHINE}\b",
            rf"\b(?:dear|hey|hi)\s+{_MACHINE}\b",
        ]
    ),
    re.IGNORECASE,
)


def looks_like_instruction(text: str) -> bool:
    """Whether ``text`` reads as an instruction to a machine rather than an answer to a person."""
    return INSTRUCTION.search(text) is not None


def _words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.lower())


def _runs(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + ECHO_WORDS]) for i in range(len(words) - ECHO_WORDS + 1)}


def drop_echoes(narrative: str, answers: Iterable[str]) -> tuple[str, int]:
    """The narrative without its sentences that repeat a run of ``ECHO_WORDS`` words of any of
    ``answers``, and how many sentences were dropped."""
    seen: set[tuple[str, ...]] = set()
    for answer in answers:
        seen |= _runs(_words(answer))
    kept, dropped = [], 0
    for sentence in re.split(r"(?<=[.!?])\s+", narrative.strip()):
        if _runs(_words(sentence)) & seen:
            dropped += 1
        elif sentence:
            kept.append(sentence)
    return " ".join(kept), dropped

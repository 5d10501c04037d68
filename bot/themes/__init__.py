"""Themes of reflection answers for the leads' digest: offline by default (sentence embeddings with
the ``themes`` extra, word counts without), narrated by an LLM where an admin configures one.

Every part keeps the anonymity rules: no themes under ``threshold`` respondents in all, no theme,
team figure or quote over fewer than ``threshold`` respondents, and only thresholded, redacted text,
fenced as data, ever goes to an LLM.
"""

from bot.themes.engine import EMBEDDINGS, WORDS, label_answers, offline_themes
from bot.themes.llm import llm_themes
from bot.themes.taxonomy import (
    TaxonomyTheme,
    Theme,
    ThemeAnswer,
    ThemeReport,
    default_taxonomy,
    parse_taxonomy,
)

__all__ = [
    "EMBEDDINGS",
    "WORDS",
    "TaxonomyTheme",
    "Theme",
    "ThemeAnswer",
    "ThemeReport",
    "default_taxonomy",
    "label_answers",
    "llm_themes",
    "offline_themes",
    "parse_taxonomy",
]

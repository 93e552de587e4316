"""The states and territories the line covers, their and the offices' names per language, and speech."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ivr.rules.data_files import TableLines

# The places the line covers: the 50 states, DC, and the territories ICE ERO serves. Their names in each
# language, and the field offices' names, are in schedules/place_names.toml.
COVERED_STATES: frozenset[str] = frozenset(
    """
    AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC
    ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR VI GU MP
    """.split()
)

PLACE_NAMES_FILE = Path(__file__).resolve().parents[2] / "schedules" / "place_names.toml"


def _fold(text: str) -> str:
    """Lowercase and strip accents from Latin letters, keeping marks other scripts need."""
    kept: list[str] = []
    for ch in unicodedata.normalize("NFKD", text.lower()):
        # Devanagari vowel signs are combining marks too: only marks on Latin letters are accents.
        if unicodedata.combining(ch) and kept and ord(kept[-1]) < 0x250:
            continue
        kept.append(ch)
    return "".join(kept)


# Marks a speech recogniser may or may not write: Arabic short vowels and hamza seats (so أ إ آ read as
# ا), tatweel, and the Devanagari and Gurmukhi nukta (फ़ and फ). Removed before comparing.
_OPTIONAL_MARKS = re.compile("[\u0640\u064b-\u065f\u0670\u093c\u0a3c]")
# Letters written either way by people and recognisers alike.
_SAME_LETTERS = str.maketrans({"ё": "е", "ى": "ي", "ة": "ه", "ॉ": "ा", "ऑ": "आ", "ँ": "ं", "đ": "d"})
# French elision: "l'Utah", "d'Alabama" are the article and the name.
_ELISION = re.compile(r"\b(qu|[cdjlmnst])['’]", re.IGNORECASE)
# Chinese and Japanese write no spaces between words: a name is found inside a run of characters.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_EDGE = re.compile(f"(?<=[{_CJK}])(?=[^{_CJK}\\s])|(?<=[^{_CJK}\\s])(?=[{_CJK}])")


def speech_key(text: str, language: str = "") -> str:
    """Return the form in which a written name and a recogniser's words compare: folded, one space apart."""
    if language == "fr":
        text = _ELISION.sub(r"\1 ", text)
    folded = unicodedata.normalize("NFC", _OPTIONAL_MARKS.sub("", _fold(text))).translate(_SAME_LETTERS)
    # Periods and apostrophes vanish ("D.C." -> "dc", "I'm" -> "im"); other punctuation splits.
    folded = _CJK_EDGE.sub(" ", re.sub(r"[.'’]", "", folded))
    spaced = "".join(ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in folded)
    return " ".join(spaced.split())


def _is_cjk(ch: str) -> bool:
    return re.match(f"[{_CJK}]", ch) is not None


# Russian declines names ("в Калифорнии", "в Техасе", "в Северной Каролине"): a Cyrillic word matches
# with its final vowels changed or an ending added.
_CYRILLIC_WORD = re.compile("[а-яё]+")
_CYRILLIC_ENDING = re.compile("[аеёиоуыэюяйь]{1,2}$")
# Arabic writes "and", "so", "in/with" and "to" onto the next word: وتكساس, بتكساس, لفلوريدا.
_ARABIC_PROCLITICS = "(?:[وف]?[بل]?)"


def _word_pattern(word: str) -> str:
    if not _CYRILLIC_WORD.fullmatch(word):
        return re.escape(word)
    stem = _CYRILLIC_ENDING.sub("", word)
    if len(stem) < 2:
        stem = word
    # A short stem takes only vowel endings, so "Юта" finds "в Юте" but not every word that starts "ют".
    return re.escape(stem) + ("[а-яё]{0,3}" if len(stem) >= 4 else "[аеёиоуыэюяйь]{0,3}")


def _form_pattern(form: str) -> re.Pattern[str]:
    """The regular expression that finds one spoken form inside a speech key padded with spaces."""
    body = " ".join(_word_pattern(word) for word in form.split(" "))
    if "\u0600" <= form[0] <= "\u06ff":
        body = _ARABIC_PROCLITICS + body
    left = "" if _is_cjk(form[0]) else "(?<= )"
    right = "" if _is_cjk(form[-1]) else "(?= )"
    return re.compile(left + body + right)


def county_key(county: str) -> str:
    """Return the form in which spellings of one county compare equal ("St. Lawrence County")."""
    key = speech_key(county)
    key = re.sub(r" (county|parish)$", "", key)
    return key.replace(" ", "")


# A state's name ends in 州 ("state") in Chinese; callers say the name with or without it.
_GENERIC_ENDINGS: dict[str, tuple[str, ...]] = {"zh": ("州",)}


def spoken_variants(name: str, language: str) -> list[str]:
    """Return the ways callers say a name: as written, and without a generic ending like 州."""
    variants = [name]
    for ending in _GENERIC_ENDINGS.get(language, ()):
        if name.endswith(ending) and len(name) - len(ending) >= 2:
            variants.append(name.removesuffix(ending))
    return variants


@dataclass(frozen=True)
class PlaceNames:
    """State, territory and field office names per language, from schedules/place_names.toml."""

    path: Path
    states: Mapping[str, Mapping[str, str]]
    offices: Mapping[str, Mapping[str, str]]
    speech_aliases: Mapping[str, Mapping[str, tuple[str, ...]]]
    # Per language, each spoken form (as a speech key) of its names and aliases, to its state.
    spoken_forms: Mapping[str, Mapping[str, str]] = field(repr=False)
    # Where each table and name is in the file, so a later check can point at the line.
    lines: TableLines = field(repr=False, compare=False)
    _speech_patterns: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.states)

    @classmethod
    def load(cls, path: Path) -> PlaceNames:
        """Read and check the place names file, raising PlaceNameError on any mistake."""
        # The reader builds PlaceNames, so it imports this module; importing it only when a file is
        # read keeps the two modules free of an import cycle.
        from ivr.rules.place_names_file import load_place_names

        return load_place_names(path)

    def state_name(self, state: str, language: str) -> str:
        names = self.states.get(language, self.states["en"])
        return names.get(state, self.states["en"][state])

    def office_name(self, office: str, language: str) -> str:
        return self.offices.get(language, {}).get(office, office)

    def states_named(self, speech: str, language: str) -> set[str]:
        """Return every state or territory named in the words, in the language's names or English."""
        spoken = f" {speech_key(speech, language)} "
        taken: list[tuple[int, int]] = []
        found: set[str] = set()
        for pattern, state in self._patterns(language):
            for match in pattern.finditer(spoken):
                start, end = match.span()
                # "West Virginia" must not also count as "Virginia": longer forms go first.
                if any(start < t_end and t_start < end for t_start, t_end in taken):
                    continue
                taken.append((start, end))
                found.add(state)
        return found

    def _patterns(self, language: str) -> tuple[tuple[re.Pattern[str], str], ...]:
        """Every spoken form of every state for a language, longest first; English forms as fallback."""
        if language not in self._speech_patterns:
            forms: dict[str, str] = {}
            for lang in dict.fromkeys((language, "en")):
                for form, state in self.spoken_forms.get(lang, {}).items():
                    forms.setdefault(form, state)
            ordered = sorted(forms.items(), key=lambda item: (-len(item[0]), item[0]))
            self._speech_patterns[language] = tuple((_form_pattern(form), state) for form, state in ordered)
        return self._speech_patterns[language]


@cache
def shipped_place_names() -> PlaceNames:
    """The place names the project ships, read once."""
    return PlaceNames.load(PLACE_NAMES_FILE)

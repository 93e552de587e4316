"""Read the phrase file (prompts/subject_phrases.toml) into each language's cues, checked and indexed."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ivr.journey.subjects import Subject
from ivr.journey.words import Misheard, Spelling, Stemmer, Word, stemmer, stemmer_names

_LEVELS = ("strong", "medium", "weak", "fallback")
_OPTION_KEYS = frozenset(
    {
        "ignore",
        "prefixes",
        "replace",
        "strip_marks",
        "word_boundaries",
        "stemmer",
        "misheard",
        "known_words",
    }
)
# English words callers of every language drop into their own ("mi lawyer", "le bond"), kept once.
_BORROWED = "borrowed"
# A misheard word counts for this share of its cue's weight unless [scoring] says otherwise: a strong
# cue heard only through a misrecognition weighs like a medium one, so alone it is always confirmed.
_MISHEARD_SHARE = 2 / 3


class PhraseBookError(ValueError):
    """The phrase file is missing or wrong; the message names the file and the fix."""


@dataclass(frozen=True)
class CueWord:
    """One word of a cue: matched whole, by its stem, or as the start of a word ("golpe*")."""

    text: str
    prefix: bool
    stems: frozenset[str] = frozenset()

    def matches(self, word: Word) -> bool:
        if self.prefix:
            return word.text.startswith(self.text) or any(b.startswith(self.text) for b in word.bare)
        return word.text == self.text or self.text in word.bare or not self.stems.isdisjoint(word.stems)


@dataclass(frozen=True)
class Cue:
    text: str
    subject: Subject | None  # None: an "ignore" phrase, claiming words without voting.
    weight: float
    fallback: bool
    parts: tuple[tuple[CueWord, ...], ...]


@dataclass(frozen=True)
class LanguageCues:
    """One language's cues, in the order they claim words, and what finds them quickly."""

    cues: tuple[Cue, ...]
    spelling: Spelling
    word_boundaries: bool
    stemmer: Stemmer | None
    misheard: Misheard | None
    # Particles written onto the next word (Arabic "و", "ال"): a word matches a cue word also
    # behind one of them, so "والمحامي" (and the lawyer) matches "محامي*".
    prefixes: tuple[str, ...] = ()
    # The first word of each part of each cue, by what finds it: most of the ~500 cues of a language
    # are never looked at for a given caller, which keeps a webhook's classification well under 1 ms.
    by_text: Mapping[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    by_stem: Mapping[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    by_start: Mapping[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)

    # Every word the cues write out, whole or as a start ("golpe*"): the forms the phrase book knows.
    written: frozenset[str] = frozenset()
    written_starts: frozenset[str] = frozenset()

    def words(self, text: str) -> list[Word]:
        """The caller's words, with their stems and the forms behind a particle."""
        words = self.spelling.words(text, self.word_boundaries, self.stemmer, self.prefixes)
        # A stem finds the forms the phrase book does not list; a form it lists ("officers", as
        # "officer*") means what the book says, not what its stem would ("office").
        return [replace(w, stems=frozenset()) if w.stems and self._written(w.text) else w for w in words]

    def _written(self, text: str) -> bool:
        return text in self.written or any(
            text[:end] in self.written_starts for end in range(1, len(text) + 1)
        )

    def candidates(self, words: list[Word]) -> list[int]:
        """The cues (by position) whose every part begins with a word the caller may have said."""
        found: dict[int, set[int]] = {}
        for word in words:
            for form in (word.text, *word.bare):
                for hit in self.by_text.get(form, ()):
                    found.setdefault(hit[0], set()).add(hit[1])
                for end in range(1, len(form) + 1):
                    for hit in self.by_start.get(form[:end], ()):
                        found.setdefault(hit[0], set()).add(hit[1])
            for stem in word.stems:
                for hit in self.by_stem.get(stem, ()):
                    found.setdefault(hit[0], set()).add(hit[1])
        return sorted(c for c, parts in found.items() if len(parts) == len(self.cues[c].parts))


@dataclass(frozen=True)
class Scoring:
    weights: Mapping[str, float]
    evidence_floor: float
    misheard_share: float


@dataclass(frozen=True)
class Learned:
    """The [learned] table: the example files the second opinion learns from, and how far to trust it."""

    examples: tuple[Path, ...]
    temperature: float
    # The model's belief in the subject at which it answers without asking: where it agrees with
    # the cues' guess, and where it alone heard a subject (or outvotes a thin guess).
    agree: float
    alone: float
    # Its belief in another subject at which a cue's sure answer is confirmed by the caller instead.
    veto: float
    # The line's threshold: a confidence at or above it routes the caller without asking.
    confident: float
    # The fewest of the caller's words (characters, unspaced) the examples must know for the model
    # to have an opinion at all.
    fewest_words: int
    # A language's own agree, alone or veto ([learned.zh]), where cross-validation on its examples
    # found the shared ones too strict or too loose for it.
    languages: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def in_language(self, code: str) -> Learned:
        """How far to trust the model of one language: the shared settings, with its own on top."""
        own = self.languages.get(code)
        if not own:
            return self
        return replace(
            self,
            agree=own.get("agree", self.agree),
            alone=own.get("alone", self.alone),
            veto=own.get("veto", self.veto),
            languages={},
        )


def load_book(path: Path) -> tuple[dict[str, LanguageCues], Scoring, Learned | None]:
    """Read and check a phrase file, raising PhraseBookError with the fix on any mistake."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PhraseBookError(f"{path}: cannot read the file ({exc.strerror}).") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PhraseBookError(f"{path}: not valid TOML ({exc}). Fix the syntax there.") from exc
    return _parse_book(data, path)


def _parse_book(data: dict[str, Any], path: Path) -> tuple[dict[str, LanguageCues], Scoring, Learned | None]:
    scoring = _scoring(data.get("scoring", {}), path)
    learned = _learned(data["learned"], path) if "learned" in data else None
    options = data.get("options", {})
    for code, language_options in options.items():
        _check_options(code, language_options, path)
    borrowed = data.get(_BORROWED, {})
    if not isinstance(borrowed, dict):
        raise PhraseBookError(f"{path}: [{_BORROWED}] must be a table of subjects.")
    for name in borrowed:
        _subject(_BORROWED, name, path)
    languages: dict[str, LanguageCues] = {}
    for code, tables in data.items():
        if code in ("scoring", "options", "learned", _BORROWED):
            continue
        if not isinstance(tables, dict):
            raise PhraseBookError(f"{path}: [{code}] must be a table of subjects.")
        language_options = options.get(code, {})
        # English is where the borrowed words come from: its own cues already hold them.
        sources = [(code, tables)] + ([(_BORROWED, borrowed)] if code != "en" else [])
        languages[code] = _language(language_options, sources, scoring, path)
    for code in learned.languages if learned else ():
        if code not in languages:
            raise PhraseBookError(
                f"{path}: [learned.{code}] names a language without cues. "
                f"Fix: use one of {', '.join(sorted(languages))}."
            )
    return languages, scoring, learned


def _learned(table: object, path: Path) -> Learned:
    try:
        if not isinstance(table, dict):
            raise TypeError("[learned] is not a table")
        files = table["examples"]
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            raise TypeError("examples is not a list of file names")
        temperature, agree, alone, veto, confident = (
            float(table[key]) for key in ("temperature", "agree", "alone", "veto", "confident")
        )
        fewest = int(table["fewest_words"])
    except (KeyError, TypeError, ValueError) as exc:
        raise PhraseBookError(
            f"{path}: [learned] needs examples (a list of files) and numbers for temperature, agree, "
            f"alone, veto, confident and fewest_words ({exc!r}). Fix: restore the [learned] table."
        ) from exc
    examples = tuple((path.parent / f).resolve() for f in files)
    for file in examples:
        if not file.is_file():
            raise PhraseBookError(
                f"{path}: [learned] examples names {file}, which does not exist. "
                "Fix: name an existing file, relative to the phrase file."
            )
    return Learned(
        examples, temperature, agree, alone, veto, confident, fewest, _learned_languages(table, path)
    )


_OWN_SETTINGS = ("agree", "alone", "veto")


def _learned_languages(table: dict[str, Any], path: Path) -> dict[str, dict[str, float]]:
    """The [learned.xx] tables: a language's own agree, alone or veto, each between 0 and 1."""
    own: dict[str, dict[str, float]] = {}
    for code, settings in table.items():
        if not isinstance(settings, dict):
            continue
        for key, value in settings.items():
            if key not in _OWN_SETTINGS or not isinstance(value, int | float) or not 0 < value <= 1:
                raise PhraseBookError(
                    f"{path}: [learned.{code}] {key} = {value!r}: a language may set only "
                    f"{', '.join(_OWN_SETTINGS)}, each a number above 0 and at most 1. Fix that line."
                )
        own[code] = {key: float(value) for key, value in settings.items()}
    return own


def _language(
    language_options: dict[str, Any],
    sources: list[tuple[str, dict[str, Any]]],
    scoring: Scoring,
    path: Path,
) -> LanguageCues:
    spelling = Spelling(
        language_options.get("strip_marks", True), tuple(language_options.get("replace", {}).items())
    )
    word_boundaries = language_options.get("word_boundaries", True)
    stems = stemmer(language_options["stemmer"]) if "stemmer" in language_options else None
    prefixes = tuple(spelling.normalize(p) for p in language_options.get("prefixes", []))
    make = _CueMaker(spelling, word_boundaries, stems)
    cues = [make(phrase, None, float("inf"), False) for phrase in language_options.get("ignore", [])]
    for table, subjects in sources:
        for subject_name, levels in subjects.items():
            subject = _subject(table, subject_name, path)
            for level, phrases in _levels(table, subject_name, levels, path):
                for phrase in phrases:
                    if not isinstance(phrase, str) or not spelling.normalize(phrase):
                        raise PhraseBookError(
                            f"{path}: [{table}.{subject_name}] {level} has {phrase!r}. "
                            "Fix: write each cue as a non-empty string in double quotes."
                        )
                    cues.append(make(phrase, subject, scoring.weights[level], level == "fallback"))
    # Heavier cues, then longer ones, claim the caller's words first.
    cues.sort(key=lambda c: (-c.weight, -sum(len(part) for part in c.parts)))
    known = {w.text for cue in cues for part in cue.parts for w in part if not w.prefix}
    starts = frozenset(w.text for cue in cues for part in cue.parts for w in part if w.prefix)
    known.update(spelling.normalize(w) for w in language_options.get("known_words", []))
    misheard = None
    if word_boundaries and language_options.get("misheard", True):
        # Only a cue of one word: in a phrase, a word one slip from its word is mostly another form
        # of a word the phrase does not mean ("broken" for "broke my").
        cue_words = {
            (c.parts[0][0], c.subject)
            for c in cues
            if c.subject is not None and c.parts == c.parts[:1] and len(c.parts[0]) == 1
        }
        misheard = Misheard.of(list(cue_words), frozenset(known))
    by_text: dict[str, list[tuple[int, int]]] = {}
    by_stem: dict[str, list[tuple[int, int]]] = {}
    by_start: dict[str, list[tuple[int, int]]] = {}
    for number, cue in enumerate(cues):
        for part_number, part in enumerate(cue.parts):
            first = part[0]
            (by_start if first.prefix else by_text).setdefault(first.text, []).append((number, part_number))
            for stem in first.stems:
                by_stem.setdefault(stem, []).append((number, part_number))
    return LanguageCues(
        tuple(cues),
        spelling,
        word_boundaries,
        stems,
        misheard,
        prefixes,
        {k: tuple(v) for k, v in by_text.items()},
        {k: tuple(v) for k, v in by_stem.items()},
        {k: tuple(v) for k, v in by_start.items()},
        frozenset(known),
        starts,
    )


@dataclass(frozen=True)
class _CueMaker:
    spelling: Spelling
    word_boundaries: bool
    stemmer: Stemmer | None

    def __call__(self, phrase: str, subject: Subject | None, weight: float, fallback: bool) -> Cue:
        parts: list[tuple[CueWord, ...]] = []
        for part in phrase.split("+"):
            words: list[CueWord] = []
            for written in part.split():
                prefix = written.endswith("*") and self.word_boundaries
                stemmer = None if prefix else self.stemmer
                for said in self.spelling.words(written.rstrip("*"), self.word_boundaries, stemmer):
                    # Only whole words have a stem: "golpe*" already says which forms it takes.
                    words.append(CueWord(said.text, False, frozenset() if prefix else said.stems))
                if prefix and words:
                    words[-1] = CueWord(words[-1].text, True)
            if words:
                parts.append(tuple(words))
        return Cue(phrase, subject, weight, fallback, tuple(parts))


def _scoring(scoring: object, path: Path) -> Scoring:
    try:
        if not isinstance(scoring, dict):
            raise TypeError("[scoring] is not a table")
        weights = {level: float(scoring[level]) for level in _LEVELS}
        floor = float(scoring["evidence_floor"])
        share = float(scoring.get("misheard", _MISHEARD_SHARE))
    except (KeyError, TypeError, ValueError) as exc:
        raise PhraseBookError(
            f"{path}: [scoring] needs numbers for {', '.join(_LEVELS)} and evidence_floor "
            f"({exc!r}). Fix: restore the [scoring] table."
        ) from exc
    if not 0.0 <= share <= 1.0:
        raise PhraseBookError(f"{path}: [scoring] misheard must be between 0 and 1 (a share of a weight).")
    return Scoring(weights, floor, share)


def _subject(table: str, name: str, path: Path) -> Subject:
    try:
        return Subject(name)
    except ValueError:
        raise PhraseBookError(
            f"{path}: [{table}.{name}] is not a subject. "
            f"Fix: use one of {', '.join(s.value for s in Subject)}."
        ) from None


def _levels(table: str, subject: str, levels: object, path: Path) -> list[tuple[str, list[object]]]:
    if not isinstance(levels, dict):
        raise PhraseBookError(f"{path}: [{table}.{subject}] must be a table of cue lists.")
    for level, phrases in levels.items():
        if level not in _LEVELS or not isinstance(phrases, list):
            raise PhraseBookError(
                f"{path}: [{table}.{subject}] has {level!r}. Fix: use lists named {', '.join(_LEVELS)}."
            )
    return list(levels.items())


def _check_options(code: str, language_options: object, path: Path) -> None:
    if not isinstance(language_options, dict):
        raise PhraseBookError(f"{path}: [options.{code}] must be a table.")
    unknown = set(language_options) - _OPTION_KEYS
    if unknown:
        raise PhraseBookError(
            f"{path}: [options.{code}] has unknown key(s) {sorted(unknown)}. "
            f"Fix: use only {', '.join(sorted(_OPTION_KEYS))}."
        )
    for flag in ("strip_marks", "word_boundaries", "misheard"):
        if not isinstance(language_options.get(flag, True), bool):
            raise PhraseBookError(f"{path}: [options.{code}] {flag} must be true or false (no quotes).")
    for key in ("ignore", "prefixes", "known_words"):
        phrases = language_options.get(key, [])
        if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
            raise PhraseBookError(
                f"{path}: [options.{code}] {key} must be a list of phrases in double quotes."
            )
    replace = language_options.get("replace", {})
    if not isinstance(replace, dict) or not all(old and isinstance(new, str) for old, new in replace.items()):
        raise PhraseBookError(
            f'{path}: [options.{code}] replace must be a table of "spelling" = "replacement" strings.'
        )
    name = language_options.get("stemmer")
    if name is not None and name not in stemmer_names():
        raise PhraseBookError(
            f"{path}: [options.{code}] stemmer {name!r} is not a Snowball stemmer. "
            f"Fix: use one of {', '.join(stemmer_names())}, or leave it out."
        )

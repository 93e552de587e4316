"""Map a caller's own words on why they are calling to one of the subjects, with a confidence."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from ivr.journey.subjects import Subject

PHRASES_FILE = Path(__file__).resolve().parents[2] / "prompts" / "subject_phrases.toml"

_LEVELS = ("strong", "medium", "weak", "fallback")
_OPTION_KEYS = frozenset({"ignore", "prefixes", "replace", "strip_marks", "word_boundaries"})
# Subjects earlier in the menu win ties: the urgent ones come first (call-flow.md step 4).
_MENU_ORDER = {subject: position for position, subject in enumerate(Subject)}


@dataclass(frozen=True)
class Classification:
    subject: Subject | None
    confidence: float
    # The cues that voted for the subject, for supervisors asking "why this subject?". They are
    # fragments of what the caller said: handle them like the transcript.
    cues: tuple[str, ...] = ()


class PhraseBookError(ValueError):
    """The phrase file is missing or wrong; the message names the file and the fix."""


@dataclass(frozen=True)
class _Cue:
    text: str
    subject: Subject | None  # None: an "ignore" phrase, claiming words without voting.
    weight: float
    fallback: bool
    parts: tuple[tuple[str, ...], ...]
    # The first letter of each part: a cue whose letters do not all begin a word of the caller's
    # is skipped without looking further (most of the ~450 cues of a language, for most callers).
    initials: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Spelling:
    """How one language's words are written down before matching (the [options.xx] flags)."""

    strip_marks: bool = True
    # Letters recognisers spell either way, folded to one ("ة" -> "ه"), applied in this order.
    replace: tuple[tuple[str, str], ...] = ()

    def normalize(self, text: str) -> str:
        return normalize(text, self.strip_marks, dict(self.replace))


@dataclass(frozen=True)
class _Language:
    cues: tuple[_Cue, ...]  # in the order they claim words
    spelling: _Spelling
    word_boundaries: bool
    # Particles written onto the next word (Arabic "و", "ال"): a word matches a cue word also
    # behind one of them, so "والمحامي" (and the lawyer) matches "محامي*".
    prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PhraseBook:
    """The cues of every language, ready to classify with."""

    languages: Mapping[str, _Language]
    evidence_floor: float

    @classmethod
    def load(cls, path: Path) -> PhraseBook:
        """Read and check a phrase file, raising PhraseBookError with the fix on any mistake."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise PhraseBookError(f"{path}: cannot read the file ({exc.strerror}).") from exc
        except tomllib.TOMLDecodeError as exc:
            raise PhraseBookError(f"{path}: not valid TOML ({exc}). Fix the syntax there.") from exc
        return _parse_book(data, path)

    def classify(self, text: str, language: str) -> Classification:
        """Classify the words in one language; a language without cues gets no subject."""
        phrases = self.languages.get(_language_code(language))
        if phrases is None:
            return Classification(None, 0.0)
        tokens = _tokens(text, phrases)
        initials = _initials(tokens, phrases.prefixes)
        claimed = [False] * len(tokens)
        scores: dict[Subject, float] = {}
        voters: dict[Subject, list[str]] = {}
        fallbacks: list[_Cue] = []
        for cue in phrases.cues:
            if cue.fallback:
                fallbacks.append(cue)
                continue
            if not cue.initials <= initials:
                continue
            if _claim(cue, tokens, claimed, phrases.prefixes) and cue.subject is not None:
                scores[cue.subject] = scores.get(cue.subject, 0.0) + cue.weight
                voters.setdefault(cue.subject, []).append(cue.text)
        # A bare "I have a question" means "other" only when nothing more specific was said.
        if not scores:
            for cue in fallbacks:
                if _claim(cue, tokens, claimed, phrases.prefixes) and cue.subject is not None:
                    scores[cue.subject] = scores.get(cue.subject, 0.0) + cue.weight
                    voters.setdefault(cue.subject, []).append(cue.text)
        if not scores:
            return Classification(None, 0.0)

        ranked = sorted(scores, key=lambda subject: (-scores[subject], _MENU_ORDER[subject]))
        best = scores[ranked[0]]
        runner_up = scores[ranked[1]] if len(ranked) > 1 else 0.0
        # The lead over the runner-up, as a share of the evidence: thin or contested evidence
        # gives a low confidence, and the caller is asked to confirm.
        confidence = (best - runner_up) / (best + self.evidence_floor)
        return Classification(ranked[0], round(min(1.0, max(0.0, confidence)), 4), tuple(voters[ranked[0]]))


@cache
def default_phrase_book() -> PhraseBook:
    """Return the line's own phrase book, read once per process."""
    return PhraseBook.load(PHRASES_FILE)


def classify(text: str, language: str, phrases: PhraseBook | None = None) -> Classification:
    """Classify why the caller is calling from their words, in any language of the phrase file
    (en, es, pt, ru, fr, hi, vi, zh, ar); a language without cues (the keypad-only pa, ht) gets None."""
    return (phrases or default_phrase_book()).classify(text, language)


def normalize(text: str, strip_marks: bool = True, replace: Mapping[str, str] | None = None) -> str:
    """Lowercase, strip accents and punctuation, squeeze spaces: what recognisers vary in.

    `replace` folds spellings a language's recognisers vary in ("ة" -> "ه", "'" -> " " where an
    apostrophe joins two words), before accents and punctuation go.
    """
    form: Literal["NFKD", "NFC"] = "NFKD" if strip_marks else "NFC"
    text = unicodedata.normalize(form, text.lower())
    for old, new in (replace or {}).items():
        text = text.replace(
            unicodedata.normalize(form, old.lower()), unicodedata.normalize(form, new.lower())
        )
    if strip_marks:
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    # "don't" and "dont" must meet: apostrophes vanish rather than split a word.
    text = re.sub(r"['\u2019`]", "", text)
    spaced = "".join(ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in text)
    return " ".join(spaced.split())


def _language_code(language: str) -> str:
    return language.split("-")[0].strip().lower()


def _tokens(text: str, phrases: _Language) -> list[str]:
    normal = phrases.spelling.normalize(text)
    # Without spaces between words (Mandarin), each character is a token and cues are strings.
    return normal.split() if phrases.word_boundaries else list(normal.replace(" ", ""))


def _initials(tokens: list[str], prefixes: tuple[str, ...]) -> frozenset[str]:
    """The letters the caller's words begin with, also behind a particle written onto them."""
    behind = (t[len(p)] for t in tokens for p in prefixes if len(t) > len(p) and t.startswith(p))
    return frozenset(t[0] for t in tokens) | frozenset(behind)


def _token_matches(pattern: str, token: str, prefixes: tuple[str, ...] = ()) -> bool:
    if token == pattern or (pattern.endswith("*") and token.startswith(pattern[:-1])):
        return True
    return any(
        token.startswith(prefix) and _token_matches(pattern, token[len(prefix) :])
        for prefix in prefixes
        if len(token) > len(prefix)
    )


def _claim(cue: _Cue, tokens: list[str], claimed: list[bool], prefixes: tuple[str, ...] = ()) -> bool:
    """Find every part of the cue among unclaimed words; if all are there, claim them."""
    taken: set[int] = set()
    for part in cue.parts:
        found = None
        for start in range(len(tokens) - len(part) + 1):
            if claimed[start] or not _token_matches(part[0], tokens[start], prefixes):
                continue  # the cheap test first: most cues do not even start here
            span = range(start, start + len(part))
            if all(
                not claimed[i] and i not in taken and _token_matches(p, tokens[i], prefixes)
                for i, p in zip(span, part, strict=True)
            ):
                found = span
                break
        if found is None:
            return False
        taken.update(found)
    for i in taken:
        claimed[i] = True
    return True


def _parse_book(data: dict[str, Any], path: Path) -> PhraseBook:
    scoring = data.get("scoring", {})
    try:
        weights = {level: float(scoring[level]) for level in _LEVELS}
        floor = float(scoring["evidence_floor"])
    except (KeyError, TypeError, ValueError) as exc:
        raise PhraseBookError(
            f"{path}: [scoring] needs numbers for {', '.join(_LEVELS)} and evidence_floor "
            f"({exc!r}). Fix: restore the [scoring] table."
        ) from exc
    options = data.get("options", {})
    for code, language_options in options.items():
        _check_options(code, language_options, path)
    languages: dict[str, _Language] = {}
    for code, tables in data.items():
        if code in ("scoring", "options"):
            continue
        if not isinstance(tables, dict):
            raise PhraseBookError(f"{path}: [{code}] must be a table of subjects.")
        language_options = options.get(code, {})
        spelling = _Spelling(
            language_options.get("strip_marks", True),
            tuple(language_options.get("replace", {}).items()),
        )
        word_boundaries = language_options.get("word_boundaries", True)
        prefixes = tuple(spelling.normalize(p) for p in language_options.get("prefixes", []))
        cues: list[_Cue] = []
        for phrase in language_options.get("ignore", []):
            cues.append(_cue(phrase, None, float("inf"), False, spelling, word_boundaries))
        for subject_name, levels in tables.items():
            try:
                subject = Subject(subject_name)
            except ValueError:
                raise PhraseBookError(
                    f"{path}: [{code}.{subject_name}] is not a subject. "
                    f"Fix: use one of {', '.join(s.value for s in Subject)}."
                ) from None
            for level, phrases in levels.items():
                if level not in _LEVELS or not isinstance(phrases, list):
                    raise PhraseBookError(
                        f"{path}: [{code}.{subject_name}] has {level!r}. "
                        f"Fix: use lists named {', '.join(_LEVELS)}."
                    )
                for phrase in phrases:
                    if not isinstance(phrase, str) or not spelling.normalize(phrase):
                        raise PhraseBookError(
                            f"{path}: [{code}.{subject_name}] {level} has {phrase!r}. "
                            "Fix: write each cue as a non-empty string in double quotes."
                        )
                    cues.append(
                        _cue(
                            phrase,
                            subject,
                            weights[level],
                            level == "fallback",
                            spelling,
                            word_boundaries,
                        )
                    )
        # Heavier cues, then longer ones, claim the caller's words first.
        cues.sort(key=lambda c: (-c.weight, -sum(len(p) for p in c.parts)))
        languages[code] = _Language(tuple(cues), spelling, word_boundaries, prefixes)
    return PhraseBook(languages, floor)


def _check_options(code: str, language_options: object, path: Path) -> None:
    if not isinstance(language_options, dict):
        raise PhraseBookError(f"{path}: [options.{code}] must be a table.")
    unknown = set(language_options) - _OPTION_KEYS
    if unknown:
        raise PhraseBookError(
            f"{path}: [options.{code}] has unknown key(s) {sorted(unknown)}. "
            f"Fix: use only {', '.join(sorted(_OPTION_KEYS))}."
        )
    for flag in ("strip_marks", "word_boundaries"):
        if not isinstance(language_options.get(flag, True), bool):
            raise PhraseBookError(f"{path}: [options.{code}] {flag} must be true or false (no quotes).")
    for key in ("ignore", "prefixes"):
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


def _cue(
    phrase: str,
    subject: Subject | None,
    weight: float,
    fallback: bool,
    spelling: _Spelling,
    word_boundaries: bool,
) -> _Cue:
    parts: list[tuple[str, ...]] = []
    for part in phrase.split("+"):
        words: list[str] = []
        for word in part.split():
            pieces = spelling.normalize(word).split()
            # "*" must survive normalisation, which treats it as punctuation.
            if pieces and word.endswith("*"):
                pieces[-1] += "*"
            words.extend(pieces)
        if not word_boundaries:
            words = list("".join(words).replace("*", ""))
        if words:
            parts.append(tuple(words))
    initials = frozenset(part[0][0] for part in parts if part[0][0] != "*")
    return _Cue(phrase, subject, weight, fallback, tuple(parts), initials)

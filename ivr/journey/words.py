"""A caller's words as the classifier compares them: spelled one way, stemmed, and maybe misheard."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Literal

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from ivr.journey.subjects import Subject

if TYPE_CHECKING:
    from ivr.journey.cues import CueWord

# A stem this short says too little to stand for a word ("com", of "comida" and of "como"): such
# words match whole only.
_SHORTEST_STEM = 4
# Words shorter than this are never read as misheard: "bond", "cold" and "hit" are one letter away
# from too many other words; the start of a word ("agred*") needs one more letter, as "agrad..."
# (thanking) is one slip from it. From 9 letters on, two slips are allowed ("medicamenots").
_SHORTEST_MISHEARD = 5
_SHORTEST_MISHEARD_START = 6
_TWO_SLIPS_FROM = 9
# Distinct words of one language a worker keeps the stems of; callers repeat the same few hundred.
_STEMS_KEPT = 8192


@dataclass(frozen=True)
class Word:
    """A word as said (normalized), its stems, and the word behind a particle ("و" + "المحامي")."""

    text: str
    stems: frozenset[str] = frozenset()
    bare: tuple[str, ...] = ()


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
        text = _without_marks(text)
    # "don't" and "dont" must meet: apostrophes vanish rather than split a word.
    text = re.sub(r"['\u2019`]", "", text)
    spaced = "".join(ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in text)
    return " ".join(spaced.split())


def _without_marks(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Spelling:
    """How one language's words are written down before matching (the [options.xx] flags)."""

    strip_marks: bool = True
    # Letters recognisers spell either way, folded to one ("ة" -> "ه"), applied in this order.
    replace: tuple[tuple[str, str], ...] = ()

    def normalize(self, text: str) -> str:
        return normalize(text, self.strip_marks, dict(self.replace))

    def words(
        self,
        text: str,
        word_boundaries: bool = True,
        stemmer: Stemmer | None = None,
        prefixes: tuple[str, ...] = (),
    ) -> list[Word]:
        normal = self.normalize(text)
        if not word_boundaries:
            # Without spaces between words (Mandarin), each character is a word and cues are strings.
            return [Word(ch) for ch in normal.replace(" ", "")]
        texts = normal.split()
        stems: list[frozenset[str]] = [frozenset()] * len(texts)
        if stemmer is not None:
            # Snowball reads the accents ("separação", "избитый"): stem the word as written, then fold.
            written = normalize(text, False, dict(self.replace)).split() if self.strip_marks else texts
            if len(written) != len(texts):
                written = texts
            stems = [stemmer.keys(w, t, self.strip_marks) for w, t in zip(written, texts, strict=True)]
        return [
            Word(t, s, tuple(t[len(p) :] for p in prefixes if len(t) > len(p) and t.startswith(p)))
            for t, s in zip(texts, stems, strict=True)
        ]


@cache
def stemmer(name: str) -> Stemmer:
    """The Snowball stemmer of that name, made once per process."""
    return Stemmer(name)


def stemmer_names() -> list[str]:
    """The Snowball algorithms an [options.xx] stemmer may name."""
    return list(snowballstemmer.algorithms())


class Stemmer:
    """One language's Snowball stemmer, loaded once per process and shared by its callers."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._snowball = snowballstemmer.stemmer(name)
        # Snowball keeps its work in the stemmer object: one word at a time, whatever the threads.
        self._lock = threading.Lock()
        self._stem: Callable[[str], str] = lru_cache(maxsize=_STEMS_KEPT)(self._stem_now)

    def _stem_now(self, word: str) -> str:
        with self._lock:
            return str(self._snowball.stemWord(word))

    def keys(self, written: str, folded: str, strip_marks: bool) -> frozenset[str]:
        """The stems a word is known by: of the word as written, and of its folded spelling.

        Both, because a phrase file may write a cue without its accents ("agressao") while the
        recogniser writes them ("agressões"): each side's stems meet in one of the two.
        """
        if len(folded) < _SHORTEST_STEM:
            return frozenset()  # "me", "de": no stem this short would be kept
        as_written = self._stem(written)
        if strip_marks:
            as_written = _without_marks(as_written)
        stems = {as_written, self._stem(folded) if folded != written else as_written}
        return frozenset(s for s in stems if len(s) >= _SHORTEST_STEM)


class Misheard:
    """Finds the cue word a recogniser may have misheard as an unknown word ("lawer", "abogao")."""

    def __init__(
        self, whole: list[str], starts: dict[int, list[str]], known: frozenset[str], stems: frozenset[str]
    ) -> None:
        self._whole = {slips: [w for w in whole if _slips(len(w)) == slips] for slips in (1, 2)}
        self._starts = starts
        self._known = known
        self._stems = stems  # a word sharing a cue word's stem is that word, heard right
        self._cue_words: dict[tuple[str, bool], CueWord] = {}
        self._subjects: dict[tuple[str, bool], set[Subject]] = {}

    @classmethod
    def of(cls, cue_words: list[tuple[CueWord, Subject]], known: frozenset[str]) -> Misheard:
        """Listen for slips of these one-word cues (each with the subject it votes for)."""
        subjects: dict[tuple[str, bool], set[Subject]] = {}
        for word, subject in cue_words:
            subjects.setdefault((word.text, word.prefix), set()).add(subject)
        words = {
            (w.text, w.prefix): w
            for w, _ in cue_words
            if len(w.text) >= (_SHORTEST_MISHEARD_START if w.prefix else _SHORTEST_MISHEARD)
        }
        starts: dict[int, list[str]] = {}
        for text, prefix in words:
            if prefix:
                starts.setdefault(len(text), []).append(text)
        stems = frozenset(s for w, _ in cue_words for s in w.stems)
        found = cls([text for text, prefix in words if not prefix], starts, known, stems)
        found._cue_words = words
        found._subjects = subjects
        return found

    def correct(self, word: Word) -> CueWord | None:
        """The one cue word this word is a slip of, or None when it is a word of its own or no slip."""
        text = word.text
        if len(text) < _SHORTEST_MISHEARD or text in self._known or not self._stems.isdisjoint(word.stems):
            return None
        near: dict[tuple[str, bool], int] = {}
        for slips, choices in self._whole.items():
            for choice, distance, _ in process.extract(
                text, choices, scorer=Levenshtein.distance, score_cutoff=slips, limit=None
            ):
                # A word ending otherwise is another form or another word ("dejan", "dejar";
                # "think", "thing"); a recogniser's slip sits inside the word ("lawer", "atorney").
                if choice[-2:] == text[-2:]:
                    near[(choice, False)] = int(distance)
        for length, starts in self._starts.items():
            slips = _slips(length)
            # "attacck" against "attack*": the caller's word cut where the cue word ends, or one
            # letter later for a letter a slip added; one earlier only where the word ends there
            # ("lawer"), or "doctrine" would be a slip of "doctor*" and "traffic" of "traffick*".
            for cut in {length, length + 1} | ({len(text)} if len(text) == length - 1 else set()):
                if cut > len(text):
                    continue
                for choice, distance, _ in process.extract(
                    text[:cut], starts, scorer=Levenshtein.distance, score_cutoff=slips, limit=None
                ):
                    if distance == 0:
                        return None  # it begins like a cue word: heard right, it just is no cue alone
                    key = (choice, True)
                    near[key] = min(int(distance), near.get(key, slips))
        # A recogniser rarely mishears the first sound and a slip elsewhere: keep to the same onset.
        near = {key: d for key, d in near.items() if key[0][0] == text[0]}
        if not near:
            return None
        best = min(near.values())
        closest = sorted((key for key, d in near.items() if d == best), key=lambda k: -len(k[0]))
        # Cue words of two subjects equally near: the word could be either, so it stands for neither.
        if len(set().union(*(self._subjects[key] for key in closest))) != 1:
            return None
        return self._cue_words[closest[0]]


def _slips(length: int) -> int:
    return 2 if length >= _TWO_SLIPS_FROM else 1

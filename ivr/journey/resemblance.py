"""Which subject's example utterances a caller's words resemble most: a learned second opinion.

The cues (cues.py) say what a phrase means; they miss what nobody wrote down. This model learns,
per language, from the labelled example utterances, the pieces of words (character n-grams), words,
stems and word pairs each subject's callers use, and scores a new caller's words against every
subject (a naive Bayes model: counting, no library, trained when a worker starts, in well under a
second). The classifier asks it when the cues are silent, thin or contested.

Its features are stored as CRC-32 hashes in a sorted array beside one array of weights per
language: a few megabytes for every language, where a dict of strings would take tens.
"""

from __future__ import annotations

import csv
import math
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ivr.journey.subjects import Subject
from ivr.journey.words import Word

_SUBJECTS = tuple(Subject)
# Bumped whenever features() or the counting changes: learned counts written before are then stale.
FEATURES_VERSION = 1
# Character n-grams inside a word (with its edges marked), and for unspaced Mandarin the text's.
_WORD_GRAMS = (2, 3, 4, 5)
_TEXT_GRAMS = (1, 2, 3)
# Laplace smoothing: a feature a subject never showed is unlikely for it, not impossible.
_SMOOTHING = 0.1
# Counts are kept in a byte: a feature in more than 255 examples of a subject says nothing more.
_MOST_COUNTED = 255
_LOG_COUNT = [math.log(n + _SMOOTHING) for n in range(_MOST_COUNTED + 1)]


def features(words: Sequence[Word], word_boundaries: bool) -> set[str]:
    """What the model sees of an utterance: n-grams, words, stems and word pairs, once each."""
    found: set[str] = set()
    if not word_boundaries:
        text = "^" + "".join(w.text for w in words) + "$"
        for n in _TEXT_GRAMS:
            found.update("c" + text[i : i + n] for i in range(len(text) - n + 1))
        return found
    for word in words:
        found.add("w" + word.text)
        found.update("s" + stem for stem in word.stems)
        edged = f" {word.text} "
        for n in _WORD_GRAMS:
            found.update("c" + edged[i : i + n] for i in range(len(edged) - n + 1))
    found.update(f"b{a.text} {b.text}" for a, b in zip(words, words[1:], strict=False))
    return found


@dataclass(frozen=True)
class Example:
    """One labelled utterance: what a caller of that language said, and the subject it was."""

    language: str
    subject: Subject
    utterance: str


def read_examples(path: Path) -> Iterator[Example]:
    """Yield the rows of a `language<TAB>subject<TAB>utterance` file, after its header and comments."""
    with path.open(encoding="utf-8", newline="") as lines:
        rows = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
        for number, row in enumerate(rows, start=1):
            if number == 1 or not row or row[0].startswith("#"):
                continue
            if len(row) != 3:
                raise ValueError(f"{path}, line {number}: expected 3 tab-separated columns")
            language, subject, utterance = row
            try:
                yield Example(language, Subject(subject), utterance)
            except ValueError:
                raise ValueError(f"{path}, line {number}: unknown subject {subject!r}") from None


def _hash(feature: str) -> int:
    return zlib.crc32(feature.encode("utf-8"))


@dataclass(frozen=True)
class Resemblance:
    """The share of belief the model puts in each subject, best first."""

    ranked: tuple[tuple[Subject, float], ...]
    # How many of the caller's words (characters, in unspaced text) the examples ever held.
    words_known: int = 0

    @property
    def subject(self) -> Subject:
        return self.ranked[0][0]

    @property
    def belief(self) -> float:
        return self.ranked[0][1]


class LanguageModel:
    """One language's learned counts: in how many examples of each subject each feature occurs."""

    WIDTH = len(_SUBJECTS)  # counts per feature, one per subject

    def __init__(
        self, hashes: array[int], counts: bytes, denominators: Sequence[float], temperature: float
    ) -> None:
        self._hashes = hashes  # sorted
        self._counts = counts  # WIDTH per hash, in the same order, at most _MOST_COUNTED
        self._raw_denominators = tuple(denominators)
        self._denominators = [math.log(d) for d in denominators]
        self._temperature = temperature

    def parts(self) -> tuple[array[int], bytes, tuple[float, ...]]:
        """What the model is made of, to write it down (ivr/journey/model_file.py)."""
        return self._hashes, self._counts, self._raw_denominators

    @classmethod
    def learn(cls, examples: Iterable[tuple[Subject, set[str]]], temperature: float) -> LanguageModel:
        """Count, for each subject, in how many of its examples each feature occurs.

        One example at a time into a byte per subject and feature: a worker never holds every
        example's features at once (that alone took tens of megabytes).
        """
        width = len(_SUBJECTS)
        row_of: dict[int, int] = {}
        counts = bytearray()
        totals = [0] * width
        for subject, found in examples:
            column = _SUBJECTS.index(subject)
            for feature in found:
                key = _hash(feature)
                row = row_of.get(key)
                if row is None:
                    row = row_of[key] = len(row_of)
                    counts.extend(bytes(width))
                at = row * width + column
                if counts[at] < _MOST_COUNTED:
                    counts[at] += 1
                    totals[column] += 1
        # Every feature is kept, even one seen once: cross-validation found that a rare n-gram (a word
        # only that subject's callers used) helps more than it misleads.
        kept = sorted(row_of)
        ordered = bytearray()
        for key in kept:
            row = row_of[key]
            ordered += counts[row * width : (row + 1) * width]
        denominators = [total + _SMOOTHING * len(kept) for total in totals]
        return cls(array("I", kept), bytes(ordered), denominators, temperature)

    def size_in_bytes(self) -> int:
        """What the model holds: its hashes and counts."""
        return self._hashes.itemsize * len(self._hashes) + len(self._counts)

    def resemblance(self, found: set[str]) -> Resemblance | None:
        """Score every subject; None when no feature of the utterance was ever seen in an example."""
        width = len(_SUBJECTS)
        scores = [0.0] * width
        known = words_known = 0
        for feature in found:
            key = _hash(feature)
            at = bisect_left(self._hashes, key)
            if at == len(self._hashes) or self._hashes[at] != key:
                continue
            known += 1
            words_known += feature[0] == "w" or (feature[0] == "c" and len(feature) == 2)
            for c, n in enumerate(self._counts[at * width : (at + 1) * width]):
                scores[c] += _LOG_COUNT[n]
        # log P(feature | subject) = log(count + smoothing) - log(denominator), for each known feature.
        scores = [score - known * d for score, d in zip(scores, self._denominators, strict=True)]
        if not known:
            return None
        # Naive Bayes adds up evidence as if every n-gram were independent, which they are not:
        # tempered by the square root of how many it saw, its beliefs track how often it is right.
        top = max(scores)
        spread = self._temperature * math.sqrt(known)
        logits = [(s - top) / spread for s in scores]
        top = max(logits)
        exps = [math.exp(logit - top) for logit in logits]
        total = sum(exps)
        ranked = sorted(
            ((subject, e / total) for subject, e in zip(_SUBJECTS, exps, strict=True)),
            key=lambda pair: -pair[1],
        )
        return Resemblance(tuple(ranked), words_known)

"""Map a caller's own words on why they are calling to one of the subjects, with a confidence."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ivr.journey import model_file
from ivr.journey.cues import Cue, LanguageCues, Learned, PhraseBookError, Scoring, load_book
from ivr.journey.resemblance import Example, LanguageModel, Resemblance, features, read_examples
from ivr.journey.subjects import Subject
from ivr.journey.words import Word, normalize

__all__ = ["PHRASES_FILE", "Classification", "PhraseBook", "PhraseBookError", "classify", "normalize"]

PHRASES_FILE = Path(__file__).resolve().parents[2] / "prompts" / "subject_phrases.toml"

# Subjects earlier in the menu win ties: the urgent ones come first (call-flow.md step 4).
_MENU_ORDER = {subject: position for position, subject in enumerate(Subject)}


@dataclass(frozen=True)
class Classification:
    subject: Subject | None
    confidence: float
    # The cues that voted for the subject, for supervisors asking "why this subject?". They are
    # fragments of what the caller said: handle them like the transcript.
    cues: tuple[str, ...] = ()


@dataclass(frozen=True)
class PhraseBook:
    """The cues of every language, ready to classify with."""

    languages: Mapping[str, LanguageCues]
    scoring: Scoring
    # The learned second opinion per language, and how far to trust it; none without [learned].
    models: Mapping[str, LanguageModel] = field(default_factory=dict)
    learned: Learned | None = None

    @property
    def evidence_floor(self) -> float:
        return self.scoring.evidence_floor

    @classmethod
    def load(cls, path: Path) -> PhraseBook:
        """Read and check a phrase file, raising PhraseBookError with the fix on any mistake."""
        languages, scoring, learned = load_book(path)
        if learned is None:
            return cls(languages, scoring)
        return cls(languages, scoring, _learn(languages, learned, path), learned)

    def classify(self, text: str, language: str) -> Classification:
        """Classify the words in one language; a language without cues gets no subject."""
        code = _language_code(language)
        phrases = self.languages.get(code)
        if phrases is None:
            return Classification(None, 0.0)
        words = phrases.words(text)
        votes = self._cues_heard(phrases, words)
        heard = votes.classification(self.scoring.evidence_floor)
        model = self.models.get(code)
        if model is None or self.learned is None:
            return heard
        trust = self.learned.in_language(code)
        opinion = model.resemblance(features(words, phrases.word_boundaries))
        if opinion is None or opinion.words_known < trust.fewest_words:
            # One or two words ("custodios", "адрес") are a cue's job: letters alone resemble
            # too much at that length.
            return heard
        # A guess resting on a misheard word or a bare "question" is never made sure by a model that
        # reads letters: "avocado" resembles "avocat" to both. The caller confirms it.
        said_outright = heard.subject in votes.heard_right
        return self._second_opinion(heard, opinion, trust, said_outright)

    @staticmethod
    def _second_opinion(
        heard: Classification, opinion: Resemblance, trust: Learned, said_outright: bool
    ) -> Classification:
        """Weigh what the cues heard against what the words resemble, on the line's scale.

        Cues the caller said outright stand, unless the model firmly believes in another subject
        (`veto`): then the caller confirms. Where the cues are silent, thin or contested, the model's
        belief maps onto the scale: at `agree` (it backs the cues' own guess) or `alone` (it heard a
        subject by itself) the caller is routed without asking; below, the caller confirms.
        Tuned by cross-validation on the example files (never on the unseen set).
        """
        if heard.confidence >= trust.confident:
            if opinion.subject != heard.subject and opinion.belief >= trust.veto:
                # The more the model believes otherwise, the less sure: always below the line.
                doubt = trust.confident * (1.0 - opinion.belief)
                return Classification(heard.subject, round(doubt, 4), heard.cues)
            return heard
        needed = trust.agree if opinion.subject == heard.subject else trust.alone
        if opinion.belief >= needed:
            confidence = trust.confident + (1.0 - trust.confident) * (opinion.belief - needed) / (
                1.0 - needed
            )
        else:
            confidence = trust.confident * opinion.belief / needed
        if opinion.subject == heard.subject:
            if not said_outright:
                return heard
            return Classification(heard.subject, round(max(confidence, heard.confidence), 4), heard.cues)
        if confidence < trust.confident:
            # Two doubtful guesses: keep the one a cue names, and ask. No cue and a doubtful
            # likeness ("hello, good morning") is no subject: the caller hears the list.
            return heard
        return Classification(opinion.subject, round(confidence, 4), ("(resembles the examples)",))

    def _cues_heard(self, phrases: LanguageCues, words: list[Word]) -> _Votes:
        """What the phrase book's cues alone say."""
        votes = _Votes()
        claimed = [False] * len(words)
        fallbacks: list[Cue] = []
        for number in phrases.candidates(words):
            cue = phrases.cues[number]
            if cue.fallback:
                fallbacks.append(cue)
            elif _claim(cue, words, claimed):
                votes.add(cue, cue.weight)
        if phrases.misheard is not None:
            self._hear_again(phrases, words, claimed, votes)
        # A bare "I have a question" means "other" only when nothing more specific was said.
        if not votes.scores:
            for cue in fallbacks:
                if _claim(cue, words, claimed):
                    votes.add(cue, cue.weight, outright=False)
        return votes

    def _hear_again(
        self, phrases: LanguageCues, words: list[Word], claimed: list[bool], votes: _Votes
    ) -> None:
        """Read each unclaimed word the recogniser may have misheard as the cue word it is near.

        A misheard cue counts for a share of its weight: alone, even a strong one stays below the
        threshold and the caller confirms. Beside cues heard right, it may only add to a subject they
        voted for: a word that merely looks like a cue never contests what the caller clearly said.
        """
        assert phrases.misheard is not None  # noqa: S101 - the caller checked
        heard = [None if claimed[i] else phrases.misheard.correct(word) for i, word in enumerate(words)]
        if not any(heard):
            return
        again = [Word(h.text, h.stems) if h else word for word, h in zip(words, heard, strict=True)]
        heard_right = set(votes.scores)
        guessed: set[Subject | None] = set()
        for number in phrases.candidates(again):
            cue = phrases.cues[number]
            if cue.fallback or cue.text in votes.voted or cue.subject in guessed:
                continue  # one guess per subject: "amused amused" is not twice the evidence
            if heard_right and cue.subject not in heard_right:
                continue
            if _claim(cue, again, claimed):
                votes.add(cue, cue.weight * self.scoring.misheard_share, misheard=True)
                guessed.add(cue.subject)


class _Votes:
    """The weight each subject's cues add up to, and which cues they were."""

    def __init__(self) -> None:
        self.scores: dict[Subject, float] = {}
        self.voters: dict[Subject, list[str]] = {}
        self.voted: set[str] = set()
        # Subjects a cue voted for that the caller said outright: heard right, and no fallback.
        self.heard_right: set[Subject] = set()

    def add(self, cue: Cue, weight: float, misheard: bool = False, outright: bool = True) -> None:
        if cue.subject is None:
            return  # an "ignore" phrase: it claimed its words, that is all it does
        if outright and not misheard:
            self.heard_right.add(cue.subject)
        self.scores[cue.subject] = self.scores.get(cue.subject, 0.0) + weight
        self.voters.setdefault(cue.subject, []).append(f"{cue.text} (misheard)" if misheard else cue.text)
        self.voted.add(cue.text)

    def classification(self, evidence_floor: float) -> Classification:
        if not self.scores:
            return Classification(None, 0.0)
        ranked = sorted(self.scores, key=lambda subject: (-self.scores[subject], _MENU_ORDER[subject]))
        best = self.scores[ranked[0]]
        runner_up = self.scores[ranked[1]] if len(ranked) > 1 else 0.0
        # The lead over the runner-up, as a share of the evidence: thin or contested evidence
        # gives a low confidence, and the caller is asked to confirm.
        confidence = (best - runner_up) / (best + evidence_floor)
        return Classification(
            ranked[0], round(min(1.0, max(0.0, confidence)), 4), tuple(self.voters[ranked[0]])
        )


@cache
def default_phrase_book() -> PhraseBook:
    """Return the line's own phrase book, read once per process."""
    return PhraseBook.load(PHRASES_FILE)


def classify(text: str, language: str, phrases: PhraseBook | None = None) -> Classification:
    """Classify why the caller is calling from their words, in any language of the phrase file
    (en, es, pt, ru, fr, hi, vi, zh, ar); a language without cues (the keypad-only pa, ht) gets None."""
    return (phrases or default_phrase_book()).classify(text, language)


def _learn(languages: Mapping[str, LanguageCues], learned: Learned, path: Path) -> dict[str, LanguageModel]:
    """Read each language's model as `flask ivr learn` wrote it, or train it now."""
    return _written_counts(languages, learned, path) or train(languages, learned, path)


def _written_counts(
    languages: Mapping[str, LanguageCues], learned: Learned, path: Path
) -> dict[str, LanguageModel] | None:
    """The counts `flask ivr learn` wrote from these very examples and cues, for every language, or None."""
    try:
        source = model_file.digest(path, learned.examples)
    except (OSError, ValueError):
        return None  # training then names the file it cannot read
    written = model_file.read(model_file.MODEL_FILE, source, learned.temperature)
    return written if written is not None and set(written) == set(languages) else None


def train(languages: Mapping[str, LanguageCues], learned: Learned, path: Path) -> dict[str, LanguageModel]:
    """Train each language's model on the example files of [learned]."""
    examples: list[Example] = []
    for file in learned.examples:
        try:
            examples.extend(read_examples(file))
        except ValueError as exc:
            raise PhraseBookError(f"{path}: [learned] examples: {exc}. Fix that row.") from exc
    return learn_models(languages, examples, learned.temperature)


def learn_models(
    languages: Mapping[str, LanguageCues], examples: Iterable[Example], temperature: float
) -> dict[str, LanguageModel]:
    """Train each language's model on its example utterances and on the phrase book's own cues."""
    said: dict[str, list[Example]] = {code: [] for code in languages}
    for example in examples:
        if example.language in said:
            said[example.language].append(example)
    return {
        code: LanguageModel.learn(_examples_of(phrases, said[code]), temperature)
        for code, phrases in languages.items()
    }


def _examples_of(phrases: LanguageCues, said: list[Example]) -> Iterator[tuple[Subject, set[str]]]:
    """One language's examples as the model sees them, one at a time."""
    for example in said:
        yield example.subject, features(phrases.words(example.utterance), phrases.word_boundaries)
    # A cue is a short example of its subject: the model then knows every word the book knows.
    for cue in phrases.cues:
        if cue.subject is not None and not cue.fallback:
            words = phrases.words(cue.text.replace("*", "").replace("+", " "))
            yield cue.subject, features(words, phrases.word_boundaries)


def _language_code(language: str) -> str:
    return language.split("-")[0].strip().lower()


def _claim(cue: Cue, words: list[Word], claimed: list[bool]) -> bool:
    """Find every part of the cue among unclaimed words; if all are there, claim them."""
    taken: set[int] = set()
    for part in cue.parts:
        found = None
        for start in range(len(words) - len(part) + 1):
            if claimed[start] or start in taken or not part[0].matches(words[start]):
                continue  # the cheap test first: most cues do not even start here
            span = range(start, start + len(part))
            if all(
                not claimed[i] and i not in taken and p.matches(words[i])
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


def learned_counts_stale(path: Path = PHRASES_FILE) -> str | None:
    """Why the written counts are not those of the phrase file's examples now, or None if they are."""
    languages, _, learned = load_book(path)
    if learned is None:
        return None
    if not model_file.MODEL_FILE.exists():
        return f"{model_file.MODEL_FILE} is missing: run `flask --app app ivr learn`"
    if _written_counts(languages, learned, path) is None:
        return (
            f"{model_file.MODEL_FILE} was learned from other examples or cues than {path.name}'s now: "
            "run `flask --app app ivr learn`"
        )
    return None


def write_learned_counts(path: Path = PHRASES_FILE) -> dict[str, LanguageModel]:
    """Learn from the phrase file's examples and cues now, and write the counts for workers to read."""
    languages, _, learned = load_book(path)
    if learned is None:
        raise PhraseBookError(f"{path}: no [learned] table, so there is nothing to learn.")
    models = train(languages, learned, path)
    model_file.write(model_file.MODEL_FILE, model_file.digest(path, learned.examples), models)
    return models

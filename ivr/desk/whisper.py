"""What an operator hears before a caller joins them: language, interpreter, caller type, subject.

English sentences from prompts/whisper.toml (the operators' words), subjects named by the prompt
catalog's subject_* phrases, languages by their English names (Babel's, unless the file says).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from babel import Locale

from ivr.journey.subjects import URGENT_SUBJECTS, CallerType
from ivr.prompts.catalog import Prompt, PromptError, load_catalog

WHISPER_FILE = "whisper.toml"
SENTENCES = (
    "whisper_urgent",
    "whisper_language",
    "whisper_interpreter",
    "whisper_no_language",
    "whisper_caller_type",
    "whisper_subject",
    "whisper_accept",
    "whisper_caller_left",
    "whisper_not_taken",
    "whisper_sorry",
    "caller_type_unknown",
    "subject_unknown",
    *(f"caller_type_{kind.value}" for kind in CallerType),
)


@dataclass(frozen=True)
class Whisper:
    """The operators' sentences, and the caller catalog's names of subjects."""

    sentences: dict[str, Prompt]
    catalog: dict[str, Prompt]

    @classmethod
    def load(cls, catalog_path: Path) -> Whisper:
        path = catalog_path.parent / WHISPER_FILE
        sentences = load_catalog(path)
        missing = [key for key in SENTENCES if key not in sentences]
        if missing:
            raise PromptError(f"{path}: add [{'], ['.join(missing)}] (what operators hear).")
        return cls(sentences, load_catalog(catalog_path))

    def say(self, key: str, **values: str) -> str:
        return self.sentences[key].text.format(**values)

    def language_name(self, code: str) -> str:
        if f"language_{code}" in self.sentences:
            return self.sentences[f"language_{code}"].text
        return str(_english().languages.get(code, code))

    def of(
        self,
        language: str | None,
        needs_interpreter: str | None,
        caller_type: str | None,
        subject: str | None,
    ) -> list[str]:
        """The whisper for a caller, sentence by sentence."""
        said = [self.say("whisper_urgent")] if subject in URGENT_SUBJECTS else []
        if needs_interpreter:
            said.append(self.say("whisper_interpreter", language=self.language_name(needs_interpreter)))
        elif language:
            said.append(self.say("whisper_language", language=self.language_name(language)))
        else:
            said.append(self.say("whisper_no_language"))
        kind = f"caller_type_{caller_type}" if f"caller_type_{caller_type}" in self.sentences else None
        said.append(self.say("whisper_caller_type", caller_type=self.say(kind or "caller_type_unknown")))
        named = self.catalog.get(f"subject_{subject}")
        said.append(self.say("whisper_subject", subject=named.text if named else self.say("subject_unknown")))
        return said


@functools.cache
def _english() -> Locale:
    return Locale.parse("en")


@functools.cache
def whisper_for(catalog_path: Path) -> Whisper:
    """The whisper sentences beside this prompt catalog, read once per process."""
    return Whisper.load(catalog_path)

"""Audio prompts for languages Twilio cannot speak: which files a prompt plays, in order, and their build."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import string
import subprocess
import tempfile
import unicodedata
from collections.abc import Iterable
from datetime import datetime, time
from pathlib import Path

from ivr.prompts.catalog import Day, Digits, PromptText, Said, Time
from ivr.prompts.phrasebook import Phrasebook

MANIFEST = "generated.json"
NUMBERS = range(0, 301)  # queue positions, minutes, digit counts, days of the month
_SILENT = re.compile(r"^[\s,.;:!?¿¡…\-–—]*$")
_LEADING = re.compile(r"^[\s,;:]+")  # a piece after a value starts with its own words, not a comma


def slug(text: str) -> str:
    """A file name for a spoken piece: readable, and unique through a short hash of the exact text."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    readable = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:40]
    digest = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{readable}-{digest}" if readable else digest


def parts(template: str) -> list[tuple[str, str | None]]:
    return [(literal, field) for literal, field, _, _ in string.Formatter().parse(template)]


class AudioBook:
    """The audio files of the languages that are played rather than spoken.

    A prompt with placeholders is played as pieces: the fixed parts of its translation, and between them
    the pieces of each value (digits, numbers, weekday and month names, times, names), in the order the
    translation puts them. A prompt that says a count has pieces for each plural form of its translation
    ("yon minit" for 1, "{minutes} minit" for others), and plays the form its count takes.
    Files are made with espeak-ng; a human recording dropped in place of a file is kept by later
    builds (the manifest remembers which files were generated, by their hash).
    """

    def __init__(self, phrasebook: Phrasebook, root: Path) -> None:
        self.phrasebook = phrasebook
        self.root = root

    # --- Which files a caller hears -------------------------------------------------------------

    def prompt_file(self, language: str, key: str, index: int, pieces: int, form: int | None = None) -> str:
        name = key if form is None else f"{key}.form{form}"
        return f"{language}/{name}.wav" if pieces == 1 else f"{language}/{name}.{index}.wav"

    def word_file(self, language: str, text: str) -> str:
        return f"{language}/words/{slug(text)}.wav"

    def pieces(self, said: Said, language: str) -> list[str]:
        """The files that say one prompt, with its values, in the order of its translation."""
        count = self.phrasebook.count(said.key, said.values)
        form, template = self.phrasebook.choose(said.key, language, count)
        plural = len(self.phrasebook.forms(said.key, language)[0]) > 1
        split = parts(template)
        spoken = [i for i, (literal, _) in enumerate(split) if not _SILENT.match(literal)]
        files = []
        for index, (literal, field) in enumerate(split):
            if not _SILENT.match(literal):
                files.append(
                    self.prompt_file(
                        language, said.key, spoken.index(index), len(spoken), form if plural else None
                    )
                )
            if field:
                files += self.value_pieces(said.values[field], language)
        return files

    def value_pieces(self, value: object, language: str) -> list[str]:
        if isinstance(value, PromptText):
            return self.pieces(Said(value.key), language)
        return [self.word_file(language, word) for word in self.words(value, language)]

    def words(self, value: object, language: str) -> list[str]:
        """Split a value into the pieces that are recorded one by one."""
        if isinstance(value, Digits):
            return [c for c in value.number if c.isdigit()]
        if isinstance(value, Day):
            return self.phrasebook.day(value.moment, language).replace(",", " ").split()
        if isinstance(value, Time):
            return [self.phrasebook.time(value.moment, language)]
        return [str(value)]

    # --- Which files must exist, and making them ------------------------------------------------

    def wanted(self, language: str, names: Iterable[str] = ()) -> dict[str, str]:
        """Every file a caller of this language could hear, with the text it says."""
        files: dict[str, str] = {}
        for key in self.phrasebook.prompts:
            texts, _ = self.phrasebook.forms(key, language)
            for form, template in enumerate(texts):
                split = parts(template)
                spoken = [
                    _LEADING.sub("", literal).strip() for literal, _ in split if not _SILENT.match(literal)
                ]
                for index, text in enumerate(spoken):
                    name = self.prompt_file(
                        language, key, index, len(spoken), form if len(texts) > 1 else None
                    )
                    files[name] = text
        voice = self.phrasebook.voices[language]
        words = {str(n) for n in NUMBERS} | set(voice.weekdays) | set(voice.months) | set(names)
        for hour in range(24):
            for minute in (0, 15, 30, 45):
                moment = datetime.combine(datetime(2026, 1, 5).date(), time(hour, minute))
                words.add(self.phrasebook.time(moment, language))
        for word in words:
            files[self.word_file(language, word)] = word
        return files

    def missing(self, language: str, names: Iterable[str] = ()) -> list[str]:
        return sorted(path for path in self.wanted(language, names) if not (self.root / path).exists())

    def stale(self, language: str, names: Iterable[str] = ()) -> list[str]:
        """Generated files whose prompt has since changed (a human recording is never called stale)."""
        manifest_path = self.root / language / MANIFEST
        manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
        return sorted(
            path
            for path, text in self.wanted(language, names).items()
            if path in manifest
            and manifest[path]["text"] != text
            and (self.root / path).exists()
            and _sha256(self.root / path) == manifest[path]["sha256"]
        )

    def build(self, language: str, names: Iterable[str] = ()) -> tuple[int, int, int]:
        """Make the missing and outdated files with espeak-ng; keep human recordings. (made, kept, removed)"""
        voice = self.phrasebook.voices[language]
        if not voice.espeak_voice:
            return (0, 0, 0)
        for tool in ("espeak-ng", "sox"):
            if shutil.which(tool) is None:
                raise RuntimeError(f"{tool} is not installed: `apt-get install espeak-ng sox` (Debian).")
        manifest_path = self.root / language / MANIFEST
        manifest: dict[str, dict[str, str]] = (
            json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
        )
        wanted = self.wanted(language, names)
        made = kept = removed = 0
        for path, text in sorted(wanted.items()):
            target = self.root / path
            entry = manifest.get(path)
            if target.exists():
                # A file the build did not make (a human recording), or one still saying the right text.
                if entry is None or entry["sha256"] != _sha256(target) or entry["text"] == text:
                    kept += 1
                    continue
            target.parent.mkdir(parents=True, exist_ok=True)
            _speak(voice.espeak_voice, text, target)
            manifest[path] = {"text": text, "sha256": _sha256(target)}
            made += 1
        for path in sorted(set(manifest) - set(wanted)):
            target = self.root / path
            if target.exists() and _sha256(target) == manifest[path]["sha256"]:
                target.unlink()
                removed += 1
            del manifest[path]
        manifest_path.parent.mkdir(parents=True, exist_ok=True)
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
        return made, kept, removed


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _speak(espeak_voice: str, text: str, target: Path) -> None:
    """Render text with espeak-ng, then to 8 kHz mono u-law WAV: what a phone line carries."""
    with tempfile.TemporaryDirectory() as scratch:
        raw = Path(scratch) / "raw.wav"
        subprocess.run(  # noqa: S603 - fixed tools, arguments are ours
            ["espeak-ng", "-v", espeak_voice, "-s", "150", "-w", str(raw), text],  # noqa: S607 - a fixed tool found on PATH
            check=True,
            capture_output=True,
        )
        subprocess.run(  # noqa: S603 - as above
            ["sox", str(raw), "-r", "8000", "-c", "1", "-e", "u-law", str(target)],  # noqa: S607 - a fixed tool found on PATH
            check=True,
            capture_output=True,
        )


def words_of(url: str, root: Path) -> str | None:
    """What a played file of this project says (from the build's manifest), for the simulator's transcript."""
    _, marker, relative = url.partition("/audio/")
    if not marker:
        return None
    language = relative.split("/", 1)[0]
    manifest_path = root / language / MANIFEST
    if not manifest_path.exists():
        return None
    entry = json.loads(manifest_path.read_text()).get(relative)
    return entry["text"] if entry else None

"""Music for callers on hold, made locally with sox: no silence between the queue's announcements."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

HOLD_MUSIC = "hold/music.wav"  # under the audio folder, served at /audio/hold/music.wav
# A slow, quiet arpeggio (G, E minor, C, D): calm, and clearly music rather than a ringing phone.
# Four bars of four notes, 0.9 s each, about 14 s: the wait loop plays it once between its prompts.
_NOTES = ("G3 B3 D4 B3", "E3 G3 B3 G3", "C3 E3 G3 E3", "D3 F#3 A3 F#3")
NOTE_SECONDS = 0.9


def hold_music_path(audio_root: Path) -> Path:
    return audio_root / HOLD_MUSIC


def make_hold_music(audio_root: Path) -> Path:
    """Write the hold music (8 kHz mono u-law WAV, what a phone line carries) and return its path."""
    if shutil.which("sox") is None:
        raise RuntimeError("sox is not installed: `apt-get install sox` (Debian).")
    target = hold_music_path(audio_root)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        pieces = []
        for index, note in enumerate(note for bar in _NOTES for note in bar.split()):
            piece = Path(scratch) / f"{index:02d}.wav"
            subprocess.run(  # noqa: S603 - a fixed tool, arguments are ours
                ["sox", "-n", "-r", "8000", "-c", "1", str(piece), "synth", str(NOTE_SECONDS), "pluck", note]
                + ["fade", "0", str(NOTE_SECONDS), "0.4"],
                check=True,
                capture_output=True,
            )
            pieces.append(str(piece))
        subprocess.run(  # noqa: S603 - as above
            ["sox", *pieces, "-e", "u-law", str(target), "vol", "0.35"],  # noqa: S607 - a fixed tool found on PATH
            check=True,
            capture_output=True,
        )
    return target

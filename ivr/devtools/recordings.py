"""The simulator's voicemail recordings: a WAV of the words the caller "said", on this machine.

Twilio keeps a real recording at its API; the simulator has none to offer, so for a console in
development to play a simulated voicemail it writes the words with espeak-ng (8 kHz, as a phone line
carries them) and hands the line a file: URL, which the console serves outside production only.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def write_recording(folder: Path, recording_sid: str, words: str) -> Path | None:
    """The recording's file, or None where espeak-ng or sox is missing (then Twilio's URL is used)."""
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    raw, target = folder / f"{recording_sid}.raw.wav", folder / f"{recording_sid}.wav"
    try:
        subprocess.run(  # noqa: S603 - fixed tools, arguments are ours
            ["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(raw), words],  # noqa: S607 - a fixed tool found on PATH
            check=True,
            capture_output=True,
        )
        subprocess.run(  # noqa: S603 - as above
            ["sox", str(raw), "-r", "8000", "-c", "1", str(target)],  # noqa: S607 - a fixed tool found on PATH
            check=True,
            capture_output=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    finally:
        raw.unlink(missing_ok=True)
    return target

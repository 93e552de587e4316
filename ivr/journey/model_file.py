"""The learned counts, written once from the example files and read by every worker in milliseconds.

Learning from twenty thousand example utterances takes seconds of CPU (each word stemmed, each
n-gram counted): too long for every web worker that starts. `flask ivr classifier learn` writes the
counts beside the examples (prompts/examples/learned_counts.gz), with a digest of everything they
were learned from; a worker reads them when the digest still matches, and otherwise learns from the
examples as before (slower, never wrong). `flask ivr prompts check` fails while the file is stale.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
import tomllib
from array import array
from collections.abc import Mapping, Sequence
from pathlib import Path

from ivr.journey.resemblance import FEATURES_VERSION, LanguageModel

MODEL_FILE = Path(__file__).resolve().parents[2] / "prompts" / "examples" / "learned_counts.gz"

_MAGIC = b"dril-ivr learned counts 1\n"


def digest(phrase_file: Path, examples: Sequence[Path]) -> str:
    """What the counts depend on: the features' version, the phrase file's cues and every example.

    The phrase file's [learned] and [scoring] tables are left out: how far the model is trusted is
    read at every start, and tuning it needs no new counts.
    """
    book = tomllib.loads(phrase_file.read_text(encoding="utf-8"))
    cues = {name: table for name, table in book.items() if name not in ("learned", "scoring")}
    hasher = hashlib.sha256(f"features {FEATURES_VERSION}\n".encode())
    hasher.update(json.dumps(cues, sort_keys=True, ensure_ascii=False).encode())
    for path in examples:
        hasher.update(b"\n" + path.name.encode() + b"\n")
        hasher.update(path.read_bytes())
    return hasher.hexdigest()


def write(path: Path, source: str, models: Mapping[str, LanguageModel]) -> None:
    """Write each language's counts, after the digest of what they were learned from."""
    partial = path.with_name(path.name + ".partial")
    # No name or time in the gzip header: the same examples give the same bytes.
    with partial.open("wb") as raw, gzip.GzipFile("", "wb", 9, raw, mtime=0) as out:
        out.write(_MAGIC + source.encode() + b"\n")
        for code, model in sorted(models.items()):
            hashes, counts, denominators = model.parts()
            header = {"language": code, "features": len(hashes), "denominators": list(denominators)}
            out.write(json.dumps(header).encode() + b"\n")
            out.write(_little_endian(hashes).tobytes())
            out.write(counts)
    partial.replace(path)  # a worker starting meanwhile reads the old file or the new, never half


def read(path: Path, source: str, temperature: float) -> dict[str, LanguageModel] | None:
    """The counts written from `source`, or None when the file is missing, stale or unreadable."""
    try:
        with gzip.open(path, "rb") as data:
            if data.readline() != _MAGIC or data.readline().decode().strip() != source:
                return None
            models: dict[str, LanguageModel] = {}
            while header_line := data.readline():
                header = json.loads(header_line)
                features = header["features"]
                hashes = array("I")
                hashes.frombytes(data.read(features * hashes.itemsize))
                counts = data.read(features * LanguageModel.WIDTH)
                if len(hashes) != features or len(counts) != features * LanguageModel.WIDTH:
                    return None  # cut short: a model missing counts would answer wrongly
                models[header["language"]] = LanguageModel(
                    _little_endian(hashes), counts, header["denominators"], temperature
                )
            return models
    except (OSError, EOFError, ValueError, KeyError):
        return None  # a damaged file costs a slower start, never a wrong answer


def _little_endian(values: array[int]) -> array[int]:
    """The file is little-endian whatever the machine; swapping twice gives the machine's order back."""
    if sys.byteorder == "little":
        return values
    swapped = array(values.typecode, values)
    swapped.byteswap()
    return swapped

"""The learned counts are written once (`flask ivr learn`) and read by every worker, never stale."""

from __future__ import annotations

import dataclasses
import gzip
import time
from pathlib import Path

import pytest

from ivr.journey import model_file
from ivr.journey.classifier import (
    PHRASES_FILE,
    PhraseBook,
    default_phrase_book,
    learned_counts_stale,
    train,
)
from ivr.journey.cues import load_book
from ivr.journey.resemblance import read_examples

EXAMPLES = PHRASES_FILE.parent / "examples"


def test_the_shipped_counts_are_those_of_the_examples_and_cues_now() -> None:
    assert learned_counts_stale() is None


def test_a_worker_reads_the_counts_instead_of_learning_them() -> None:
    started = time.process_time()
    book = PhraseBook.load(PHRASES_FILE)
    assert time.process_time() - started < 3.0, "reading, not learning (which takes several seconds)"
    assert set(book.models) == set(default_phrase_book().models)


def test_counts_read_from_the_file_classify_every_caller_as_counts_learned_now() -> None:
    book = default_phrase_book()
    languages, _, learned = load_book(PHRASES_FILE)
    assert learned is not None
    now = dataclasses.replace(book, models=train(languages, learned, PHRASES_FILE))
    rows = [row for path in learned.examples[-3:] for row in read_examples(path)]
    assert len(rows) > 1000
    differ = [
        row
        for row in rows
        if book.classify(row.utterance, row.language) != now.classify(row.utterance, row.language)
    ]
    assert not differ


def _small_book(tmp_path: Path, extra_cue: str = "") -> Path:
    (tmp_path / "examples").mkdir(parents=True)
    (tmp_path / "examples" / "few.tsv").write_text(
        "language\tsubject\tutterance\n"
        "en\tmental_health\the does not want to wake up anymore\n"
        "en\tother\twhat time do you open on monday\n",
        encoding="utf-8",
    )
    text = PHRASES_FILE.read_text(encoding="utf-8")
    start = text.index("examples = [", text.index("\n[learned]\n"))
    end = text.index("]", start) + 1
    text = text[:start] + 'examples = ["examples/few.tsv"]' + text[end:]
    if extra_cue:
        text = text.replace("[en.other]\nstrong = [\n", f'[en.other]\nstrong = [\n    "{extra_cue}",\n')
    path = tmp_path / "phrases.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_counts_written_are_read_back_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_file, "MODEL_FILE", tmp_path / "counts.gz")
    path = _small_book(tmp_path)
    languages, _, learned = load_book(path)
    assert learned is not None
    models = train(languages, learned, path)
    source = model_file.digest(path, learned.examples)
    model_file.write(model_file.MODEL_FILE, source, models)
    read = model_file.read(model_file.MODEL_FILE, source, learned.temperature)
    assert read is not None
    assert {code: m.parts() for code, m in read.items()} == {code: m.parts() for code, m in models.items()}
    first = model_file.MODEL_FILE.read_bytes()
    model_file.write(model_file.MODEL_FILE, source, models)
    assert model_file.MODEL_FILE.read_bytes() == first, "the same examples give the same file"


def test_new_examples_or_cues_make_the_counts_stale_and_say_how_to_fix_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(model_file, "MODEL_FILE", tmp_path / "counts.gz")
    path = _small_book(tmp_path)
    assert "missing" in (learned_counts_stale(path) or "")
    languages, _, learned = load_book(path)
    assert learned is not None
    model_file.write(
        model_file.MODEL_FILE, model_file.digest(path, learned.examples), train(languages, learned, path)
    )
    assert learned_counts_stale(path) is None
    # Trusting the model more or less needs no new counts; a new cue or example does.
    path.write_text(path.read_text(encoding="utf-8").replace("veto = ", "veto = 0.1\n# was "), "utf-8")
    assert learned_counts_stale(path) is None
    with (tmp_path / "examples" / "few.tsv").open("a", encoding="utf-8") as more:
        more.write("en\tother\tcan i send him a letter\n")
    problem = learned_counts_stale(path)
    assert problem is not None and "flask --app app ivr learn" in problem
    # The same examples beside one cue more: the cues are examples too.
    plain, more_cues = _small_book(tmp_path / "plain"), _small_book(tmp_path / "more", "a brand new cue")
    languages, _, learned = load_book(plain)
    assert learned is not None
    source = model_file.digest(plain, learned.examples)
    model_file.write(model_file.MODEL_FILE, source, train(languages, learned, plain))
    assert learned_counts_stale(plain) is None
    assert learned_counts_stale(more_cues) is not None


def test_a_damaged_counts_file_costs_a_slower_start_never_a_wrong_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(model_file, "MODEL_FILE", tmp_path / "counts.gz")
    path = _small_book(tmp_path)
    languages, _, learned = load_book(path)
    assert learned is not None
    source = model_file.digest(path, learned.examples)
    model_file.write(model_file.MODEL_FILE, source, train(languages, learned, path))
    whole = gzip.decompress(model_file.MODEL_FILE.read_bytes())
    for cut in (len(whole) // 2, len(whole) - 1):  # a language missing, or one count short
        model_file.MODEL_FILE.write_bytes(gzip.compress(whole[:cut]))
        assert model_file.read(model_file.MODEL_FILE, source, learned.temperature) is None, cut
    model_file.MODEL_FILE.write_bytes(b"not gzip at all")
    assert model_file.read(model_file.MODEL_FILE, source, learned.temperature) is None
    book = PhraseBook.load(path)  # learns from the examples instead
    assert book.classify("he does not want to wake up anymore at all", "en") == dataclasses.replace(
        book, models=train(languages, learned, path)
    ).classify("he does not want to wake up anymore at all", "en")

"""Sample the line's workers with py-spy while they are loaded, and say where their time goes.

`BENCH_PROFILE=1 make bench` adds one more saturation phase per point under py-spy (so the measured
phases are not slowed by it) and prints the functions holding the most samples: inclusive ("total")
for the line's own code, and self time for everything, grouped by function.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.bench.servers import PROJECT, VENV_BIN, Gunicorn

FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^():]+)(?::(?P<line>\d+))?\)$")


@dataclass
class ProfileReport:
    path: Path
    summary: str = ""


def short_file(path: str) -> str:
    """Name a frame's file the short way: ivr/voice/webhooks.py, sqlalchemy/orm/session.py."""
    for marker in ("site-packages/", str(PROJECT) + "/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path.rsplit("/", 2)[-1] if "/" in path else path


def frame_name(frame: str) -> str:
    found = FRAME.match(frame.strip())
    if not found:
        return frame.strip()
    return f"{found['function']} ({short_file(found['file'])})"


def summarise(raw: Path, top: int = 25) -> str:
    """Read py-spy's collapsed stacks; rank functions by inclusive and by self samples."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [frame_name(f) for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += count
        for name in set(frames):
            inclusive[name] += count
        own[frames[-1]] += count
    if not total:
        return f"no samples in {raw}"
    lines = [f"profile: {total:,} samples of busy workers ({raw})", "  inclusive, the line's own code:"]
    ours = [(n, c) for n, c in inclusive.most_common() if "(ivr/" in n or "(tests/bench" in n]
    lines += [f"    {c / total:6.1%}  {n}" for n, c in ours[:top]]
    lines.append("  self time, any code:")
    lines += [f"    {c / total:6.1%}  {n}" for n, c in own.most_common(top)]
    lines.append("  inclusive, libraries:")
    libraries = [(n, c) for n, c in inclusive.most_common() if "(ivr/" not in n and "gunicorn/" not in n]
    lines += [f"    {c / total:6.1%}  {n}" for n, c in libraries[:top]]
    return "\n".join(lines)


@contextmanager
def profile_during(server: Gunicorn, stem: Path, rate: int = 200) -> Iterator[ProfileReport]:
    """Run py-spy on all of the server's workers for the duration of the block."""
    assert server.process is not None
    raw = stem.with_suffix(".txt")
    report = ProfileReport(raw)
    spy = subprocess.Popen(  # noqa: S603 - py-spy from the venv, fixed arguments
        [
            str(VENV_BIN / "py-spy"),
            "record",
            "--pid",
            str(server.process.pid),
            "--subprocesses",
            "--nonblocking",
            "--full-filenames",
            "--rate",
            str(rate),
            "--format",
            "raw",
            "--output",
            str(raw),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(1.0)  # py-spy attaches to each worker
    try:
        yield report
    finally:
        spy.send_signal(signal.SIGINT)
        try:
            _, error = spy.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            spy.kill()
            _, error = spy.communicate()
        if raw.exists():
            report.summary = summarise(raw)
        else:
            report.summary = f"py-spy wrote nothing: {error.decode(errors='replace')[-500:]}"

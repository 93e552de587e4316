"""What the readers of the line's data files share: errors that name the file, the line and the fix."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any


class ScheduleError(ValueError):
    """The schedule file is wrong; the message names the file, the line (when known) and the fix."""

    # Here rather than beside the hours file's reader: the rules raise it too, when a schedule
    # that read well turns out never to open.
    def __init__(self, path: Path | str, line: int | None, problem: str) -> None:
        self.path = Path(path)
        self.line = line
        where = f"{path}, line {line}" if line else str(path)
        super().__init__(f"{where}: {problem}")


class FieldOfficeError(ValueError):
    """The field office file is missing or wrong; the message says where and how to fix it."""

    def __init__(self, path: Path, line: int | None, problem: str, fix: str) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        self.fix = fix
        where = f"{path}, line {line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}. Fix: {fix}.")


class PlaceNameError(FieldOfficeError):
    """The place names file is missing or wrong; the message says where and how to fix it."""

    # A FieldOfficeError because the field offices are loaded with their names: whoever catches
    # a broken office file catches a broken place names file too.


def read_toml(
    path: Path, error: type[FieldOfficeError], fix_unreadable: str, fix_syntax: str
) -> tuple[str, dict[str, Any]]:
    """Read a data file's text and TOML, or raise `error` naming the file, the line and the fix."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(path, None, f"cannot read the file ({exc.strerror})", fix_unreadable) from exc
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        line = int(found.group(1)) if found else None
        raise error(path, line, f"not valid TOML ({exc})", fix_syntax) from exc


class TableLines:
    """Find the line of a [table] or of a key inside it in a TOML file, so errors can point at it."""

    def __init__(self, text: str) -> None:
        self._tables: dict[str, int] = {}
        self._keys: dict[tuple[str, str], int] = {}
        table = ""
        for number, line in enumerate(text.splitlines(), start=1):
            header = re.match(r"\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$", line)
            if header:
                table = ".".join(part.strip().strip('"') for part in header.group(1).split("."))
                self._tables.setdefault(table, number)
                continue
            key = re.match(r'\s*(?:"([^"]*)"|([A-Za-z0-9_-]+))\s*=', line)
            if key:
                self._keys.setdefault((table, key.group(1) or key.group(2) or ""), number)

    def table(self, name: str) -> int | None:
        return self._tables.get(name)

    def key(self, table: str, key: str) -> int | None:
        return self._keys.get((table, key), self.table(table))

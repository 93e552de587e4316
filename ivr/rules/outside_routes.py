"""Routes outside the facility every caller is told of: read from schedules/outside_routes.toml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ivr.rules.data_files import FieldOfficeError, TableLines, read_toml

# A toll-free or geographic U.S. number in E.164: the ten digits a caller dials after +1.
_PHONE = re.compile(r"\+1[2-9]\d{2}[2-9]\d{6}")
_KEYS = frozenset({"name", "phone", "verified", "source"})


class OutsideRouteError(FieldOfficeError):
    """The outside routes file is missing or wrong; the message says where and how to fix it."""


@dataclass(frozen=True)
class OutsideRoute:
    key: str
    name: str
    phone: str
    verified: bool
    source: str


def load_outside_routes(path: Path) -> dict[str, OutsideRoute]:
    """Read the routes, refusing a file that would make the line read a wrong number."""
    text, data = read_toml(
        path, OutsideRouteError, "Restore schedules/outside_routes.toml", "Fix the TOML syntax"
    )
    lines = TableLines(text)
    routes = {}
    for key, table in data.items():
        if not isinstance(table, dict):
            raise OutsideRouteError(path, lines.key("", key), f"{key} is not a [table]", f"Write [{key}]")
        unknown = set(table) - _KEYS
        if unknown:
            name = sorted(unknown)[0]
            raise OutsideRouteError(
                path, lines.key(key, name), f"[{key}] has an unknown key {name!r}", f"Use {sorted(_KEYS)}"
            )
        phone = table.get("phone")
        if not isinstance(phone, str) or not _PHONE.fullmatch(phone):
            raise OutsideRouteError(
                path,
                lines.key(key, "phone"),
                f"[{key}] phone {phone!r} is not a U.S. number",
                'Write it in E.164, e.g. "+18005550100"',
            )
        if not isinstance(table.get("verified"), bool) or not isinstance(table.get("source"), str):
            raise OutsideRouteError(
                path,
                lines.table(key),
                f"[{key}] needs verified (true/false) and source",
                "Say where the number comes from and whether it was checked",
            )
        routes[key] = OutsideRoute(
            key, str(table.get("name", key)), phone, table["verified"], table["source"]
        )
    return routes

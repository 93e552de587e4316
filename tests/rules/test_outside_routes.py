"""The routes outside the facility callers hear: read from their file, refused with the line and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.rules.outside_routes import OutsideRouteError, load_outside_routes

SHIPPED = Path(__file__).resolve().parents[2] / "schedules" / "outside_routes.toml"


def test_the_shipped_route_is_the_oig_hotline_marked_unverified_with_its_source() -> None:
    routes = load_outside_routes(SHIPPED)
    hotline = routes["dhs_oig_hotline"]
    assert hotline.phone == "+18003238603"
    assert hotline.verified is False and "dhs.gov" in hotline.source


def test_a_malformed_number_names_the_file_the_line_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "outside_routes.toml"
    path.write_text('[hotline]\nname = "x"\nphone = "1-800-323-8603"\nverified = false\nsource = "y"\n')
    with pytest.raises(OutsideRouteError) as raised:
        load_outside_routes(path)
    message = str(raised.value)
    assert f"{path}, line 3" in message and "E.164" in message


def test_a_route_without_its_source_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "outside_routes.toml"
    path.write_text('[hotline]\nphone = "+18003238603"\nverified = true\n')
    with pytest.raises(OutsideRouteError, match="needs verified"):
        load_outside_routes(path)

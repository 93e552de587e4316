"""`make audit`: known vulnerabilities in the versions the line is installed with, by pip-audit.

What is audited is the project's virtualenv as `make install` built it from the pins in
pyproject.toml (`pip freeze`: every pinned dependency and what they pulled in), without resolving
anything again. pip-audit asks PyPI about each release. Where PyPI's per-release data cannot be had
(some networks let through only a project's own page), pip-audit skips the release; for those this
reads the project's page, whose vulnerabilities are its newest release's: conclusive for a pin that
is the newest release, and said plainly for one that is not. Any known vulnerability fails.
"""

from __future__ import annotations

import json
import re
import subprocess  # noqa: S404 - runs pip and pip-audit of this virtualenv, with fixed arguments
import sys
import tempfile
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

PYPI_PROJECT = "https://pypi.org/pypi/{name}/json"


def pinned_versions() -> dict[str, str]:
    """Each installed release, by its normalized name (as pip-audit names it)."""
    frozen = subprocess.run(  # noqa: S603 - this interpreter's pip, fixed arguments
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pairs = (line.strip().split("==", 1) for line in frozen.splitlines() if "==" in line)
    return {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in pairs}


def pip_audit(pins: dict[str, str]) -> list[dict[str, Any]]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as requirements:
        requirements.write("".join(f"{name}=={version}\n" for name, version in pins.items()))
        requirements.flush()
        answer = subprocess.run(  # noqa: S603 - this virtualenv's pip-audit, fixed arguments
            [
                str(Path(sys.executable).with_name("pip-audit")),
                "--requirement",
                requirements.name,
                "--no-deps",  # the file is the whole resolved environment, every version pinned
                "--disable-pip",
                "--format",
                "json",
                "--progress-spinner",
                "off",
            ],
            capture_output=True,
            text=True,
        )
    if not answer.stdout.strip():
        sys.exit(f"pip-audit failed:\n{answer.stderr}")
    dependencies: list[dict[str, Any]] = json.loads(answer.stdout)["dependencies"]
    return dependencies


def newest_release(name: str) -> tuple[str, list[dict[str, Any]]]:
    """The project's newest version on PyPI and the vulnerabilities known in it."""
    with urllib.request.urlopen(PYPI_PROJECT.format(name=name), timeout=30) as page:  # noqa: S310 - https only
        project = json.load(page)
    return project["info"]["version"], project.get("vulnerabilities") or []


def main() -> int:
    pins = pinned_versions()
    found: list[str] = []
    by_pip_audit, by_newest, not_audited = 0, 0, []
    dependencies = pip_audit(pins)
    skipped = [str(dependency["name"]) for dependency in dependencies if "skip_reason" in dependency]
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            newest_of = dict(zip(skipped, pool.map(newest_release, skipped), strict=True))
    except OSError as error:
        sys.exit(f"make audit: PyPI could not be reached ({error}); the audit needs https://pypi.org.")
    for dependency in dependencies:
        name = str(dependency["name"])
        version = pins[name]
        if name not in newest_of:
            by_pip_audit += 1
            vulnerabilities = dependency.get("vulns") or []
        else:
            newest, vulnerabilities = newest_of[name]
            if newest != version:
                not_audited.append(f"{name} {version} (newest {newest})")
                continue
            by_newest += 1
        for vulnerability in vulnerabilities:
            fixes = vulnerability.get("fix_versions") or vulnerability.get("fixed_in") or []
            fixed = ", ".join(fixes) or "none yet"
            found.append(f"{name} {version}: {vulnerability.get('id')} (fixed in {fixed})")
    print(
        f"Audited {by_pip_audit + by_newest} of {len(pins)} installed releases "
        f"({by_pip_audit} by pip-audit, {by_newest} by their project's newest-release data)."
    )
    if not_audited:
        print(
            "Not audited, PyPI's data on these releases is out of reach from here: "
            f"{', '.join(not_audited)}. Run `make audit` where pypi.org/pypi/<name>/<version>/json answers."
        )
    for line in found:
        print("VULNERABLE: " + line)
    if found:
        print(
            "Upgrade each pin above to a fixed version in pyproject.toml, "
            "then `make install` and `make test`."
        )
        return 1
    print("No known vulnerabilities.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The screens' gettext catalogs: extracted from page code and templates, merged, compiled, checked.

Domain "screens" (locales/screens.pot, locales/<language>/LC_MESSAGES/screens.po and .mo), apart
from the caller prompts' "messages"; `flask ivr translate` runs both, `translate check` this one.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from ivr.config import PROJECT_ROOT
from ivr.pages.language import DEFAULT_SCREEN_LANGUAGE, SCREEN_LANGUAGES, SCREENS_DOMAIN

MAPPING = PROJECT_ROOT / "babel.cfg"
# `_l` is lazy_gettext, for text defined at import (form labels, state names).
KEYWORDS = dict(DEFAULT_KEYWORDS) | {"_l": None, "lazy_gettext": None}
WIDTH = 100
TRANSLATED = tuple(code for code in SCREEN_LANGUAGES if code != DEFAULT_SCREEN_LANGUAGE)


def template_path(locales: Path) -> Path:
    return locales / f"{SCREENS_DOMAIN}.pot"


def po_path(locales: Path, language: str) -> Path:
    return locales / language / "LC_MESSAGES" / f"{SCREENS_DOMAIN}.po"


def extract(root: Path = PROJECT_ROOT, mapping: Path = MAPPING) -> Catalog:
    """The screens' text as the code and templates say it now."""
    with mapping.open() as handle:
        # Babel reads babel.cfg as pybabel does; its parser has no annotations.
        method_map, options_map = parse_mapping_cfg(handle, str(mapping))  # type: ignore[no-untyped-call]
    catalog = Catalog(project="dril-ivr screens", msgid_bugs_address="", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        root, method_map, options_map, keywords=KEYWORDS, comment_tags=("Translators:",)
    ):
        catalog.add(message, locations=[(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def write_template(locales: Path) -> Path:
    path = template_path(locales)
    with path.open("wb") as handle:
        # Files without line numbers: moving a line of code does not change the template.
        write_po(handle, extract(), width=WIDTH, include_lineno=False)
    return path


def _read_po(path: Path, language: str) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=SCREENS_DOMAIN)


def update(locales: Path, language: str) -> Path:
    """Merge the template into one language's .po, keeping its translations (changed ones fuzzy)."""
    path = po_path(locales, language)
    with template_path(locales).open("rb") as handle:
        template = read_po(handle)
    catalog = _read_po(path, language) if path.exists() else Catalog(locale=language, domain=SCREENS_DOMAIN)
    catalog.update(template)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=WIDTH, include_lineno=False, ignore_obsolete=True)
    return path


def compile_catalog(locales: Path, language: str) -> Path:
    """Compile one language's .po into the .mo the screens read; fuzzy messages stay English."""
    target = po_path(locales, language).with_suffix(".mo")
    with target.open("wb") as handle:
        write_mo(handle, _read_po(po_path(locales, language), language), use_fuzzy=False)
    return target


def _translations(catalog: Catalog) -> dict[tuple[str, str | None], str]:
    return {
        (_text(message.id), message.context): _text(message.string)
        for message in catalog
        if message.id and message.string and not message.fuzzy
    }


def _text(value: object) -> str:
    """A message's id or string as one text: a plural's forms, which a .po reads as a tuple and a
    .mo as a list, compare equal."""
    return repr(tuple(value)) if isinstance(value, list | tuple) else str(value)


def problems(locales: Path, root: Path = PROJECT_ROOT) -> list[str]:
    """Every gap in the screens' translations, each with its fix; empty when all is in order."""
    fix = "run `make translations`"
    found: list[str] = []
    current = {(str(message.id), message.context) for message in extract(root) if message.id}
    template = template_path(locales)
    if not template.exists():
        return [f"{template} is missing: {fix}"]
    with template.open("rb") as handle:
        written = {(str(message.id), message.context) for message in read_po(handle) if message.id}
    if written != current:
        changed = len(current ^ written)
        found.append(f"{template} differs from the screens' text in the code ({changed} messages): {fix}")
    for language in TRANSLATED:
        path = po_path(locales, language)
        if not path.exists():
            found.append(f"{language}: {path} is missing: {fix}")
            continue
        catalog = _read_po(path, language)
        for message in catalog:
            if not message.id or (str(message.id), message.context) not in current:
                continue
            forms = message.string if isinstance(message.string, list | tuple) else (message.string,)
            if not all(forms):  # a plural needs each of its forms
                found.append(f"{language}: {message.id!r} is not translated in {path}")
            elif message.fuzzy:
                found.append(
                    f"{language}: {message.id!r} is marked fuzzy in {path}: review it, then remove the flag"
                )
        missing = current - {(str(message.id), message.context) for message in catalog if message.id}
        found += [f"{language}: {msgid!r} is not in {path}: {fix}" for msgid, _ in sorted(missing, key=str)]
        for message, errors in catalog.check():
            found += [f"{language}: {message.id!r} in {path}: {error}" for error in errors]
        compiled = path.with_suffix(".mo")
        if not compiled.exists():
            found.append(f"{language}: {compiled} is missing: {fix}")
            continue
        with compiled.open("rb") as handle:
            if _translations(read_mo(handle)) != _translations(catalog):
                found.append(f"{language}: {compiled} differs from {path.name}: {fix}")
    return found

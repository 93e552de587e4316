"""The gettext catalogs in locales/: the template, each language's .po merged from it, the .mo spoken."""

from __future__ import annotations

import io
import re
import string
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import normalize, read_po, unescape, write_po

from ivr.prompts.catalog import Prompt, placeholders

_NUMBER = re.compile(r"\d+")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')  # one PO string, escapes and all
WIDTH = 100  # of a .po line, as `make translations` has always written them


def po_path(locales: Path, language: str) -> Path:
    return locales / language / "LC_MESSAGES" / "messages.po"


# A fuzzy message's previous msgid (`#| msgid "..."`: the English its translation was made for) is
# what translators' editors show beside the new English. Babel reads it as a translator's comment
# (babel#206), and writes a long one wrapped like prose, splitting a quoted string across lines: the
# two functions below read and write it as gettext does.
def read_po_file(path: Path, language: str) -> Catalog:
    """Read a .po with Babel, each fuzzy message's previous msgid put back where it belongs."""
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    for message in catalog:
        previous = [comment[1:].strip() for comment in message.user_comments if comment.startswith("|")]
        if previous:
            message.user_comments = [c for c in message.user_comments if not c.startswith("|")]
            message.previous_id = _previous_msgid(previous)
    return catalog


def _previous_msgid(lines: list[str]) -> list[str]:
    """The msgid of `#|` lines: `msgid "..."` and the quoted lines that continue a long one."""
    quoted: list[str] = []
    for line in lines:
        if line.startswith("msgid "):
            quoted = _QUOTED.findall(line)
        elif quoted and line.startswith('"'):
            quoted += _QUOTED.findall(line)
        elif quoted:
            break  # a previous msgid_plural: prompts have none
    return ["".join(unescape(string) for string in quoted)] if quoted else []


def write_po_file(path: Path, catalog: Catalog) -> None:
    """Write a .po with Babel, each fuzzy message's previous msgid as gettext writes it."""
    previous = {
        f"msgctxt {normalize(key, width=WIDTH)}": message.previous_id[0]
        for message in catalog
        if (key := _key(message)) and message.fuzzy and message.previous_id
    }
    written = io.BytesIO()
    write_po(written, catalog, width=WIDTH, ignore_obsolete=True)
    lines = []
    for line in written.getvalue().decode(catalog.charset).splitlines(keepends=True):
        english = previous.get(line.rstrip("\n"))
        if english is not None:  # `#|` lines go just before their message's msgctxt
            quoted = f"msgid {normalize(english, width=WIDTH - len('#| '))}"
            lines += [f"#| {part}\n" for part in quoted.splitlines()]
        lines.append(line)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("".join(lines).encode(catalog.charset))


def _key(message: Message) -> str | None:
    """The prompt's key: msgctxt, which stays when the English (the msgid) is reworded."""
    context = message.context
    return context.decode() if isinstance(context, bytes) else context


def _numbers(text: str) -> list[str]:
    """The numbers a prompt says in its own words (keys to press, counts), in order."""
    return [number for literal, *_ in string.Formatter().parse(text) for number in _NUMBER.findall(literal)]


# A fuzzy translation was made for English that has since been reworded, and no translator has
# checked it yet. A caller must never hear nothing, and a translation they understand serves them
# better than English they may not, so the line keeps speaking the old translation until it is
# reviewed, unless it can no longer be right: its placeholders differ from the new English's (values
# would go missing, or the prompt would fail to format mid-call), or the English now says other
# numbers (another key to press: the old translation would send the caller to the wrong menu).
# Then the caller hears the new English instead.
def _spoken(message: Message) -> bool:
    """Whether the line speaks this translation: a reviewed one always, a fuzzy one if it still fits."""
    if not message.fuzzy:
        return True
    english, translation = str(message.id), str(message.string)
    try:
        if placeholders(translation) != placeholders(english):
            return False
    except ValueError:  # a stray brace in the translation: it cannot be formatted at all
        return False
    return not message.previous_id or _numbers(message.previous_id[0]) == _numbers(english)


def _spoken_translations(catalog: Catalog) -> dict[str, str]:
    found = {}
    for message in catalog:
        key = _key(message)
        if key and message.string and _spoken(message):
            found[key] = str(message.string)
    return found


def read_source(locales: Path, language: str) -> dict[str, str]:
    """The translators' catalog (.po): key (msgctxt) to the translation the line speaks once compiled."""
    path = po_path(locales, language)
    if not path.exists():
        return {}
    return _spoken_translations(read_po_file(path, language))


def load_translations(locales: Path, language: str) -> dict[str, str]:
    """The compiled catalog (.mo) the line speaks from; `flask ivr translate compile` makes it."""
    path = po_path(locales, language).with_suffix(".mo")
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        return _spoken_translations(read_mo(handle))


def compile_translations(locales: Path, language: str) -> Path:
    """Compile one language's .po into the .mo the line speaks from; see `_spoken` for fuzzy ones."""
    source = po_path(locales, language)
    catalog = read_po_file(source, language)
    for message in list(catalog):
        if message.id and not _spoken(message):
            catalog.delete(message.id, message.context)
    target = source.with_suffix(".mo")
    with target.open("wb") as handle:
        write_mo(handle, catalog, use_fuzzy=True)  # the fuzzy ones left still fit the new English
    return target


def stale_compilations(locales: Path, languages: Iterable[str]) -> list[str]:
    """Name each language whose compiled catalog does not say what its .po says."""
    return [
        f"{language}: {po_path(locales, language).with_suffix('.mo')} differs from messages.po: "
        "run `flask --app app ivr translate compile`"
        for language in languages
        if language != "en" and read_source(locales, language) != load_translations(locales, language)
    ]


def translations_to_review(locales: Path, languages: Iterable[str]) -> list[str]:
    """Name each translation marked fuzzy (its English reworded since), and what callers hear meanwhile."""
    problems = []
    for language in languages:
        path = po_path(locales, language)
        if language == "en" or not path.exists():
            continue
        for message in read_po_file(path, language):
            key = _key(message)
            if key and message.string and message.fuzzy:
                heard = "the old translation" if _spoken(message) else "the English"
                problems.append(
                    f"{language}: prompt {key!r} was reworded in English: review its translation in "
                    f"{path} (fuzzy); until then callers hear {heard}"
                )
    return problems


def template_catalog(prompts: dict[str, Prompt]) -> Catalog:
    """Build the gettext template: one message per prompt, keyed by msgctxt, noted for translators."""
    catalog = Catalog(project="dril-ivr", msgid_bugs_address="", fuzzy=False)
    for prompt in prompts.values():
        catalog.add(prompt.text, context=prompt.key, auto_comments=[prompt.note] if prompt.note else [])
    return catalog


def write_template(prompts: dict[str, Prompt], locales: Path) -> Path:
    path = locales / "messages.pot"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, template_catalog(prompts), width=WIDTH, omit_header=False)
    return path


def update_translations(prompts: dict[str, Prompt], locales: Path, language: str) -> Path:
    """Merge the catalog into one language's .po, keeping translations; reworded prompts' marked fuzzy."""
    path = po_path(locales, language)
    catalog = read_po_file(path, language) if path.exists() else Catalog(locale=language, project="dril-ivr")
    before = {key: message for message in catalog if (key := _key(message))}
    # Babel's own fuzzy matching pairs a new English text with the most similar old one among all the
    # prompts: a reworded prompt could take another prompt's translation, and a rewrite would find
    # none. The key (msgctxt) is what stays, so messages are matched on it here instead.
    catalog.update(template_catalog(prompts), no_fuzzy_matching=True)
    for message in catalog:
        old = before.get(_key(message) or "")
        if old is not None:
            _carry_over(message, old)
    write_po_file(path, catalog)
    return path


def _carry_over(message: Message, old: Message) -> None:
    """Give a reworded prompt its old translation back, fuzzy, with the English it was made for as
    the previous msgid (`#| msgid`), which translators' editors show beside the new English."""
    if message.id == old.id:
        # Babel's update keeps an unreviewed translation's fuzzy flag but drops its previous msgid.
        if message.fuzzy and old.fuzzy and old.previous_id:
            message.previous_id = list(old.previous_id)
        return
    if not old.string or message.string:
        return
    message.string = old.string
    message.user_comments = list(old.user_comments)
    if old.fuzzy and old.previous_id:  # reworded again before review: still made for the first English
        message.previous_id = list(old.previous_id)
    else:
        message.previous_id = [old.id] if isinstance(old.id, str) else list(old.id)
    if message.previous_id == [message.id]:
        message.previous_id = []  # reworded back to the English it was made for: current again
    else:
        message.flags.add("fuzzy")

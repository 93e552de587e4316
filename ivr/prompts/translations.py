"""The gettext catalogs in locales/: the template, each language's .po merged from it, the .mo spoken."""

from __future__ import annotations

import io
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import normalize, read_po, unescape, write_po

from ivr.prompts.catalog import Prompt, PromptError, placeholders
from ivr.prompts.plurals import SAMPLE, PluralRule, plural_rule

_NUMBER = re.compile(r"\d+")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')  # one PO string, escapes and all
WIDTH = 100  # of a .po line, as `make translations` has always written them

Text = str | tuple[str, ...]  # a prompt's translation: one text, or one per plural form


@dataclass(frozen=True)
class Translations:
    """One language's catalog as the line speaks it: each prompt's translation, and its plural rule."""

    texts: dict[str, Text]
    rule: PluralRule


def po_path(locales: Path, language: str) -> Path:
    return locales / language / "LC_MESSAGES" / "messages.po"


# A fuzzy message's previous msgid (`#| msgid "..."`, and `#| msgid_plural` for a counted prompt: the
# English its translation was made for) is what translators' editors show beside the new English.
# Babel reads it as a translator's comment (babel#206), and writes a long one wrapped like prose,
# splitting a quoted string across lines: the two functions below read and write it as gettext does.
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
    """The msgid (and msgid_plural) of `#|` lines, each with the quoted lines that continue a long one."""
    quoted: list[list[str]] = []
    for line in lines:
        if line.startswith(("msgid ", "msgid_plural ")):
            quoted.append(_QUOTED.findall(line))
        elif quoted and line.startswith('"'):
            quoted[-1] += _QUOTED.findall(line)
        elif quoted:
            break
    return ["".join(unescape(string) for string in strings) for strings in quoted]


def write_po_file(path: Path, catalog: Catalog) -> None:
    """Write a .po with Babel, each fuzzy message's previous msgid as gettext writes it."""
    previous = {
        f"msgctxt {normalize(key, width=WIDTH)}": message.previous_id
        for message in catalog
        if (key := _key(message)) and message.fuzzy and message.previous_id
    }
    written = io.BytesIO()
    write_po(written, catalog, width=WIDTH, ignore_obsolete=True)
    lines = []
    for line in written.getvalue().decode(catalog.charset).splitlines(keepends=True):
        english = previous.get(line.rstrip("\n"), [])
        for keyword, text in zip(("msgid", "msgid_plural"), english, strict=False):
            quoted = f"{keyword} {normalize(text, width=WIDTH - len('#| '))}"  # just before msgctxt
            lines += [f"#| {part}\n" for part in quoted.splitlines()]
        lines.append(line)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("".join(lines).encode(catalog.charset))


def _key(message: Message) -> str | None:
    """The prompt's key: msgctxt, which stays when the English (the msgid) is reworded."""
    context = message.context
    return context.decode() if isinstance(context, bytes) else context


def _texts(value: object) -> tuple[str, ...]:
    """A msgid or msgstr as its texts: one, or one per plural form."""
    return tuple(value) if isinstance(value, (list, tuple)) else (str(value or ""),)


def _has_text(message: Message) -> bool:
    return any(_texts(message.string))


def _numbers(text: str) -> list[str]:
    """The numbers a prompt says in its own words (keys to press, counts), in order."""
    return [number for literal, *_ in string.Formatter().parse(text) for number in _NUMBER.findall(literal)]


# A fuzzy translation was made for English that has since been reworded, and no translator has
# checked it yet. A caller must never hear nothing, and a translation they understand serves them
# better than English they may not, so the line keeps speaking the old translation until it is
# reviewed, unless it can no longer be right: its placeholders differ from the new English's (values
# would go missing, or the prompt would fail to format mid-call), or the English now says other
# numbers (another key to press: the old translation would send the caller to the wrong menu).
# Then the caller hears the new English instead. A counted prompt is spoken only with every plural
# form of the language written: a count said in English, or not at all, in the middle of a call in
# Russian would be worse than the whole sentence in English.
def _spoken(message: Message, forms: int) -> bool:
    """Whether the line speaks this translation: a reviewed one always, a fuzzy one if it still fits."""
    english, translation = _texts(message.id), _texts(message.string)
    if message.pluralizable and (len(translation) != forms or not all(translation)):
        return False
    if not message.fuzzy:
        return True
    try:
        said = [placeholders(text) for text in translation]
    except ValueError:  # a stray brace in the translation: it cannot be formatted at all
        return False
    # Each form says only the English's values and all forms together say each of them: one form may
    # leave the count out (Arabic's dual, said for 2 alone; which ones may is checked by gaps()).
    wanted = placeholders(english[0])
    if any(not names <= wanted for names in said) or set().union(*said) != wanted:
        return False
    previous = message.previous_id
    return not previous or {tuple(_numbers(t)) for t in previous} == {tuple(_numbers(t)) for t in english}


def _rule(catalog: Catalog, path: Path) -> PluralRule:
    try:
        return PluralRule.parse(catalog.num_plurals, catalog.plural_expr)
    except ValueError:
        raise PromptError(
            f"{path}: Plural-Forms {catalog.plural_forms!r} is not a gettext plural expression; "
            "run `flask --app app ivr translate update` to write the language's own."
        ) from None


def _spoken_translations(catalog: Catalog, path: Path) -> Translations:
    rule = _rule(catalog, path)
    texts: dict[str, Text] = {}
    for message in catalog:
        key = _key(message)
        if key and _has_text(message) and _spoken(message, rule.forms):
            texts[key] = _texts(message.string) if message.pluralizable else str(message.string)
    return Translations(texts, rule)


def read_source(locales: Path, language: str) -> Translations | None:
    """The translators' catalog (.po): key (msgctxt) to the translation the line speaks once compiled."""
    path = po_path(locales, language)
    if not path.exists():
        return None
    return _spoken_translations(read_po_file(path, language), path)


def load_translations(locales: Path, language: str) -> Translations | None:
    """The compiled catalog (.mo) the line speaks from; `flask ivr translate compile` makes it."""
    path = po_path(locales, language).with_suffix(".mo")
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return _spoken_translations(read_mo(handle), path)


def compile_translations(locales: Path, language: str) -> Path:
    """Compile one language's .po into the .mo the line speaks from; see `_spoken` for fuzzy ones."""
    source = po_path(locales, language)
    catalog = read_po_file(source, language)
    for message in list(catalog):
        if message.id and not _spoken(message, catalog.num_plurals):
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
        catalog = read_po_file(path, language)
        for message in catalog:
            key = _key(message)
            if key and _has_text(message) and message.fuzzy:
                heard = "the old translation" if _spoken(message, catalog.num_plurals) else "the English"
                problems.append(
                    f"{language}: prompt {key!r} was reworded in English: review its translation in "
                    f"{path} (fuzzy); until then callers hear {heard}"
                )
    return problems


def missing_forms(locales: Path, languages: Iterable[str]) -> list[str]:
    """Name each plural form a counted prompt's translation lacks, and the numbers it is said for."""
    problems = []
    for language in languages:
        path = po_path(locales, language)
        if language == "en" or not path.exists():
            continue
        catalog = read_po_file(path, language)
        rule = _rule(catalog, path)
        for message in catalog:
            key, forms = _key(message), _texts(message.string)
            if not key or not message.pluralizable or not any(forms):
                continue  # an untranslated prompt is named by the phrasebook's gaps
            for form in range(rule.forms):
                if form >= len(forms) or not forms[form]:
                    problems.append(
                        f"{language}: prompt {key!r} lacks msgstr[{form}], its form for "
                        f"{rule.said_for(form)}: write it in {path}; until then callers hear the English"
                    )
    return problems


def template_catalog(prompts: dict[str, Prompt]) -> Catalog:
    """Build the gettext template: one message per prompt, keyed by msgctxt, noted for translators."""
    catalog = Catalog(project="dril-ivr", msgid_bugs_address="", fuzzy=False)
    for prompt in prompts.values():
        notes = [prompt.note] if prompt.note else []
        if prompt.plural is not None:
            notes.append(
                f"Said with a count: one sentence per plural form of your language (msgstr[0], "
                f"msgstr[1], ...), chosen by {{{prompt.count}}}. A form said for one number only "
                f"(e.g. 1) may leave {{{prompt.count}}} out."
            )
            catalog.add(prompt.forms, context=prompt.key, auto_comments=notes)
        else:
            catalog.add(prompt.text, context=prompt.key, auto_comments=notes)
    return catalog


def write_template(prompts: dict[str, Prompt], locales: Path) -> Path:
    path = locales / "messages.pot"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, template_catalog(prompts), width=WIDTH, omit_header=False)
    return path


def update_translations(
    prompts: dict[str, Prompt], locales: Path, language: str, locale: str | None = None
) -> Path:
    """Merge the catalog into one language's .po, keeping translations; reworded prompts' marked fuzzy.

    The .po says the plural rule of the language's Babel locale (voices.toml), e.g. pt_BR's, not pt's.
    """
    path = po_path(locales, language)
    catalog = read_po_file(path, language) if path.exists() else Catalog(locale=language, project="dril-ivr")
    _write_rule(catalog, plural_rule(locale or language), path)
    before = {key: message for message in catalog if (key := _key(message))}
    # Babel's own fuzzy matching pairs a new English text with the most similar old one among all the
    # prompts: a reworded prompt could take another prompt's translation, and a rewrite would find
    # none. The key (msgctxt) is what stays, so messages are matched on it here instead.
    catalog.update(template_catalog(prompts), no_fuzzy_matching=True)
    for message in catalog:
        if message.id:
            _carry_over(message, before.get(_key(message) or ""), catalog.num_plurals)
    write_po_file(path, catalog)
    return path


def _write_rule(catalog: Catalog, rule: PluralRule, path: Path) -> None:
    """Give the .po the language's plural rule, unless forms already written would change meaning."""
    try:
        old: PluralRule | None = _rule(catalog, path)
    except PromptError:
        old = None  # unreadable: replaced by the language's own below
    if (
        old
        and old.forms == rule.forms
        and [old.choose(n) for n in SAMPLE] == [rule.choose(n) for n in SAMPLE]
    ):
        return
    if any(message.pluralizable and _has_text(message) for message in catalog if message.id):
        raise PromptError(
            f"{path}: its Plural-Forms is {catalog.plural_forms!r}, but the language's rule is "
            f"{rule.header!r}; its plural translations were written for the old rule. Put the new "
            "Plural-Forms in the header by hand and move each msgstr[n] to the form its numbers now take."
        )
    catalog.mime_headers = [("Plural-Forms", rule.header)]


def _carry_over(message: Message, old: Message | None, forms: int) -> None:
    """Give a reworded prompt its old translation back, fuzzy, with the English it was made for as
    the previous msgid (`#| msgid`), which translators' editors show beside the new English."""
    if old is None or not _has_text(old):  # nothing to keep: an empty translation is never fuzzy
        message.string = _fit("", message.pluralizable, forms)
        message.flags.discard("fuzzy")
        message.previous_id = []
        return
    if message.id == old.id:
        # Babel's update keeps an unreviewed translation's fuzzy flag but drops its previous msgid.
        if message.fuzzy and old.fuzzy and old.previous_id:
            message.previous_id = list(old.previous_id)
        return
    # Babel's update keeps a counted prompt whose singular stayed, whatever its plural now says, and
    # never marks it fuzzy: here every rewording is, whichever English text changed.
    message.string = _fit(old.string, message.pluralizable, forms)
    message.user_comments = list(old.user_comments)
    if old.fuzzy and old.previous_id:  # reworded again before review: still made for the first English
        message.previous_id = list(old.previous_id)
    else:
        message.previous_id = list(_texts(old.id))
    if message.previous_id == list(_texts(message.id)):
        message.previous_id = []  # reworded back to the English it was made for: current again
        message.flags.discard("fuzzy")
    else:
        message.flags.add("fuzzy")


def _fit(string: object, plural: bool, forms: int) -> Text:
    """A kept translation shaped for its prompt now: one text, or exactly one per plural form."""
    texts = _texts(string)
    if not plural:
        return texts[-1]  # a counted prompt made plain: its most general form, until reviewed
    if len(texts) == 1:
        return texts * forms  # a plain prompt made counted: what callers heard, in each form, until reviewed
    return texts[:forms] + ("",) * (forms - len(texts))

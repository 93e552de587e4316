"""How each language chooses a plural form for a count: its gettext Plural-Forms, from Babel and CLDR."""

from __future__ import annotations

import gettext
from collections.abc import Callable
from dataclasses import dataclass, field

from babel import Locale
from babel.messages.plurals import get_plural

SAMPLE = range(0, 1001)  # whole numbers enough to show which of them each form is said for

# Babel's gettext table (get_plural) departs from CLDR on whole numbers for these languages only:
# CLDR says 0 as it says 1 ("0 मिनट है", like "1 मिनट है"), the table's default says 0 like 2.
_CLDR_WHOLE_NUMBERS = {"hi": (2, "(n > 1)"), "pa": (2, "(n > 1)")}


@dataclass(frozen=True)
class PluralRule:
    """A language's Plural-Forms: how many forms a counted sentence has, and which one a count takes."""

    forms: int
    expression: str
    choose: Callable[[int], int] = field(compare=False, repr=False)

    @classmethod
    def parse(cls, forms: int, expression: str) -> PluralRule:
        """Compile a Plural-Forms expression once, as gettext itself does (a ValueError if it is not one)."""
        return cls(forms, expression, gettext.c2py(expression))

    @property
    def header(self) -> str:
        return f"nplurals={self.forms}; plural={self.expression};"

    def numbers(self, form: int) -> list[int]:
        """The whole numbers up to 1000 said with this form."""
        return [n for n in SAMPLE if self.choose(n) == form]

    def said_for(self, form: int) -> str:
        """The numbers a form is said for, as a translator checks them: "2, 3, 4, 22, 23, 24, …"."""
        numbers = self.numbers(form)
        return ", ".join(str(n) for n in numbers[:6]) + (", …" if len(numbers) > 6 else "")

    def problems(self) -> list[str]:
        """What is wrong with the rule itself: a form no number takes, or a count with no form."""
        chosen = {self.choose(n) for n in SAMPLE}
        if not chosen <= set(range(self.forms)):
            return [f"Plural-Forms {self.header!r} chooses a form past its nplurals"]
        unused = sorted(set(range(self.forms)) - chosen)
        return [f"Plural-Forms {self.header!r}: no number takes msgstr[{form}]" for form in unused]


def plural_rule(locale: str) -> PluralRule:
    """The Plural-Forms a language's translations are written for: Babel's, corrected to CLDR."""
    parsed = Locale.parse(locale)
    forms, expression = _CLDR_WHOLE_NUMBERS.get(parsed.language) or get_plural(parsed)
    return PluralRule.parse(forms, expression)

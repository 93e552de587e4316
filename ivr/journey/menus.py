"""Every menu of the line, declared once: its prompt, its options (key, choice, prompt, words), its
safe default; and `advance`, which feeds a caller's answer to the menu they are at.

An option's key is what the caller presses, its value what it chooses, its prompt the catalog key
that names the choice to the caller (where one does), its words the entries of
prompts/menu_words.toml a caller may say for it in each language the line listens to. The prompt of
each menu names the same keys (tests/journey/test_menus.py holds the two together), and
`flask --app app ivr flow` prints this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ivr.journey import answers
from ivr.journey.languages import ANY_OTHER_LANGUAGE, second_menu
from ivr.journey.machine import (
    MAX_ATTEMPTS,
    CallRecord,
    Event,
    EventKind,
    Facts,
    Heard,
    State,
    Turn,
)
from ivr.journey.subjects import OTHER_SUBJECTS, URGENT_FIRST, CallerType
from ivr.prompts.catalog import Digits, PromptText, Said


@dataclass(frozen=True)
class Option:
    """One choice at a menu: the key, what it chooses, the prompt naming it, the words for it."""

    key: str
    value: str
    prompt: str | None = None
    words: tuple[str, ...] = ()


Choose = Callable[[CallRecord, Option, Facts], Turn]
Keys = Callable[[CallRecord, str, Facts], "Turn | None"]
Words = Callable[[CallRecord, Event, Facts], "Turn | None"]
Default = Callable[[CallRecord, Facts], Turn]


@dataclass(frozen=True)
class Menu:
    """A menu: its prompt, its options and what choosing one does, and the safe default after 3 tries.

    `keys` and `words` take the answers that are not one of the options: an A-number, a ZIP code,
    a state's name, a reason for calling in the caller's own words.
    """

    state: State
    prompt: str
    options: tuple[Option, ...]
    choose: Choose
    on_exhausted: Default
    keys: Keys | None = None
    words: Words | None = None
    entry: bool = False  # several digits ended by #, rather than a single key
    prefer: tuple[str, ...] = ()  # when a caller's words fit several options, the first of these
    say: Callable[[Menu, CallRecord, Facts], list[Said]] | None = None  # other than `prompt` alone
    beyond: str = ""  # for the printed table: what `keys` and `words` take
    keypad_prompt: str | None = None  # the prompt where the caller's language cannot be heard
    # Said after the options when the menu is first heard (and on *), never after a wrong answer:
    # then the caller hears the options alone (call-flow.md: repeat only what is needed).
    invite: str | None = None
    invite_keypad: str | None = None  # the invite where the caller's language cannot be heard
    closed_prompt: str | None = None  # the prompt when the operators are not working
    repeat: Callable[[CallRecord, Facts], list[Said]] | None = None  # said again before the prompt on *
    repeatable: bool = True  # ends with "to hear this again, press star" (* repeats either way)
    options_from: Callable[[tuple[str, ...]], tuple[Option, ...]] | None = None  # from the languages
    by_key: dict[str, Option] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_key", {option.key: option for option in self.options})

    def options_for(self, facts: Facts) -> tuple[Option, ...]:
        return self.options_from(facts.languages) if self.options_from else self.options

    def option_for(self, key: str, facts: Facts) -> Option | None:
        if self.options_from is None:
            return self.by_key.get(key)
        return next((option for option in self.options_for(facts) if option.key == key), None)

    def prompt_said(self, call: CallRecord, facts: Facts, again: bool = False) -> list[Said]:
        """What the menu says; `*` brings the same words again, a wrong answer the options alone."""
        if self.say is not None:
            return self.say(self, call, facts)
        heard = call.language is None or call.language in facts.heard_languages
        key = self.prompt if heard or self.keypad_prompt is None else self.keypad_prompt
        said = [Said(self.closed_prompt if self.closed_prompt and not facts.line_open else key)]
        if again:
            return said
        invite = self.invite if heard or self.invite_keypad is None else self.invite_keypad
        if invite is not None:
            said.append(Said(invite))
        return [*said, Said("repeat_hint")] if self.repeatable else said


# --- What the menus say beyond their one prompt ---------------------------------------------


def _language_prompt(menu: Menu, call: CallRecord, facts: Facts) -> list[Said]:
    """English and Spanish first, each offered in itself, then "other languages" in both."""
    return [
        *(Said("offer_this_language", {"digit": int(o.key)}, language=o.value) for o in menu.options[:2]),
        Said("language_menu_other", language="en"),
        Said("language_menu_other", language="es"),
    ]


def _other_language_prompt(menu: Menu, call: CallRecord, facts: Facts) -> list[Said]:
    """Each language offered in its own language, then "any other language" in English and Spanish."""
    offers = [
        Said("offer_this_language", {"digit": int(option.key)}, language=option.value)
        for option in menu.options_for(facts)
        if option.value != ANY_OTHER_LANGUAGE.code
    ]
    # After hours nobody is there to bring in an interpreter now: a message is what is on offer.
    anyone = "other_language_any" if facts.line_open else "other_language_any_closed"
    return offers + [Said(anyone, language="en"), Said(anyone, language="es")]


def _subject_confirm_prompt(menu: Menu, call: CallRecord, facts: Facts) -> list[Said]:
    return [Said(menu.prompt, {"subject": PromptText(f"subject_{call.pending_subject}")})]


def _a_number_confirm_prompt(menu: Menu, call: CallRecord, facts: Facts) -> list[Said]:
    return [Said(menu.prompt, {"digits": Digits(call.pending_a_number or "")})]


def _state_choice_prompt(menu: Menu, call: CallRecord, facts: Facts) -> list[Said]:
    language = call.language or "en"
    states = (call.state_choices or "").split(",")
    return [
        Said(menu.prompt, {"state": facts.offices.state_name(state, language), "digit": digit})
        for digit, state in enumerate(states, start=1)
    ] + [Said("repeat_hint")]


def _second_menu_options(languages: tuple[str, ...]) -> tuple[Option, ...]:
    """1-9 the line's other languages, in voices.toml's order; 0 any other (an interpreter)."""
    keys = second_menu(languages)
    return tuple(
        Option(key, code, "other_language_any" if code == ANY_OTHER_LANGUAGE.code else None)
        for key, code in sorted(keys.items(), key=lambda item: item[0] == "0")
    )


# --- The menus -------------------------------------------------------------------------------


def _by_value(action: Callable[[CallRecord, Facts, str], Turn]) -> Choose:
    """A menu whose options all do one thing with the value chosen (a language, a subject...)."""
    return lambda call, option, facts: action(call, facts, option.value)


def _by_action(actions: dict[str, Default]) -> Choose:
    """A menu whose options each do their own thing (yes, no, skip...)."""
    return lambda call, option, facts: actions[option.value](call, facts)


YES, NO, SKIP, OPERATOR = "answers.yes", "answers.no", "answers.skip", "answers.operator"
MORE_REASONS = "more_reasons"  # the first menu's last option: the other subjects, then who calls


def _reason(call: CallRecord, option: Option, facts: Facts) -> Turn:
    if option.value == MORE_REASONS:
        return answers.more_reasons(call, facts)
    return answers.choose_subject(call, facts, option.value)


MENUS: dict[State, Menu] = {
    menu.state: menu
    for menu in (
        Menu(
            State.LANGUAGE_MENU,
            "offer_this_language",
            (Option("1", "en"), Option("2", "es"), Option("3", "other", "language_menu_other")),
            _by_action(
                {
                    "en": lambda call, facts: answers.choose_language(call, facts, "en"),
                    "es": lambda call, facts: answers.choose_language(call, facts, "es"),
                    "other": answers.other_languages,
                }
            ),
            answers.to_operator,
            words=answers.language_named,
            say=_language_prompt,
            beyond="a language's name, said in any language",
        ),
        Menu(
            State.OTHER_LANGUAGE_MENU,
            "offer_this_language",
            (Option("0", ANY_OTHER_LANGUAGE.code, "other_language_any"),),
            _by_value(answers.choose_language),
            answers.interpreter_for_anyone,
            words=answers.language_named,
            say=_other_language_prompt,
            beyond="a language's name; after a language, an operator with an interpreter",
            options_from=_second_menu_options,
        ),
        Menu(
            # Right after the language: the urgent reasons first, each one key from a person.
            State.REASON_MENU,
            "reason_menu",
            (
                *(
                    Option(str(digit), subject, f"subject_{subject}")
                    for digit, subject in enumerate(URGENT_FIRST, start=1)
                ),
                Option(str(len(URGENT_FIRST) + 1), MORE_REASONS),
            ),
            _reason,
            answers.to_operator,
            words=answers.subject_in_words,
            invite="press_or_say",
            invite_keypad="press_anytime",
            # No "press star" here: every second counts on the urgent path; * repeats all the same.
            repeatable=False,
            beyond="the reason in the caller's own words (the subject classifier)",
        ),
        Menu(
            State.CALLER_TYPE_MENU,
            "caller_type_menu",
            tuple(
                Option(str(digit), caller_type, words=(f"caller_types.{caller_type}",) if digit < 4 else ())
                for digit, caller_type in enumerate(CallerType, start=1)
            ),
            _by_value(answers.choose_caller_type),
            answers.to_operator,
            # "I'm the lawyer of a man in detention": the attorney. "My husband is detained": about him.
            prefer=(CallerType.ATTORNEY, CallerType.ABOUT_DETAINED, CallerType.DETAINED),
        ),
        Menu(
            State.SUBJECT_MENU,
            "subject_menu",
            tuple(
                Option(str(digit), subject, f"subject_{subject}")
                for digit, subject in enumerate(OTHER_SUBJECTS, start=1)
            ),
            _by_value(answers.choose_subject),
            answers.to_operator,
            words=answers.subject_in_words,
            invite="press_or_say",
            invite_keypad="press_anytime",
            beyond="the reason in the caller's own words (the subject classifier)",
        ),
        Menu(
            State.SUBJECT_CONFIRM,
            "subject_confirm",
            (Option("1", "yes", words=(YES,)), Option("2", "no", words=(NO,))),
            _by_action({"yes": answers.confirm_subject, "no": answers.subject_from_list}),
            answers.subject_confirm_exhausted,
            say=_subject_confirm_prompt,
        ),
        Menu(
            State.A_NUMBER_ENTRY,
            "a_number_entry",
            (Option("*", "skip", words=(SKIP, NO)),),
            _by_action({"skip": answers.skip_a_number}),
            answers.skip_a_number,
            keys=answers.a_number_keys,
            words=answers.a_number_in_words,
            entry=True,
            repeatable=False,
            beyond="8 or 9 digits then #, keyed or said",
        ),
        Menu(
            State.A_NUMBER_CONFIRM,
            "a_number_readback",
            (
                Option("1", "yes", words=(YES,)),
                Option("2", "no", words=(NO,)),
                Option("3", "skip", words=(SKIP,)),
            ),
            _by_action(
                {
                    "yes": answers.keep_a_number,
                    "no": answers.enter_a_number_again,
                    "skip": answers.skip_a_number,
                }
            ),
            answers.keep_a_number,
            say=_a_number_confirm_prompt,
        ),
        Menu(
            State.FIELD_OFFICE_MENU,
            "field_office_menu",
            (Option("*", "skip", words=(SKIP,)),),
            _by_action({"skip": answers.skip_field_office}),
            answers.to_operator,
            keys=answers.field_office_keys,
            words=answers.field_office_in_words,
            entry=True,
            repeatable=False,
            keypad_prompt="field_office_menu_keypad",
            beyond="a state's 2 letters or a ZIP code then #, or a state's name said",
        ),
        Menu(
            State.FIELD_OFFICE_STATE_CHOICE,
            "field_office_state_option",
            (),
            _by_action({}),
            answers.to_operator,
            keys=answers.state_choice_keys,
            words=answers.state_choice_in_words,
            say=_state_choice_prompt,
            beyond="1-n one of the states the keys matched, or its name",
        ),
        Menu(
            State.OPERATOR_OFFER,
            "operator_offer",
            (Option("1", "operator", words=(OPERATOR, YES)), Option("2", "end", words=(NO,))),
            _by_action({"operator": answers.to_operator, "end": answers.end_with_information}),
            answers.to_operator,
            closed_prompt="operator_offer_closed",
            repeat=answers.offices_again,
        ),
    )
}


# --- Answers at a menu -----------------------------------------------------------------------


PERSON_KEY = "0"  # at every menu where 0 is not an option itself: a person (call-flow.md)


def _by_keys(menu: Menu, call: CallRecord, keys: str, facts: Facts) -> Turn | None:
    option = menu.option_for(keys, facts)
    if option is not None:
        return menu.choose(call, option, facts)
    if keys.rstrip("#") == PERSON_KEY:
        return answers.person_asked_for(call, facts)
    return menu.keys(call, keys, facts) if menu.keys else None


def _by_words(menu: Menu, call: CallRecord, event: Event, facts: Facts) -> Turn | None:
    """A key said aloud; else the one option whose words were said; else the menu's own reading."""
    key = facts.words.spoken_key(event.speech, call.language)
    if key is not None and (menu.option_for(key, facts) or menu.keys):
        turn = _by_keys(menu, call, key, facts)
        if turn is not None:
            return turn
    options = menu.options_for(facts)
    said = facts.words.said(event.speech, call.language, {w for o in options for w in o.words})
    chosen = [option for option in options if said.intersection(option.words)]
    if len(chosen) > 1:
        chosen = [option for value in menu.prefer for option in chosen if option.value == value][:1]
        # Several answers at once ("yes... no") and no rule between them: ask again.
    if len(chosen) == 1:
        turn = menu.choose(call, chosen[0], facts)
        turn.result += " (speech)"
        return turn
    # "Operator", "a person, please": only when that is all the caller said, so that "a person
    # hit me" still reaches the classifier.
    if facts.words.only(event.speech, call.language, [OPERATOR]):
        return answers.person_asked_for(call, facts)
    return menu.words(call, event, facts) if menu.words else None


def advance(call: CallRecord, event: Event, facts: Facts) -> Turn:
    """Feed the caller's answer at the current menu to the flow and move the call on."""
    menu = MENUS.get(call.state)  # type: ignore[call-overload]  # a State is its str
    if menu is None:
        raise ValueError(f"the caller is not at a menu (state {call.state})")

    turn: Turn | None = None
    if event.kind is Heard.DIGITS and event.digits == "*" and not menu.entry:
        again = menu.repeat(call, facts) if menu.repeat else []
        turn = Turn(menu.state, again, event=EventKind.REPEAT_REQUESTED, result="menu repeated")
    elif event.kind is Heard.DIGITS:
        turn = _by_keys(menu, call, event.digits, facts)
    elif event.kind is Heard.SPEECH:
        turn = _by_words(menu, call, event, facts)

    if turn is None or turn.event is EventKind.INVALID_INPUT:
        call.attempts += 1
        if call.attempts >= MAX_ATTEMPTS:
            turn = menu.on_exhausted(call, facts)
            turn.said.insert(0, Said("no_input" if event.kind is Heard.NOTHING else "not_an_option"))
            turn.event, turn.result = EventKind.ATTEMPTS_EXHAUSTED, "safe default: " + turn.result
        elif turn is None:
            turn = Turn(
                menu.state,
                [Said(_NOT_MATCHED[event.kind][0])],
                event=_NOT_MATCHED[event.kind][1],
                result=f"asked again ({call.attempts} of {MAX_ATTEMPTS})",
            )
        if turn.state == menu.state:
            turn.again = True  # "sorry", then the options: not the whole menu again
    if turn.event is None:
        turn.event = _RECEIVED[event.kind]
    if turn.state != call.state:
        call.attempts = 0
    call.state = turn.state
    return turn


_NOT_MATCHED = {
    Heard.NOTHING: ("no_input", EventKind.NO_INPUT),
    Heard.SPEECH: ("not_understood", EventKind.SPEECH_NOT_MATCHED),
    Heard.DIGITS: ("not_an_option", EventKind.DIGITS_NOT_MATCHED),
}
_RECEIVED = {
    Heard.DIGITS: EventKind.DIGITS_RECEIVED,
    Heard.SPEECH: EventKind.SPEECH_RECEIVED,
    Heard.NOTHING: EventKind.NO_INPUT,
}

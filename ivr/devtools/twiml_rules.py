"""Check a TwiML document against what Twilio accepts, so a mistake shows up in a test, not on a call."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit
from xml.etree import ElementTree

CALL_VERBS = frozenset(
    {
        "Say",
        "Play",
        "Pause",
        "Gather",
        "Dial",
        "Enqueue",
        "Leave",
        "Hangup",
        "Redirect",
        "Reject",
        "Record",
        "Refer",
        "Connect",
        "Stream",
        "Start",
        "Stop",
    }
)
# What Twilio will run from an Enqueue's waitUrl while the caller holds.
QUEUE_WAIT_VERBS = frozenset({"Play", "Say", "Pause", "Hangup", "Redirect", "Leave", "Gather"})
CONTEXTS: dict[str, frozenset[str] | None] = {
    "call": CALL_VERBS,
    "queue_wait": QUEUE_WAIT_VERBS,
    # Twilio ignores what status and recording callbacks answer: any well-formed <Response>.
    "callback": None,
}
GATHER_NOUNS = ("Say", "Play", "Pause")
SSML_TAGS = frozenset({"break", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say-as", "sub", "w"})
DIAL_NOUNS = frozenset({"Number", "Client", "Conference", "Queue", "Sip", "Sim", "Application", "WhatsApp"})
GATHER_INPUTS = frozenset({"dtmf", "speech", "dtmf speech", "speech dtmf"})
KEYS = frozenset("0123456789#*")
# Our rule: the app renders absolute URLs, so a relative one means a URL was built by hand.
URL_ATTRIBUTES = (
    "action",
    "waitUrl",
    "recordingStatusCallback",
    "statusCallback",
    "transcribeCallback",
    "partialResultCallback",
)
BOOLEANS = ("true", "false")
MAX_QUEUE_SIZE = 5000
# Verbs that end the document: whatever follows them never runs.
FINAL_VERBS = frozenset({"Hangup", "Reject", "Leave", "Redirect"})


def problems(xml: str, context: str = "call") -> list[str]:
    """Every way this TwiML breaks Twilio's rules (or ours) in the given context; empty when fine."""
    if context not in CONTEXTS:
        raise ValueError(f"unknown TwiML context {context!r}: use one of {', '.join(CONTEXTS)}")
    try:
        # The TwiML comes from our own app (or a test), never from a stranger.
        root = ElementTree.fromstring(xml)  # noqa: S314 - the line's own TwiML, in tests and tools
    except ElementTree.ParseError as error:
        return [f"not well-formed XML: {error}"]
    if root.tag != "Response":
        return [f"the root element is <{root.tag}>, not <Response>"]
    allowed = CONTEXTS[context]
    if allowed is None:
        return []

    found: list[str] = []
    if stray := _stray(root.text):
        found.append(f"stray text inside <Response>: {stray!r}")
    verbs = list(root)
    for number, verb in enumerate(verbs, start=1):
        where = f"<{verb.tag}> (verb {number})"
        if verb.tag not in allowed:
            found.append(f"{where} is not allowed {_place(context)}: use {', '.join(sorted(allowed))}")
        else:
            found.extend(_verb_problems(verb, where))
        if stray := _stray(verb.tail):
            found.append(f"stray text after {where}: {stray!r}")
    found.extend(_unreachable(verbs))
    return found


def _place(context: str) -> str:
    return "in a queue's wait document" if context == "queue_wait" else "at the top level of a call"


def _unreachable(verbs: list[ElementTree.Element]) -> Iterator[str]:
    for number, verb in enumerate(verbs, start=1):
        if _ends_document(verb) and number < len(verbs):
            rest = ", ".join(f"<{later.tag}>" for later in verbs[number:])
            yield f"{rest} after <{verb.tag}> (verb {number}) can never be reached"
            return


def _ends_document(verb: ElementTree.Element) -> bool:
    if verb.tag in FINAL_VERBS:
        return True
    # With an action, Twilio goes there when Dial or Enqueue end; a Gather that posts even on
    # silence never falls through either.
    if verb.tag in ("Dial", "Enqueue") and verb.get("action"):
        return True
    return verb.tag == "Gather" and verb.get("actionOnEmptyResult") == "true"


def _verb_problems(verb: ElementTree.Element, where: str) -> list[str]:
    found = list(_common_attribute_problems(verb, where))
    check = VERB_CHECKS.get(verb.tag)
    if check is not None:
        found.extend(check(verb, where))
    return found


def _common_attribute_problems(verb: ElementTree.Element, where: str) -> Iterator[str]:
    for name, value in verb.attrib.items():
        if (name == "method" or name.endswith("Method")) and value not in ("GET", "POST"):
            yield f"{where} {name}={value!r} must be GET or POST"
    for name in URL_ATTRIBUTES:
        url = verb.get(name)
        if url is not None and not _absolute_url(url):
            yield f"{where} {name}={url!r} must be an absolute http(s) URL"


def _absolute_url(value: str) -> bool:
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc) and value == value.strip()


def _stray(text: str | None) -> str:
    return (text or "").strip()


def _has_text(text: str | None) -> bool:
    return bool(_stray(text))


def _is_int(value: str | None, minimum: int, maximum: int | None = None) -> bool:
    if value is None or not value.strip().lstrip("-").isdigit():
        return False
    number = int(value)
    return number >= minimum and (maximum is None or number <= maximum)


def _int_attribute(
    verb: ElementTree.Element, where: str, name: str, minimum: int, maximum: int | None = None
) -> Iterator[str]:
    value = verb.get(name)
    if value is not None and not _is_int(value, minimum, maximum):
        bound = f"{minimum}..{maximum}" if maximum is not None else f"at least {minimum}"
        yield f"{where} {name}={value!r} must be a whole number, {bound}"


def _boolean_attribute(verb: ElementTree.Element, where: str, name: str) -> Iterator[str]:
    value = verb.get(name)
    if value is not None and value not in BOOLEANS:
        yield f'{where} {name}={value!r} must be "true" or "false"'


def _empty(verb: ElementTree.Element, where: str) -> Iterator[str]:
    if len(verb) or _has_text(verb.text):
        yield f"{where} must be empty"


def _say(verb: ElementTree.Element, where: str) -> Iterator[str]:
    for name in ("language", "voice"):
        value = verb.get(name)
        if value is not None and not value.strip():
            yield f"{where} has an empty {name} attribute"
    for element in verb.iter():
        if element is not verb and element.tag not in SSML_TAGS:
            yield f"{where} contains <{element.tag}>, which is not SSML Twilio knows"
    if not "".join(verb.itertext()).strip():
        yield f"{where} has nothing to say"
    yield from _int_attribute(verb, where, "loop", 0)


def _play(verb: ElementTree.Element, where: str) -> Iterator[str]:
    url = (verb.text or "").strip()
    if len(verb):
        yield f"{where} may contain only a URL"
    if not url and not verb.get("digits"):
        yield f"{where} has no URL to play"
    elif url and any(space in url for space in " \t\n"):
        yield f"{where} URL {url!r} contains spaces"
    yield from _int_attribute(verb, where, "loop", 0)


def _pause(verb: ElementTree.Element, where: str) -> Iterator[str]:
    yield from _empty(verb, where)
    yield from _int_attribute(verb, where, "length", 1)


def _gather(verb: ElementTree.Element, where: str) -> Iterator[str]:
    for number, noun in enumerate(verb, start=1):
        inner = f"<{noun.tag}> inside {where}"
        if noun.tag not in GATHER_NOUNS:
            yield f"{inner}: <Gather> may contain only {', '.join(GATHER_NOUNS)}"
        else:
            yield from _verb_problems(noun, f"{inner} (noun {number})")
    if stray := _stray(verb.text):
        yield f"stray text inside {where}: {stray!r}"
    yield from _int_attribute(verb, where, "numDigits", 1)
    yield from _int_attribute(verb, where, "timeout", 1)
    gather_input = verb.get("input")
    if gather_input is not None and gather_input not in GATHER_INPUTS:
        yield f"{where} input={gather_input!r} must be one of {', '.join(sorted(GATHER_INPUTS))}"
    finish = verb.get("finishOnKey")
    if finish is not None and not (finish == "" or (len(finish) == 1 and finish in KEYS)):
        yield f"{where} finishOnKey={finish!r} must be one of 0-9, #, * or empty"
    speech_timeout = verb.get("speechTimeout")
    if speech_timeout is not None and speech_timeout != "auto" and not _is_int(speech_timeout, 0):
        yield f'{where} speechTimeout={speech_timeout!r} must be "auto" or a whole number'
    yield from _boolean_attribute(verb, where, "actionOnEmptyResult")


def _enqueue(verb: ElementTree.Element, where: str) -> Iterator[str]:
    tasks = [noun for noun in verb if noun.tag == "Task"]
    if len(tasks) != len(verb):
        yield f"{where} may contain only a queue name or a <Task>"
    if not _has_text(verb.text) and not tasks:
        yield f"{where} names no queue"
    size = verb.get("maxQueueSize")
    if size is None:
        yield f"{where} has no maxQueueSize: set it explicitly (Twilio's default is 1000)"
    elif not _is_int(size, 1, MAX_QUEUE_SIZE):
        yield f"{where} maxQueueSize={size!r} must be a whole number, 1..{MAX_QUEUE_SIZE}"


def _record(verb: ElementTree.Element, where: str) -> Iterator[str]:
    yield from _empty(verb, where)
    yield from _int_attribute(verb, where, "maxLength", 1)
    yield from _int_attribute(verb, where, "timeout", 0)
    finish = verb.get("finishOnKey")
    if finish is not None and not set(finish) <= KEYS:
        yield f"{where} finishOnKey={finish!r} may hold only 0-9, # and *"
    for name in ("playBeep", "transcribe"):
        yield from _boolean_attribute(verb, where, name)
    trim = verb.get("trim")
    if trim is not None and trim not in ("trim-silence", "do-not-trim"):
        yield f"{where} trim={trim!r} must be trim-silence or do-not-trim"
    events = verb.get("recordingStatusCallbackEvent")
    if events is not None:
        for event in events.replace(",", " ").split():
            if event not in ("in-progress", "completed", "absent"):
                yield (
                    f"{where} recordingStatusCallbackEvent has {event!r}: use in-progress, completed, absent"
                )


def _redirect(verb: ElementTree.Element, where: str) -> Iterator[str]:
    url = (verb.text or "").strip()
    if len(verb):
        yield f"{where} may contain only a URL"
    if not url:
        yield f"{where} has no URL"
    elif not _absolute_url(verb.text or ""):
        yield f"{where} URL {url!r} must be an absolute http(s) URL"


def _reject(verb: ElementTree.Element, where: str) -> Iterator[str]:
    yield from _empty(verb, where)
    reason = verb.get("reason")
    if reason is not None and reason not in ("rejected", "busy"):
        yield f"{where} reason={reason!r} must be rejected or busy"


def _dial(verb: ElementTree.Element, where: str) -> Iterator[str]:
    for noun in verb:
        if noun.tag not in DIAL_NOUNS:
            nouns = ", ".join(sorted(DIAL_NOUNS))
            yield f"<{noun.tag}> inside {where}: <Dial> may contain only {nouns}"
    if not _has_text(verb.text) and not len(verb):
        yield f"{where} has nothing to dial"
    yield from _int_attribute(verb, where, "timeout", 1)


VERB_CHECKS = {
    "Say": _say,
    "Play": _play,
    "Pause": _pause,
    "Gather": _gather,
    "Enqueue": _enqueue,
    "Record": _record,
    "Redirect": _redirect,
    "Hangup": _empty,
    "Leave": _empty,
    "Reject": _reject,
    "Dial": _dial,
}

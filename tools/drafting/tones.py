"""A tone in the marketer's words, as the template writer can say it: one voice, and maybe short.

A tone arrives as words ("friendly", "warmer, more human", "softer, less pushy", "more urgent",
"short and formal"). The model writer reads them as they are; the template writer has four
voices (friendly, professional, playful, urgent; `prompts/email/tones.txt` holds each one's
greeting, sign-off, subject opening and opening and closing lines) and can keep copy short.
`read_tone` places the words on those; the words it cannot place are kept, and `note` says so in
the draft's result, so a tone the offline writer ignored is never a silent no-op. `in_tone` then
says a ready email in the voice. With no tone asked the copy keeps its own voice ("plain"), so
asking for friendly copy changes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from prompts import loader
from tools.drafting.compliance import SUBJECT_LENGTH
from tools.drafting.placeholders import sample_values
from tools.drafting.render import template

# Word stems per voice ("warmer" is warm, "friendlier" friend); "long" only counts as "less wordy".
FAMILIES = {
    "friendly": r"friend|warm|human|personal|soft|gentle|gentl|kind|calm|caring|casual|relax|heartfelt|approachable"
                r"|conversational|empath|sincere|genuine|chatty|informal|sweet|relatable|nice",
    "professional": r"professional|formal|polish|business|corporate|serious|elegant|luxur|premium|sophisticat|refined"
                    r"|classy|upscale|respectful",
    "playful": r"playful|fun$|funn|cheek|witt|quirk|silly|sillier|humou?r|jok|whimsical|cheer|light|lively|upbeat",
    "urgent": r"urgen|hurr|rush|pressing|pressur|time-sensitive|fomo|punch|push|aggressive|sales|hard|sell|intense|assertive",
    "short": r"short|concise|brief|crisp|snapp|succinct|tight|point$|minimal|quick|compact|terse|direct",
    "long": r"word|long|verbose|lengthy|ramb",
}
# "less pushy" is friendlier, "less formal" friendly, "less playful" professional, "less wordy" short.
OPPOSITE = {"urgent": "friendly", "professional": "friendly", "playful": "professional", "friendly": "professional",
            "long": "short"}
FILLER = frozenset("a an the bit little lot lots with very much way slightly somewhat tone tones voice vibe vibes feel "
                   "feeling style sound sounding sounds make it please in of to too also so just really quite extra super "
                   "overall keep still email emails copy message wording words than".split())
NEGATIONS = frozenset({"less", "not", "no", "fewer"})
BREAKS = frozenset({",", ";", ".", "!", "and", "but", "or", "more", "yet", "then"})  # a "less" ends at these
KNOWN = "friendly (warm, human, soft), professional (formal), playful (fun), urgent and short (concise)"
# A subject already opening in a voice keeps its opening ("Last chance: ..." is not made "Last chance: last chance").
ALREADY = {"urgent": r"(?:last chance|don't miss|hurry|final)", "playful": r"(?:psst|hey|ooh|oh)\b",
           "friendly": r"(?:hi|hello|hey)\b"}
# The values a subject may not lose when a shorter line stands in for it.
_ESSENTIAL = re.compile(r"{{\s*(product_name|discount_percent|discount_code)\s*}}")


@dataclass(frozen=True)
class Voicing:
    voice: str | None = None  # friendly, professional, playful or urgent; None: the copy's own voice
    short: bool = False
    unknown: tuple[str, ...] = ()  # words the template writer could not place
    others: tuple[str, ...] = ()  # further voices asked for: the template writer says one


def read_tone(words: str | None) -> Voicing:
    """"warmer, more human" -> friendly; "softer, less pushy" -> friendly; "short and formal" ->
    professional, short; "grumpy" -> no voice, with "grumpy" unknown."""
    voices: list[str] = []
    unknown: list[str] = []
    negated = False  # "less of a hard sell": every word to the clause's end
    spoken = re.sub(r"\b(?:kind|sort)\s+of\b|\b(?:kinda|sorta)\b", " ", (words or "").lower())  # "kind of formal" is formal
    for word in re.findall(r"[a-z]+(?:-[a-z]+)*|[,;.!]", spoken):
        if word in NEGATIONS or word in BREAKS:
            negated = word in NEGATIONS
            continue
        if word in FILLER:
            continue
        family = next((name for name, stems in FAMILIES.items() if re.match(rf"(?:{stems})", word)), None)
        family = OPPOSITE.get(family) if negated and family else family
        if family is None or family == "long":
            unknown.append(word)
        elif family not in voices:
            voices.append(family)
    short = "short" in voices
    voices = [voice for voice in voices if voice != "short"]
    return Voicing(voices[0] if voices else None, short, tuple(unknown), tuple(voices[1:]))


def note(asked: str | None) -> str:
    """What the template writer could not do of the tone asked for ("" when it did all of it)."""
    tone = read_tone(asked)
    if not (tone.unknown or tone.others):
        return ""
    wrote = " and ".join(filter(None, (tone.voice, "short" if tone.short else ""))) or "in its usual voice"
    parts = [f"The offline writer wrote this {wrote}"]
    if tone.unknown:
        parts.append(f"it has no '{' '.join(tone.unknown)}' tone (it knows {KNOWN}; with a model configured any tone is written)")
    if tone.others:
        parts.append(f"it says one voice at a time, so not also {' or '.join(tone.others)}")
    return f"Tone '{asked}': " + "; ".join(parts) + "."


def voice_row(voice: str) -> dict[str, str]:
    """The voice's greeting, sign-off, subject opening and opening and closing lines."""
    return loader.tones()[voice]


def shortened(fields: dict[str, str]) -> dict[str, str]:
    """Ready copy kept short: its first paragraph and any that carries the offer, and a
    shorter subject where one keeps what the subject names."""
    paragraphs = [part for part in re.split(r"\n\s*\n", fields["body"].strip()) if part.strip()]
    kept = paragraphs[:1] + [part for part in paragraphs[1:] if "discount" in part]
    return {**fields, "body": "\n\n".join(kept), "subject": _shorter_subject(fields), "subject_b": ""}


def _shorter_subject(fields: dict[str, str]) -> str:
    subject = fields["subject"]
    candidates = [fields.get("headline") or ""]
    if "{%" not in subject and ": " in subject:
        candidates.append(subject.split(": ", 1)[0])  # "It has been a while: here is what is new" -> "It has been a while"
    needed = set(_ESSENTIAL.findall(subject))
    fitting = [line for line in candidates if line.strip() and needed <= set(_ESSENTIAL.findall(line))
               and _shown(line) < _shown(subject)]
    return min(fitting, key=_shown) if fitting else subject


def _shown(subject: str) -> int:
    return len(" ".join(template(subject, False).render(sample_values()).split()))


def in_tone(fields: dict[str, str], body: list[str], voice: str, short: bool = False) -> tuple[dict[str, str], list[str], str]:
    """The copy said in `voice` beyond its greeting: the subject's opening, an opening line after
    the greeting (never in short copy) and a closing line, each left out when the copy already
    says it; urgent copy also drops "no rush". Returns the fields, the body and the sign-off."""
    row = voice_row(voice)
    if voice == "urgent":
        calm = r"\bNo rush:\s*we have kept it for you\b|\bno rush\b[^.]*\."
        body = [re.sub(calm, "We are holding it for you, but not for long", part, flags=re.I) for part in body]
    said = " ".join(body).lower()
    if row["opening"] and not short and _fresh(row["opening"], said):
        body = body[:1] + [row["opening"]] + body[1:]
    if row["closing"] and _fresh(row["closing"], said):
        body = body + [row["closing"]]
    if row["subject_opening"] and not re.match(ALREADY.get(voice, "$^"), fields["subject"], re.I):
        fields = {**fields, "subject": _opened(row["subject_opening"], fields), "subject_b": ""}
    signoff = row["signoff"].split("\n")[-1] if short else row["signoff"]  # short: "The team at ..." alone
    return fields, body, signoff


def _fresh(line: str, said: str) -> bool:
    """Whether `line` says something the body does not yet (its first four words are the test)."""
    return " ".join(line.lower().split()[:4]) not in said


def _opened(opening: str, fields: dict[str, str]) -> str:
    """The subject with the voice's opening; a subject too long for it opens the headline
    instead, where the headline names what the subject does. (Never cut: a subject holds
    template fields, and a cut one would not render.)"""
    subject = f"{opening} {_lower_first(fields['subject'])}"
    if _shown(subject) <= SUBJECT_LENGTH:  # what inboxes show
        return subject
    headline = fields.get("headline") or ""
    if headline and set(_ESSENTIAL.findall(fields["subject"])) <= set(_ESSENTIAL.findall(headline)):
        return f"{opening} {_lower_first(headline)}"
    return subject


def _lower_first(subject: str) -> str:
    """"You left ..." -> "you left ..."; a subject opening with a field or a name ("{{ x }}", "Trail ...") as it is."""
    opener = r"(?:You|Your|We|Our|Still|Don't|Just|A|The|Here|It|Welcome|Thank|Thanks|What|How|New|News|Meet|Picked|Good|Rated)\b"
    return subject[0].lower() + subject[1:] if re.match(opener, subject) else subject

"""Does a sentence ask for information or for a change? The rule that keeps questions read-only.

"What's the GDPR consent status of jo@example.com?" must never erase anyone, while "can you
build an abandoned-cart sequence?" is a polite request that must still build one. Punctuation
does not decide: the shape of the sentence does. A request opens with a verb of change
(build, draft, pause, forget ...), possibly behind a politeness frame ("can you", "could we",
"please", "I'd like to"); a question opens with a question word, an inverted auxiliary ("is",
"does", "should we"), a look-up verb ("show me", "list", "check"), or asks whether something is
allowed ("can we email people who never opted in?").

The conversation engine classifies each turn here before any tool runs and marks the tool
context, and `tools.registry.call` refuses a writing tool on a question turn, whichever planner
(offline or the LLM) chose it. When in doubt the answer is "question": a refused write costs a
rephrasing, a wrong write can cost a customer.
"""

from __future__ import annotations

import re

# Words a chat message opens with that ask for nothing ("hey nudge, ok so can you ...", "great,
# lets go live with it", "ugh scrap this one"): they decide neither the kind of sentence nor, in
# the planner (bot.engine.planner.reading.without_openers), any name.
OPENERS = (
    r"hey|hi|hello|yo|ok(?:ay)?|k|so|um+|uh+|huh|ah+|well|right|alright|all right|quick question|quick one|question|nudge|@nudge|bot"
    r"|team|folks|also|and|but|then|now|oh|hm+|great|fine|cool|perfect|nice|awesome|sweet|lovely|ugh|argh|wait|yes|yeah|yep"
    r"|sure|lol|haha|looks good|sounds good|lgtm|on second thought|second thought|actually|emergency|urgent|one more thing"
    r"|btw|by the way|oops|whoops|cheers|good|got it|noted"
    r"|while (?:it'?s|its|it is|they'?re|it'?s still) paused|(?:it'?s|its|it is) paused(?: now)?|now (?:that )?(?:it'?s|its) paused"
    r"|no,? (?:i|we) meant|(?:i|we) meant|what i meant is"
    # a correction announced before it is said ("let me rephrase - send ...", "false alarm. resume ...")
    r"|let me rephrase|to rephrase|rephrasing|let me try (?:that )?again|try again|false alarm|my bad|sorry"
)
_FILLER = re.compile(rf"^(?:(?:{OPENERS})\b[\s,:;.!-]*)+", re.I)
_POLITE = re.compile(r"^(?:please|pls|plz|kindly)[\s,]+")

# Verbs that ask Nudge to change something (create, alter, send, remove).
CHANGE_VERBS = (
    "build", "create", "make", "set", "setup", "draft", "write", "compose", "generate", "prepare",
    "start", "launch", "schedule", "activate", "pause", "halt", "resume", "unpause", "restart",
    "cancel", "stop", "kill", "end", "delete", "remove", "erase", "forget", "purge", "wipe",
    "approve", "reject", "decline", "edit", "revise", "change", "update", "rename", "modify", "tweak",
    "bump", "raise", "lower", "increase", "decrease", "add", "exclude", "include", "drop", "skip",
    "save", "define", "turn", "switch", "enable", "disable", "cap", "limit", "allow", "block",
    "export", "upload", "send", "email", "mail", "text", "sms", "message", "retarget", "target",
    "go", "put", "move", "replace", "swap", "give", "offer", "run", "spin", "kick", "fire", "push",
    "plan", "design", "organise", "organize", "do", "redo", "undo", "apply", "assign", "import",
)
# Verbs that only look things up; a request made of these is a question in imperative form.
LOOKUP_VERBS = (
    "show", "list", "tell", "display", "check", "preview", "count", "find", "look", "explain",
    "report", "see", "summarise", "summarize", "describe", "compare", "review", "audit", "view",
    "calculate", "estimate", "fetch", "pull", "print", "lookup", "search", "verify",
    "analyse", "analyze", "measure", "forecast", "recap", "remind",
)
# Verbs whose object is a customer: "can we <verb> people ..." asks whether it is allowed.
CONTACT_VERBS = ("email", "mail", "text", "sms", "message", "contact", "reach", "target", "send", "retarget", "call", "spam", "market")

_QUESTION_WORDS = re.compile(
    r"^(?:what|what's|whats|which|who|who's|whom|whose|when|where|why|how|how's|hows)\b"
)
_PROPOSAL = re.compile(r"^(?:what|how) about\b")
_AUXILIARY = re.compile(
    r"^(?:is|isn't|are|aren't|am|was|wasn't|were|weren't|do|don't|does|doesn't|did|didn't|has|"
    r"hasn't|have|haven't|had|will|won't|would|wouldn't|should|shouldn't|shall|may|might|must|"
    r"can|can't|cannot|could|couldn't|any|anyone|anybody)\b"
)
_REQUEST_FRAME = re.compile(
    r"^(?:(?:can|could|would|will|won't)\s+(?:you|u|ya|nudge)(?:\s+please)?"
    r"|(?:would|do) you mind(?: to)?"
    r"|i(?:'d| would) (?:like|love|want)(?: you)?(?: to)?"
    r"|i (?:want|need)(?: you)?(?: to)?"
    r"|we (?:want|need|'d like|would like)(?: you)?(?: to)?"
    r"|let's|lets|let us|time to|go ahead and|help me(?: to)?|i'm looking to|we're looking to"
    r"|(?:can|could|may|shall) (?:we|i)(?:\s+please)?)\s+"
)
_ASKS_LEAVE = re.compile(r"^(?:can|could|may)\s+(?:we|i)\b")
_WANTS_INFO = re.compile(
    r"^(?:i(?:'d| would)? (?:like|love|want|need) to (?:know|see|understand|check|find out|learn)"
    r"|i (?:wonder|am wondering|was wondering)|i'm (?:wondering|curious)"
    r"|(?:do|can|could) you (?:know|tell|show|see|check|find|look|explain|list|count|give me)"
    r"|any (?:idea|chance|way)|tell me|(?:give|get) me (?:the |a )?(?:number|count|list|numbers|stats|breakdown|report|figures|results?))\b"
)
_PERMISSION = re.compile(
    r"\b(?:allowed|legal|illegal|permitted|ok|okay|fine|compliant|gdpr.?compliant|safe|possible|"
    r"able)\s+to\b"
)


def _opening(text: str) -> str:
    lowered = text.lower().replace("\u2019", "'").strip()
    lowered = re.sub(r"<@[a-z0-9]+(?:\|[^>]*)?>", " ", lowered)
    lowered = re.sub(r"\s+", " ", lowered).strip(" \t,.:;-")
    for _ in range(3):
        lowered = _POLITE.sub("", _FILLER.sub("", lowered)).strip()
    return lowered


def _first_word(text: str) -> str:
    match = re.match(r"[a-z']+", text)
    return match.group(0) if match else ""


def _verb_kind(word: str) -> str | None:
    """'change' or 'lookup' for a verb (any common inflection), or None."""
    stem = word[:-2] if word.endswith("'s") else word  # "what's" -> "what", not "addres"
    for suffix in ("ing", "ed", "es", "s"):
        if stem.endswith(suffix) and stem[: -len(suffix)] in CHANGE_VERBS + LOOKUP_VERBS:
            stem = stem[: -len(suffix)]
            break
    if stem in LOOKUP_VERBS:
        return "lookup"
    if stem in CHANGE_VERBS or word.replace("-", "") == "setup":
        return "change"
    return None


# "do" that opens a request, not a question ("do we ...?", "do people ...?" ask).
_DO_IMPERATIVE = re.compile(r"^(?:now |ok |okay |so |and |also |then )*do (?:the same|one|another|it|that|this|them|those"
                            r"|meta|google|facebook|instagram|linkedin|fb|tiktok|an? )\b(?!.*\?\s*$)")


def is_question(text: str) -> bool:
    """True when `text` asks for information rather than for a change (questions only read)."""
    opening = _opening(text)
    if not opening:
        return True
    if _PROPOSAL.match(opening):  # "what about 15% off on day 5?" proposes a change
        return False
    if _DO_IMPERATIVE.match(opening):  # "now do meta and linkedin", "do the same for google"
        return False
    if _WANTS_INFO.match(opening):
        return True
    frame = _REQUEST_FRAME.match(opening)
    if frame:
        rest = opening[frame.end():]
        verb = _first_word(rest)
        kind = _verb_kind(verb)
        if _ASKS_LEAVE.match(frame.group(0)) and verb in CONTACT_VERBS:
            return True  # "can we email people in Germany who never opted in?" asks leave
        if kind == "change":
            return False
        if kind == "lookup" or _QUESTION_WORDS.match(rest):
            return True
        # A frame with no verb we know ("could you a cart flow for VIPs?"): asking Nudge to act
        # is a request; "can we ..." without a verb of change stays a question.
        return bool(_ASKS_LEAVE.match(frame.group(0)))
    negative = re.match(r"^(?:don't|do not|never)\s+([a-z']+)", opening)
    if negative and _verb_kind(negative.group(1)) == "change":
        return False  # "don't send to people in Germany" is a negative request
    if re.match(r"^do (?:the same|it|that|this|one|them|these|those|a|an)\b(?! (?:have|has|get|look|need|work|exist)\b)", opening):
        return False  # "do the same for meta" asks Nudge to act ("do they have ...?" stays a question)
    if _QUESTION_WORDS.match(opening) or _AUXILIARY.match(opening):
        return True
    if _PERMISSION.search(re.split(r"[,;]", opening)[0]):  # "..., but it is ok to send in the us" states a rule
        return True
    if re.match(r"^(?:look|go|reach|check) back (?:over |to |for )?(?:the )?(?:last |past )?\d", opening):
        return False  # "look back 3 days instead": a campaign's window to change, not a look
    kind = _verb_kind(_first_word(opening))
    if kind == "change":
        return False
    if kind == "lookup":
        return True
    # No verb in front ("abandoned carts last week?", "cart sequence for US only"): a trailing
    # question mark or a bare noun phrase asking for numbers is a question; otherwise the
    # sentence names something to build ("abandoned cart flow for US customers only").
    # a "?" inside the value given ("subject for the 2nd email: Still got your eye on it?") is not the sentence's
    if re.split(r":\s|['\"\u201c]", opening)[0].rstrip().endswith("?") or (
            opening.rstrip().endswith("?") and not re.search(r":\s|['\"\u201c]", opening)):
        return True
    return bool(re.match(r"^(?:number|count|total|size|stats|status|results?|performance)\b", opening))

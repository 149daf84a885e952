"""Follow-ups about what a campaign's emails say: show them ("what does the day 3 email look
like?", "what's the subject line on that one") and write them again in another tone ("redo the
welcome emails in a more playful tone"), each step picked from the words as every edit picks it.
"""

from __future__ import annotations

import re

from bot.engine.memory import ThreadState
from bot.engine.planner.follow_ups import campaign_edit, on_named_campaign
from bot.engine.planner.plans import Plan, PlannedCall
from bot.engine.planner.reading import percent
from bot.engine.planner.steps import (
    is_step,
    latest_step,
    selector_words,
    step_named,
    step_not_found,
    thread_request,
)
from bot.engine.planner.vocabulary import STEP_PLACE, TONES, discount_codes


def show_drafts(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """"show me the drafts for this one", "can i see what the day 3 email looks like?": each
    named step's draft (all of them when none is named), rendered for a sample contact."""
    steps = thread_request(state).get("steps") or []
    if state.campaign_id is None or not any(step.get("draft_id") for step in steps):
        return None
    which = step_named(lowered, thread_request(state))
    if which is None and re.search(r"\b(?:that|this) one\b|\b(?:on|of|in) it\b|\bthe (?:new|newest|latest|last added|added) (?:one|email|step)\b"
                                   r"|\bthe one (?:you|we) (?:just )?(?:added|made|wrote)\b|^(?:show|let me see|preview) (?:it|that)(?: to me)?\b", lowered):
        which = latest_step(state)  # "what's the subject line on that one": the step the thread made last
    if which and "missing" in which:
        return step_not_found(thread_request(state), which["missing"])
    chosen = [step for index, step in enumerate(steps, start=1) if which is None or is_step(step, index, which)] or steps
    drafts = [step["draft_id"] for step in chosen if step.get("draft_id")][:5]
    shown = ", ".join(str(draft) for draft in drafts)
    return Plan("preview_draft", [PlannedCall("preview_draft", {"draft_id": draft}) for draft in drafts],
                reading=f"Read as: show draft{'s' if len(drafts) > 1 else ''} {shown} of campaign {state.campaign_id}")


# "redo the welcome emails in a more playful tone", "make the day 1 email more urgent"
TONE_NAMES = (r"friendly|friendlier|warm|warmer|casual|personal|playful|fun|funnier|formal|professional|luxurious|urgent"
              r"|punchier|gentle|gentler|soft|softer|kinder|calmer|human|natural|conversational|relaxed|chatty"
              # "less pushy", "less salesy", "sounds robotic": what it should stop being
              r"|pushy|salesy|robotic|stiff|aggressive")
TONE_EDIT = re.compile(r"\b(?:more|less|a bit|bit|in an?|with an?|sound|sounds|tone|(?:redo|rewrite|revise|reword|make)\b.*)\s*"
                       rf"(?:more |less )?(?P<tone>{TONE_NAMES})\b(?:\s+(?:tone|voice|vibe))?")
# "rewrite it softer", "make it sound more playful": a tone only, never words for the email to say
TONE_ONLY = re.compile(rf"(?:(?:more|less|a bit|bit|a little|in an?|with an?|sound|sounding)\s+)*(?:{TONE_NAMES})(?:\s+(?:tone|voice|vibe))?"
                       r"(?:\s+(?:please|then|instead|pls))*")
def only_tone(words: str) -> bool:
    """"one in a softer, friendlier tone", "more human and less pushy": tones only, nothing to say."""
    return TONE_ONLY.fullmatch(words.strip(" .!")) is not None or (TONE_EDIT.search(words) is not None and not re.sub(
        rf"\b(?:{TONE_NAMES}|more|less|a bit|bit|a little|in|an?|with|sound|sounding|tone|voice|vibe|one|and|please|then|instead|pls|so)\b|[,.!&-]",
        " ", words).strip())


# the words for a tone that are no tone's name ("friendlier", "warmer, more personal", "punchier")
TONE_WORDS = {"friendlier": "friendly", "warmer": "friendly", "personal": "friendly", "funnier": "playful", "punchier": "urgent",
              "gentle": "friendly", "gentler": "friendly", "soft": "friendly", "softer": "friendly", "kinder": "friendly", "calmer": "friendly",
              **dict.fromkeys(("human", "natural", "conversational", "relaxed", "chatty", "pushy", "salesy", "robotic", "stiff", "aggressive"), "friendly")}


@on_named_campaign
def change_tone(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """Rewrite the named step's email (or every step's, for "the emails" / "them all") in a tone."""
    found = TONE_EDIT.search(lowered)
    if found is None or state.campaign_id is None:
        return None
    said = found.group("tone")
    tone = TONE_WORDS.get(said) or next(name for word, name in TONES.items() if said.startswith(word))
    request = thread_request(state)
    steps = request.get("steps") or []
    which = step_named(lowered, request)
    if which is None and re.search(r"\b(?:that|this) (?:one|email|draft)\b", lowered):
        which = latest_step(state)  # "redo that one in a softer tone" after rejecting a step's draft
    if which and "missing" in which:
        return step_not_found(request, which["missing"])
    plural = re.search(r"\b(?:emails|all|them|every|each|both|whole|everything|sequence|flow|campaign|it|this)\b", lowered)
    # "make all three welcome emails more playful": every step, whatever its kind
    every = re.search(r"\ball (?:\d+|two|three|four|five|six|of them|of the emails|the emails)\b|\bevery (?:single )?(?:email|one|step|message)\b"
                      r"|\bthem all\b", lowered)
    if every:
        targets = [{"step": index} for index in range(1, len(steps) + 1)]
    elif which is not None and "purpose" in which and plural:
        # "the welcome emails": every step of that kind
        targets = [{"step": index} for index, step in enumerate(steps, start=1) if step.get("purpose") == which["purpose"]]
    elif which is not None:
        targets = [which]
    elif len(steps) <= 1 or plural:
        targets = [{"step": index} for index in range(1, len(steps) + 1)]
    else:
        return Plan("update_sequence", answer=f"Which email should sound {tone}? Say e.g. \"make the day 1 email more {tone}\" or \"make them all {tone}\".")
    said = "every email" if len(targets) == len(steps) and len(steps) > 1 else ", ".join(selector_words(target) for target in targets)
    return campaign_edit(state, {"steps": [{**target, "tone": tone} for target in targets]},
                         f"{said} rewritten in {'an' if tone[0] in 'aeiou' else 'a'} {tone} tone")


# "the email needs to say free shipping on every order this weekend", "rewrite it: free shipping
# on any order", "make the day 3 email say we miss them": what the step's email should say
SAY_EDIT = re.compile(r"^(?:ok |okay |so |actually |and |but |ugh,? |hmm,? |no,? |please |can you |could you )*"
                      r"(?:(?:the |that |this )?(?P<which>[\w' -]{0,30}?)(?:email|e-mail|message|copy|one|it)\s+(?:needs to|should|has to|must|ought to)\s+"
                      r"(?:say|mention|read|talk about|be about|announce|promote)|(?:rewrite|reword|rephrase|redo|change|update) (?:the )?(?P<which2>[\w' -]{0,30}?)"
                      r"(?:email|e-mail|message|copy|it|this|that|text|body)(?: so it says| to say| to read| to)?\s*:?"
                      r"|make (?:the )?(?P<which3>[\w' -]{0,30}?)(?:email|e-mail|message|it|this|that) (?:say|read|about))\s+(?P<words>.{3,})$")


@on_named_campaign
def change_words(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """The named step's email (the only one, for a one-off) written again to say the marketer's words."""
    found = SAY_EDIT.match(lowered)
    if found is None or state.campaign_id is None or only_tone(found.group("words")):
        return None
    request = thread_request(state)
    steps = request.get("steps") or []
    named = " ".join(part for part in (found.group("which"), found.group("which2"), found.group("which3")) if part)
    if place := re.search(rf"\b{STEP_PLACE}\b(?=\s*$)", named.strip()):
        named = place.group(0)  # "the german winback's second email": the step by its place, the campaign already found
    which = step_named(f"the {named.strip()} email", request) if named.strip() else None  # "the 2 email": a step by its place
    if which and "missing" in which:
        return step_not_found(request, which["missing"])
    if which is None and len(steps) != 1:
        return Plan("update_sequence", answer="Which email should say that? Say e.g. \"the day 3 email should say ...\".")
    target = which or {"step": 1}
    spoken = SAY_EDIT.match(clean.lower()) or found  # the words as typed, codes and all ("with code GIFT20")
    words = clean[spoken.start("words"):spoken.end("words")].strip(" .\"'") if spoken is not found else found.group("words")
    edit: dict = {**target, "brief": words[:2000]}
    offer = ""
    if codes := discount_codes(clean):
        edit["discount_code"] = codes[0]  # the step's own code, printed from its field, as every offer's is
        offer += f", code {codes[0]}"
    if value := percent(lowered):
        edit["discount_percent"] = value
        offer = f", {value}% off" + offer
    return campaign_edit(state, {"steps": [edit]}, f"{selector_words(target)} rewritten to say '{words[:80]}'{offer}")

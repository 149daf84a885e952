"""Draft requests: a new email or ad copy (purpose, tone, discount, brief), and approving,
rejecting, showing or checking the compliance of an existing draft or campaign by text.
"""

from __future__ import annotations

import re
from typing import Any

from bot.engine import messages
from bot.engine.memory import ThreadState
from bot.engine.planner.plans import Plan, PlannedCall
from bot.engine.planner.reading import (
    campaign_reference,
    campaign_words,
    has,
    percent,
    platform,
)
from bot.engine.planner.steps import missing_step, step_draft
from bot.engine.planner.vocabulary import (
    PLATFORMS,
    PURPOSES,
    TONES,
    discount_codes,
    quoted,
)


def offer(clean: str, lowered: str) -> dict[str, Any]:
    """Purpose, tone, discount and brief: what draft_email and draft_ad_copy share."""
    purpose = next((name for pattern, name in PURPOSES if has(lowered, pattern)), "custom")
    if purpose == "cart_reminder" and (percent(lowered) or discount_codes(clean)):
        purpose = "cart_discount"  # "retarget checkout abandoners, 15% off with code SAVE15"
    arguments: dict[str, Any] = {"purpose": purpose}
    if purpose in {"custom", "announcement"}:
        arguments["brief"] = brief(clean)
    elif said := re.search(r"\b(?:mention(?:ing)?|saying|highlight(?:ing)?|telling them|that says|about)\b\s+(.+)$", clean, flags=re.I):
        arguments["brief"] = said.group(1).strip(" .")[:2000]  # "mention free shipping over $75": the message's own words
    if value := percent(lowered):
        arguments["discount_percent"] = value
    if codes := discount_codes(clean):
        arguments["discount_code"] = codes[0]
    tone = next((name for word, name in TONES.items() if re.search(rf"\b{word}", lowered)), None)
    if tone:
        arguments["tone"] = tone
    return arguments


def brief(clean: str) -> str:
    """The request without its leading command ('draft an email announcing ...')."""
    # the command and the channel go ("write google ad copy for ..."); what the message is ("a thank
    # you email for first-time buyers") stays
    channel = r"(?:google|facebook|instagram|linkedin|meta|fb|search|display|friendly|playful|professional|urgent|short|quick|new|marketing)"
    clean = re.sub(r"\b(?:please|pls)\b\s*|\b(?:ad )?(?:headlines?|descriptions?|primary texts?)\s*(?:\+|and|&)?\s*", "", clean, flags=re.I)
    clean = re.sub(r"\s+", " ", clean).strip()
    stripped = re.sub(
        r"^(?:please\s+)?(?:can you\s+|could you\s+)?(?:(?:draft|write|compose|create|make|give|get|need|want|i need|we need|i want)"
        rf"(?:\s+me|\s+us)?(?:\s+an?|\s+some)?)?(?:\s*{channel}){{0,3}}\s*\b(?:email|newsletter|mail|ad copy|ads?|copy|posts?|creatives?)\b\s*"
        r"(?:for|about|on|to|promoting|announcing)?\s*",
        "", clean, flags=re.I,
    )
    if stripped == clean:  # a description before the channel word: keep it, drop only the command
        stripped = re.sub(r"^(?:please\s+)?(?:can you\s+|could you\s+)?(?:draft|write|compose|create|make|give me|get me|i need|we need)"
                          r"(?:\s+me|\s+us)?\s+(?:an?\s+|some\s+)?", "", clean, flags=re.I)
    # the tone is its own field: "make it playful", "professional tone"
    stripped = re.sub(r",?\s*(?:make it|in an?|with an?)?\s*\b(?:friendly|playful|professional|formal|casual|urgent|fun|warm)\b(?:\s+tone)?\s*$",
                      "", stripped, flags=re.I).strip(" ,")
    return (stripped.lstrip(":;,- ") or clean)[:2000]


def draft_email(clean: str, lowered: str, state: ThreadState) -> Plan:
    arguments = offer(clean, lowered)
    return Plan("draft_email", [PlannedCall("draft_email", arguments)], reading="Read as: draft " + offer_words(arguments, "email"))


def offer_words(arguments: dict[str, Any], what: str) -> str:
    """'a friendly announcement email with 20% off code SAVE20 about: our summer sale'."""
    words = f"{arguments['tone'] + ' ' if arguments.get('tone') else ''}{arguments['purpose'].replace('_', ' ')} {what}"
    words = ("an " if words[0] in "aeiou" else "a ") + words
    if arguments.get("discount_percent"):
        words += f" with {arguments['discount_percent']}% off"
    if arguments.get("discount_code"):
        words += f" code {arguments['discount_code']}"
    if arguments.get("brief"):
        words += f" about: {arguments['brief'][:120]}"
    return words


def draft_ad_copy(clean: str, lowered: str, state: ThreadState) -> Plan:
    chosen = platform(lowered, PLATFORMS)
    if chosen is None:
        return Plan("draft_ad_copy", answer=messages.ASK_AD_PLATFORM)
    arguments = {"platform": chosen, **offer(clean, lowered)}
    steps = (state.sequence_request or {}).get("steps") or []
    thread_campaign = bool(steps) and (re.fullmatch(r"(?:for |about )?(?:this|it|that|this one|that one|(?:this|that|the|our) (?:(?:win-?back|cart|checkout|welcome|browse"
                                                    r"|post-?purchase|newsletter|one-?off|announcement|abandoned cart)\s*)?(?:campaign|sequence|flow|series|one|email|newsletter)?)[.!?]*",
                                                    (arguments.get("brief") or "").strip().lower()) is not None or (
        not arguments.get("brief") and re.search(r"\bfor (?:this|that|the|our|it)\b(?:\s+[\w-]+){0,2}\s*[.!?]*$", lowered) is not None) or (
        _names_thread_campaign(arguments.get("brief") or "", state)))
    kinds = [step["purpose"] for step in steps]
    if thread_campaign and KIND_FAMILY.get(arguments.get("purpose")) and not any(
            KIND_FAMILY[arguments["purpose"]] == KIND_FAMILY.get(kind) for kind in kinds):
        thread_campaign = False  # "google ads for the win-back" in a cart flow's thread: the win-back named, not this flow
    if thread_campaign:
        # "write me a google ad for this" in a campaign's thread: an ad for that campaign's offer
        first = next((kind for kind in kinds if kind in ("cart_reminder", "cart_discount", "browse_abandonment", "winback", "welcome")), kinds[0])
        first = "cart_reminder" if first == "cart_discount" else first
        offered = next((step for step in steps if step.get("discount_percent") or step.get("discount_code")), None)
        arguments = {"platform": chosen, "purpose": first if first in ("cart_reminder", "browse_abandonment", "winback", "welcome") else "announcement"}
        if first.startswith("cart") and offered:
            arguments["purpose"] = "cart_discount"
        if offered:
            arguments.update({key: offered[key] for key in ("discount_percent", "discount_code") if offered.get(key)})
        if arguments["purpose"] == "announcement":
            # a newsletter's ad says what the newsletter says: its brief, else its name
            said = next((step.get("brief") for step in steps if step.get("brief")), None) or (state.sequence_request or {}).get("name")
            if said:
                arguments["brief"] = re.sub(r"^(?:one-off:\s*|about\s+)", "", said, flags=re.I)[:2000]
    if arguments["purpose"] == "custom":
        arguments["purpose"] = "announcement"
    return Plan("draft_ad_copy", [PlannedCall("draft_ad_copy", arguments)],
                reading="Read as: draft " + offer_words(arguments, f"ad copy for {chosen.replace('_', ' ')}"))


# Which kind of campaign an ad's purpose belongs to, to tell "the win-back" from a cart flow.
KIND_FAMILY = {"cart_reminder": "cart", "cart_discount": "cart", "social_proof": "cart", "browse_abandonment": "browse",
               "winback": "winback", "welcome": "welcome"}


def _names_thread_campaign(said: str, state: ThreadState) -> bool:
    """Whether an ad's "about" words are the thread's campaign named ("the holiday early access
    campaign"): a campaign noun at the end, every other word found in its name or its steps'
    words (the engine has already moved the thread to the campaign the words fit best)."""
    phrase = re.fullmatch(r"(?:for |about )?(?:the|this|that|our|my)\s+([\w' -]+?)\s+(?:campaign|sequence|flow|series|newsletter|one-?off|blast|e-?mails?)[.!?]*",
                          said.strip().lower())
    request = state.sequence_request or {}
    if not phrase:
        # "copy for the winter sale": no campaign noun, so every word must be in the campaign's name
        bare = re.fullmatch(r"(?:for |about )?(?:the|our|my)\s+([\w' -]{3,40}?)[.!?]*", said.strip().lower())
        named = set(re.findall(r"[a-z0-9]+", (request.get("name") or "").lower()))
        return bool(bare and named) and set(re.findall(r"[a-z0-9]+", bare.group(1))) - {"the", "our", "new"} <= named
    known = " ".join([request.get("name") or "", *(f"{step.get('purpose', '')} {step.get('brief') or ''}" for step in request.get("steps") or [])])
    known_words = set(re.findall(r"[a-z0-9]+", known.lower().replace("_", " ")))
    words = [word for word in re.findall(r"[a-z0-9]+", phrase.group(1)) if word not in ("the", "our", "new", "a", "an")]
    return bool(words) and all(any(other.startswith(word[:5]) for other in known_words) for word in words)


def ad_again(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """"now do the same for meta and linkedin": the thread's last ad copy request, once for each
    platform named; None when the thread asked for no ad copy."""
    if state.ad_request is None:
        return None
    named = list(dict.fromkeys(code for name, code in PLATFORMS.items() if re.search(rf"\b{re.escape(name)}\b", lowered)))
    named = [code for code in named if code != state.ad_request.get("platform")] or named
    if not named:
        return None
    same = {key: value for key, value in state.ad_request.items() if key != "fields"}  # fields are per platform
    calls = [PlannedCall("draft_ad_copy", {**same, "platform": code}) for code in named]
    return Plan("draft_ad_copy", calls, reading="Read as: the same ad copy as before, for " + " and ".join(
        code.replace("_", " ") for code in named))


def subject_test(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """"split test the subject on the day 2 email: 'You forgot something' vs 'Your cart is waiting'":
    that step's draft gets the two subjects (subject and subject_b), a new version to approve."""
    subjects = [found for found in quoted(clean) if len(found) >= 2]
    if len(subjects) < 2:
        return Plan("revise_draft", answer="Which two subjects? Say e.g. \"split test the day 1 subject: 'Still thinking?' vs "
                                           "'Your cart is waiting'\".")
    if missing := missing_step(lowered, state):
        return missing
    one = step_draft(lowered, state)
    named = re.search(r"\bdraft\s*#?\s*(\d+)\b", lowered)
    draft = one[0] if one else int(named.group(1)) if named else None
    if draft is None:
        return Plan("revise_draft", answer="Which email? Say e.g. \"split test the subject of the day 1 email: 'A' vs 'B'\" "
                                           "in the campaign's thread, or name the draft (\"draft 12\").")
    arguments = {"draft_id": draft, "subject": subjects[0][:500], "subject_b": subjects[1][:500]}
    return Plan("revise_draft", [PlannedCall("revise_draft", arguments)],
                reading=f"Read as: an A/B subject test on draft {draft}: \"{subjects[0][:60]}\" vs \"{subjects[1][:60]}\"")


def _draft_id(lowered: str, state: ThreadState) -> int | None:
    if match := re.search(r"\b(?:draft|message)\s*#?\s*(\d+)\b", lowered):
        return int(match.group(1))
    return state.draft_ids[-1] if state.draft_ids else None


def draft_action(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    if not re.search(r"\b(?:draft|message)\s*#?\s*\d", lowered) and (missing := missing_step(lowered, state)):
        return missing
    if re.match(r"^(?:please\s+)?(?:approve|reject|decline)\s+(?:every|each|all(?: of)?(?: the)?) (?:drafts?|emails?|steps?)\b", lowered):
        # "reject every draft in the abandoned checkout campaign, wrong brand voice": that campaign, every step
        return campaign_decision(clean, re.sub(r"\b(?:every|each|all(?: of)?(?: the)?) (?:drafts?|emails?|steps?)\s+(?:in|of|for)\s+", "", lowered, count=1), state)
    if decides_campaign(lowered, state, then_schedules=bool(THEN_SCHEDULE.search(lowered))):
        # "approve it (and schedule it)": the campaign, named, so its decision never comes back here
        named = re.sub(r"\b(approve|reject|decline)\s+(?:it|this|that|them|these|those|all|everything)\b", rf"\1 campaign {state.campaign_id}", lowered, count=1)
        return campaign_decision(named, named, state)
    draft = _draft_id(lowered, state)
    named_campaign = re.search(r"(?:campaign|sequence|flow|#)\s*#?(\d+)\b", lowered)
    if re.search(r"\bcomplian|\bcan-?spam|\blegal check|\blegal(ly)? (ok|okay|fine|allowed)"
                 r"|\b(?:anything|something|what)\b.*\b(?:block|stop|prevent)\w*\b", lowered):
        if not re.search(r"\bdraft\s*#?\s*\d", lowered) and (one := step_draft(lowered, state)) is not None:
            return Plan("check_compliance", [PlannedCall("check_compliance", {"draft_id": one[0]})],
                        reading=f"Read as: check the compliance of draft {one[0]}, {one[1]} of campaign {state.campaign_id}")
        if draft is not None and re.search(r"\bdraft\b", lowered) and not named_campaign:
            return Plan("check_compliance", [PlannedCall("check_compliance", {"draft_id": draft})],
                        reading=f"Read as: check the compliance of draft {draft}")
        if state.campaign_id is not None and not named_campaign and not campaign_words(lowered):
            return Plan("check_compliance", [PlannedCall("check_compliance", {"campaign": str(state.campaign_id)})],
                        reading=f"Read as: check the compliance of campaign {state.campaign_id}, every step")
        if draft is not None and re.search(r"\bmessage|email\b", lowered) and not named_campaign:
            return Plan("check_compliance", [PlannedCall("check_compliance", {"draft_id": draft})],
                        reading=f"Read as: check the compliance of draft {draft}")
        reference = campaign_reference(clean, state)
        if reference is None:
            return Plan("check_compliance", answer="Which draft or campaign should I check? Say 'draft 12' or 'campaign 3'.")
        return Plan("check_compliance", [PlannedCall("check_compliance", {"campaign": reference})],
                    reading=f"Read as: check the compliance of campaign {reference}")
    if not re.search(r"\bdraft", lowered) and not (state.draft_ids and re.search(r"\b(it|this|that)\b", lowered)):
        return None
    if not re.search(r"\bapprov|\breject|\bdecline|\b(show|preview|see|view|display|open|look at|what does)\b", lowered):
        return None
    if re.match(r"^(?:please\s+)?(?:can you\s+)?(?:draft|write|compose)\b", lowered):
        return None  # "draft an email ..." asks for a new draft
    if draft is None:
        return Plan("draft", answer="Which draft? Say its number, e.g. 'approve draft 12'.")
    if re.search(r"\bapprov", lowered):
        return Plan("approve_draft", [PlannedCall("approve_draft", {"draft_id": draft})], reading=f"Read as: approve draft {draft}")
    if re.search(r"\breject|\bdecline", lowered):
        reason = re.split(r"\b(?:because|since|reason:?|as)\b|,|\s-+\s", clean, maxsplit=1)  # "reject it, too salesy"
        why = reason[1].strip(" .:") if len(reason) > 1 and reason[1].strip() else "rejected in chat"
        return Plan("reject_draft", [PlannedCall("reject_draft", {"draft_id": draft, "reason": why[:500]})],
                    reading=f"Read as: reject draft {draft} ({why[:80]})")
    if re.search(r"\b(show|preview|see|view|display|open|look at|what does)\b", lowered):
        return Plan("preview_draft", [PlannedCall("preview_draft", {"draft_id": draft})], reading=f"Read as: show draft {draft}")
    return None


# "approve it", "reject them" with no draft number: a decision about the thread's campaign or its one draft
DECIDE_IT = re.compile(r"^(?:please\s+)?(?:can you\s+)?(?:approve|reject|decline)\s+(?:it|this|that|them|these|those|all|everything)\b(?!\s+(?:draft|email|one|step)\b)")


def decides_campaign(lowered: str, state: ThreadState, *, then_schedules: bool) -> bool:
    """Whether "approve it" means the thread's campaign, every step's newest draft: the campaign
    has several drafts, or the request goes on to schedule it (going live needs every step
    approved). The one home of that rule: the planner's two-request splitter asks it too."""
    if state.campaign_id is None or re.search(r"\b(?:draft|message)\s*#?\s*\d", lowered) or not DECIDE_IT.match(lowered):
        return False
    return len(state.draft_ids) > 1 or (then_schedules and lowered.startswith(("approve", "please approve", "can you approve", "please can you approve")))


# "... and schedule it", "... and schedule the whole thing", "... and go live": scheduling after the approval
THEN_SCHEDULE = re.compile(r"\band (?:then )?(?:schedule|launch|send|start|activate)\b(?: it| this| that| them| the whole thing| the campaign| everything)?"
                           r"|\band go live\b")


def campaign_decision(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """"approve the holiday gift guide", "reject the welcome emails, the tone is off": every
    step's newest draft of that campaign (approve_draft / reject_draft with `campaign`). A draft
    number, or "it" with a draft in the thread, stays one draft's decision (draft_action)."""
    if re.search(r"\b(?:draft|message)\s*#?\s*\d+\b", lowered) or (len(state.draft_ids) == 1 and re.search(
            r"^\S+ (it|this|that)\b(?! (?:campaign|sequence|flow|series|newsletter|one-?off|whole))", lowered)):
        return draft_action(clean, lowered, state)  # one draft's decision
    then_schedule = THEN_SCHEDULE.search(lowered)
    if then_schedule:  # "approve the newsletter and schedule it": both, the scheduling confirmed as always
        lowered, clean = lowered[:then_schedule.start()], clean[:then_schedule.start()]
    approve = not re.match(r"^(?:please\s+)?(?:can you\s+)?(?:reject|decline)\b", lowered)
    parts = re.split(r",|\s-\s|\bbecause\b|\bsince\b|\bas (?=the|it|they)", clean, maxsplit=1)
    if missing := missing_step(parts[0].lower(), state):
        return missing
    if (one := step_draft(parts[0].lower(), state)) is not None:  # "reject the first browse email": that step's draft
        draft, words = one
        if approve:
            return Plan("approve_draft", [PlannedCall("approve_draft", {"draft_id": draft})],
                        reading=f"Read as: approve draft {draft}, {words} of campaign {state.campaign_id}")
        why = parts[1].strip(" .:") if len(parts) > 1 and parts[1].strip(" .:") else "rejected in chat"
        return Plan("reject_draft", [PlannedCall("reject_draft", {"draft_id": draft, "reason": why[:500]})],
                    reading=f"Read as: reject draft {draft}, {words} of campaign {state.campaign_id} ({why[:80]})")
    reference = campaign_reference(parts[0], state)
    if reference is None:
        return Plan("approve_draft" if approve else "reject_draft",
                    answer="Which campaign or draft? Say e.g. 'approve campaign 3' or 'approve draft 12'.")
    shown = reference if reference.isdigit() else repr(reference)
    if approve:
        calls = [PlannedCall("approve_draft", {"campaign": reference})]
        if then_schedule:
            calls.append(PlannedCall("schedule_campaign", {"campaign": reference}))
        return Plan("approve_draft", calls, reading=f"Read as: approve every step's newest draft of campaign {shown}"
                    + (", then schedule it" if then_schedule else ""))
    why = parts[1].strip(" .:") if len(parts) > 1 and parts[1].strip(" .:") else "rejected in chat"
    return Plan("reject_draft", [PlannedCall("reject_draft", {"campaign": reference, "reason": why[:500]})],
                reading=f"Read as: reject every step's newest draft of campaign {shown} ({why[:80]})")

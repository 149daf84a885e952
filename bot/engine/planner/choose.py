"""Choosing how to read a request: normalise it, try the intents, and fall back to a question
about an audience or a contact, or to help with examples.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime

from bot.engine import messages
from bot.engine.memory import ThreadState
from bot.engine.planner import follow_ups, replies
from bot.engine.planner.audiences import loose_name, within_saved_segment
from bot.engine.planner.dates import planning_at
from bot.engine.planner.drafting import decides_campaign
from bot.engine.planner.extract import Audience, describe_audience
from bot.engine.planner.intents import ranked
from bot.engine.planner.plans import Plan, PlannedCall
from bot.engine.planner.reading import help_text, normalise, without_openers
from bot.engine.planner.refine import refined_question
from bot.engine.planner.sequences import describes_new_campaign
from bot.engine.planner.unused import undefined_group, unused_words, who_counts_as
from bot.engine.planner.vocabulary import (
    EMAIL_RE,
    STEP_PLACE,
    discount_codes,
    hide_codes,
)
from bot.engine.speech import is_question
from tools import registry


def plan(text: str, state: ThreadState | None = None, now: datetime | None = None) -> Plan:
    """The calls that carry out `text` in the context of `state`, or an answer with examples.
    `now` fixes the clock for calendar words (default: now in the team's time zone)."""
    with planning_at(now):
        return _plan(text, state or ThreadState())


def _plan(text: str, state: ThreadState) -> Plan:
    spoken = the_person(normalise(text), state)
    clean = without_openers(spoken)
    lowered = hide_codes(clean.lower(), discount_codes(clean))
    if not lowered.strip(" ?!.@"):
        return Plan("help", answer=help_text(messages.EMPTY_REQUEST))
    if again := replies.compared_again(lowered, state, _plan):
        return again
    if beside := replies.compared_to_last(lowered, state, _plan):
        return beside  # "and how does that compare to september"
    if state.audience_words and (compared := replies.compared(re.sub(r"^(?:and |so |ok |now )*(?:what|how) about\s+", "", clean, flags=re.I), state, _plan)):
        return compared  # "what about revenue this month vs last month for germany": both sides, before any refinement
    if replies.BOTH_SIDES in (state.audience_words or ""):
        # a comparison's follow-up that changes only one side: read against its first side
        state = ThreadState(**{**state.to_dict(), "audience_words": state.audience_words.split(replies.BOTH_SIDES, 1)[0]})
    # "and who spent over 300?": the opener "and" says it adds to the last question, so it is read
    # with it first
    if re.search(r"\b(?:how much|revenue|sales|spend|spent|aov)\b", lowered) and (theirs := replies.their_orders(lowered, state, _plan)):
        return theirs  # "and how much did they spend this year": their orders, before any refinement of the count
    if (refined := refined_question(re.sub(r"^(?:ok|okay|so|hmm+|um+|right)[,.!]?\s+(?=and\b)", "", spoken.lower()), state)
            or refined_question(lowered, state)) is not None:
        # "what about France?" after a count: the same question with the place swapped
        built = _plan(refined, ThreadState(**{**state.to_dict(), "audience_words": None, "orders_of": None}))
        if built.calls and built.calls[0].name in ("preview_segment", "order_summary"):
            built.audience_words = refined
            return replies.still_their_orders(built, state, _plan)
    if state.campaign_id is not None and describes_new_campaign(lowered):
        # a whole new campaign asked for in a thread that built another: built as in a fresh thread;
        # "no, scrap that. i meant a one-off to ...": the new one, the old one left as it is (said)
        correction = CORRECTION.match(clean)
        fresh = _plan(clean[correction.end():] if correction else text, ThreadState(campaigns=state.campaigns))
        if fresh.calls and fresh.calls[0].name == "create_sequence":
            if correction:
                fresh.reading = f"{fresh.reading}\n(campaign {state.campaign_id} is left as it is: say 'discard campaign {state.campaign_id}' to drop it)"
            return fresh
    if state.pending and (answered := replies.answering(clean, state, _plan)) is not None:
        return answered
    if (told := TOLD_FIRST.match(clean)) and (after := _plan(told.group("rest"), state)).calls:
        # "I set the sender and address now, approve them all again": what they did, then the request
        return after
    if compared := replies.compared(clean, state, _plan):
        return compared
    if theirs := replies.their_orders(lowered, state, _plan):
        return theirs
    if state.campaign_id is not None and (other := ANOTHER_STEP.match(lowered)):
        # "and the review one?" after looking at a step: that one, read only ("the next one": the step after it)
        what = other.group("what")
        steps = (state.sequence_request or {}).get("steps") or []
        if what in ("next", "following", "previous", "one before") and state.draft_ids and (at := next(
                (index for index, step in enumerate(steps, start=1) if step.get("draft_id") == state.draft_ids[-1]), None)):
            what = f"step {at + (1 if what in ('next', 'following') else -1)}"
        shown = _plan(f"show me the {what} email", state)
        if len(shown.calls) == 1 and shown.calls[0].name == "preview_draft":
            return shown
    if len(questions := SECOND_QUESTION.split(clean)) == 2 and all(len(part.split()) >= 3 and is_question(part) for part in questions):
        # "how many unsubscribes total, and how many bounced addresses?": both asked, both answered
        plans = [_plan(part, state) for part in questions]
        # "whens her signup date and how much has she spent": a person's status read too
        if all(p.calls and all(c.name in replies.READ_ONLY_COUNTS | {"explain_contact"} for c in p.calls) for p in plans) and plans[0].calls != plans[1].calls:
            both = Plan(plans[0].intent, plans[0].calls + plans[1].calls,
                        reading="; and ".join(p.reading.removeprefix("Read as: ") if i else p.reading
                                              for i, p in enumerate(plans) if p.reading), unused=plans[0].unused + plans[1].unused,
                        audience_words=plans[0].audience_words)  # "and in the last 60 days?" then asks the first again
            return both
    if state.campaign_id is not None and re.match(r"\d{1,2}(?:\.\d+)?\s*%", clean):
        # "20% off on that one" (after "no, I meant"): an offer for the thread's campaign
        built = _plan("make " + clean, state)
        if built.calls and built.calls[0].name == "update_sequence":
            return built
    if named := NUMBER_THEN_ACT.match(clean):
        # "i meant campaign 2. approve that one": the request, with "that one" the campaign named
        rest = re.sub(r"\b(?:that one|this one|that|this|it)\b", f"campaign {named.group('number')}", named.group("rest"), count=1)
        built = _plan(rest, state)
        if built.calls:
            return built
    if state.campaign_id is not None and (meant := re.match(r"^(?:no|nope|sorry|oops|actually)?[,.!]?\s*i (?:meant|mean)\s+(?:to say\s+)?(?P<rest>.+)$",
                                                             clean, flags=re.I)):
        # "no i meant 20 percent off on that one": the correction, read as the edit it says
        rest = meant.group("rest")
        built = _plan(("make " if re.match(r"\d", rest) else "") + rest, state)
        if built.calls and built.calls[0].name == "update_sequence":
            return built
    if state.campaign_id is not None and (named := CAMPAIGN_FIRST.match(clean)):
        # "in the win-back campaign, make the first email 20% off": the campaign (the engine has
        # put it in focus), then the edit, read on its own
        built = _plan(named.group("rest"), state)
        if built.calls and built.calls[0].name in ("update_sequence", "revise_draft", "preview_draft", "approve_draft", "reject_draft"):
            return built
        if not built.calls and built.answer and EDIT_START.match(named.group("rest")):
            return built  # "... move the third email to day 4" of a two-email flow: said, nothing else built
    if state.campaign_id is not None and (step_first := STEP_FIRST.match(clean)):
        # "second email: subject 'free shipping, on us' and put a 10% code on it": each edit of that step
        step = f"the {step_first.group('step')} email"
        rest = re.sub(r"^subject(?: line)?\s*:?\s*", f"the subject of {step}: ", step_first.group("rest"), flags=re.I)
        rest = re.sub(r"\b(on|to|for|in) it\b", rf"\1 {step}", rest, flags=re.I)
        if (built := _plan(rest, state)).calls:
            return built
    if state.campaign_id is not None and (compound := _compound_edit(clean, state)) is not None:
        return compound
    if (steps := THEN_ACT.split(clean)) and len(steps) == 2 and all(len(step.split()) >= 2 for step in steps):
        # "pause it, then move it to friday": two requests, in order, each read on its own
        first_words = re.sub(r"^(?:ok |so )+", "", steps[0].lower())
        if decides_campaign(first_words, state, then_schedules=bool(re.search(
                r"\bschedul|\bgo live\b|\blaunch|\bturn (?:it|this) on\b|\bstart (?:it|sending)\b", steps[1], re.I))):
            steps[0] = f"approve campaign {state.campaign_id}"  # "approve it, then schedule it": the campaign
        first = _plan(steps[0], state)
        named = next((str(call.arguments["campaign"]) for call in first.calls if str(call.arguments.get("campaign", "")).isdigit()), None)
        if named and not re.search(r"(?:\bcampaign\s*#?|#)\d", steps[1], flags=re.I):
            # "approve the new winback email and turn it back on": "it" is the campaign just named
            steps[1] = re.sub(r"\b(?:it|this|that|them)\b", f"campaign {named}", steps[1], count=1)
        if state.campaign_id is not None and any(call.name == "pause_campaign" and call.arguments.get("campaign") == str(state.campaign_id)
                                                 for call in first.calls):
            # "pause it, then make the second email 20% off": the edit is read against the paused campaign
            state = dataclasses.replace(state, campaign_status="paused")
        plans = [first, _plan(steps[1], state)]
        builds = any(call.name == "create_sequence" for call in plans[0].calls)  # "build X, then schedule it": approvals come first
        if all(p.calls and writes(p) for p in plans) and not builds:
            return Plan(plans[0].intent, plans[0].calls + plans[1].calls,
                        reading="; then ".join(p.reading.removeprefix("Read as: ") if i else p.reading
                                               for i, p in enumerate(plans) if p.reading), unused=plans[0].unused + plans[1].unused)
        if plans[0].calls and writes(plans[0]) and not plans[1].calls and not builds:
            # the first done, the second named back as not done, never read into the first's name
            plans[0].unused.append(steps[1])
            return plans[0]
    if (remark := REMARK_AFTER.match(clean)) and state.campaign_id is not None:
        # "ok toss this one, the main cart flow already covers germany": the request, then why
        built = _plan(remark.group("head"), state)
        if built.calls and writes(built):
            return built
    question = is_question(clean)
    no_campaign: Plan | None = None
    for intent in ranked(lowered):
        if (built := intent.build(clean, lowered, state)) is not None:
            if question and writes(built) and not _asks_for_confirmed(built, lowered) and not _edit_command(built, lowered):
                continue  # questions only read: try the next reading of the sentence
            if any(call.name == "forget_contact" for call in built.calls) and ASKS_A_COUNT.search(lowered):
                continue  # "ok forget the date, how many orders has he got": a question, never an erasure
            if built.answer == messages.NOTHING_TO_REFER and built.intent == "follow_up":
                # "set up abandoned cart emails - 10% off on day 5" reads like an edit, but with no
                # campaign in the thread it is a new one: let the other readings try first.
                no_campaign = no_campaign or built
                continue
            return _with_unused(built, clean)
    if no_campaign is not None:
        return no_campaign
    if (last := _last_instruction(clean)) is not None:
        # "nobody's in it lol. change the audience to ...", "no - the existing cart campaign (#1) -
        # make day 3 20% off": a remark first, then the request; the request is read on its own
        built = _plan(last, state)
        if built.calls:
            return built
    if question and (who := EMAIL_RE.search(clean)) and re.search(r"data|profile|record", lowered):
        return Plan("export_contact", [PlannedCall("export_contact", {"contact": who.group(0)})],
                    reading=f"Read as: a question about what we hold on {who.group(0)} (read only)")
    if (who := EMAIL_RE.search(clean)) and not _asks_to_act(lowered):
        # "whats the deal with jo@...", "r we allowed to send marketing to jo@...": their status, read only
        return Plan("explain_contact", [PlannedCall("explain_contact", {"contact": who.group(0)})],
                    reading=f"Read as: the email status of {who.group(0)}: consent, sign-up date, suppressions and latest messages (read only)")
    # A question about an audience, or an audience named on its own ("customers with 5+ orders in
    # germany", "show me lapsed VIPs"): look, read only, and say how it was read.
    # Nothing else read it, and looking changes nothing: so a sentence that only describes people
    # ("brits and irish who added to cart since thanksgiving") is looked at too.
    file_words = re.search(r"\b(?:csv|spreadsheet|excel|xlsx|download|file|list of (?:their )?emails)\b", lowered)
    if not _asks_to_act(lowered) or file_words:
        if (within := within_saved_segment(clean, lowered, state)) is not None:
            return within  # "fr_loyal customers who ordered in the last 60 days": that saved segment, narrowed
        audience = describe_audience(clean)
        if audience.spec is None and file_words and state.audience_words and re.search(r"\b(?:them|those|these|they)\b", lowered):
            # "give me a csv of them" after a count: those people, counted, with what Nudge can do instead
            if (last := replies.last_counted(state, _plan)) is not None:
                found, words = last
                spec = found if isinstance(found, dict) else state.saved_segments.get(found)  # a saved segment: its spec
                if spec is not None:
                    audience, clean = Audience(spec, words), state.audience_words
        if audience.spec is not None:
            # "can i get a csv of ...": no plain file of people leaves Nudge; said, with what it can do
            note = messages.NO_PLAIN_FILE if file_words else ""
            return _with_unused(Plan("how_many", [PlannedCall("preview_segment", {"spec": audience.spec})],
                                     reading=f"Read as: a look at {audience.reading} (read only){note}", audience_words=clean), clean)
    return Plan("unknown", answer=help_text(messages.UNKNOWN_REQUEST))


# "no, scrap that. i meant ...", "forget that, ...": the last request taken back before a new one
CORRECTION = re.compile(r"^(?:no|nope|actually|wait)?[,.!]?\s*(?:scrap|scratch|forget|ignore|cancel|bin|ditch|drop) (?:that|this|it)(?: one)?[,.!;:-]*\s*"
                        r"(?:(?:no,?\s*)?(?:i|we) (?:meant|mean)\s+|instead[,:]?\s+)?", re.I)
# "I set the sender and address now, approve them all again": what they did, then the request
TOLD_FIRST = re.compile(r"^(?:ok |okay |so |alright )?(?:i|we)(?:'ve| have)? (?:just )?(?:set|fixed|updated|changed|added|did|done|sorted|configured"
                        r"|filled in|put in)\b[^,.;!]{0,80}[,.;!]\s*(?:so |now |and )?(?P<rest>.{6,})$", re.I)
ANOTHER_STEP = re.compile(r"^(?:and |what about |how about |and what about |ok |now )*(?:the )(?P<what>[\w' -]{2,30}?)"
                          r"(?: one| email| e-mail| step| message)\s*[?.!]*$")
# A second question in the same message ("..., and how many bounced?")
SECOND_QUESTION = re.compile(r"(?:\s*(?:[,;]|\?)\s*(?:and\s+|also\s+|plus\s+)?|\s+(?:and|also|plus)\s+)"
                             r"(?=(?:how many|how much|what(?:'s| is| was) (?:our|the) (?:revenue|total))\b)", re.I)
# "second email: subject '...'", "day 3 - make it 15% off": a step named first, then what changes in it
STEP_FIRST = re.compile(rf"^(?:the )?(?P<step>{STEP_PLACE})(?: email| one| step| message)?"
                        r"\s*(?::|\s-+)\s*(?P<rest>.{4,})$", re.I)
# The verbs that open an edit of the thread's campaign
EDIT_VERBS = (r"(?:make|move|push|pull|change|set|add|drop|remove|give|bump|put|lower|raise|cut|exclude|switch|swap|rename|delete|send|schedule|hold"
              r"|reschedule|reword|rewrite|ditch|update|replace|use|take)")
# "pause it, then move it to friday", "cancel the newsletter and then resume the cart flow": two
# requests in order (plain "and" joins edits of one thing, read by _compound_edit instead)
THEN_ACT = re.compile(r"\s*(?:,\s*(?:and\s+)?then|\band then|;\s*then|,\s*after that|\.\s*then)\s+(?=(?:pause|resume|unpause|cancel|schedule|reschedule"
                      rf"|approve|reject|export|launch|restart|stop|turn|do|hold|{EDIT_VERBS})\b)"
                      # "... and approve the other two", "..., reject the second", "... and put it back live": a
                      # lifecycle step after another request
                      r"|(?:,\s*(?:and\s+|but\s+)?|,?\s+(?:and|but)\s+)(?=(?:approve|schedule|resume|unpause|pause|cancel|launch|reject|decline|restart|go live"
                      r"|(?:turn|switch) (?:it|this|that|them|the [\w' -]{2,40}?) (?:back )?(?:on|off)\b|(?:put|bring|get) (?:it|this|that|them|the [\w' -]{2,40}?) back live\b"
                      r"|put (?:it|this|that|them|the [\w' -]{2,40}?) back on\s*[.!]*$"
                      # "pause the cart flow and rewrite the day 2 email": an edit after a lifecycle step
                      r"|rewrite|reword|redo)\b"
                      # "... and cap it at 2 emails a week": a frequency rule after an edit
                      r"|cap (?:it|emails|them|everyone|marketing)\b)",
                      re.I)
CAMPAIGN_FIRST = re.compile(r"^(?:(?:in|for|on|with) (?:the|our|my|this|that) (?:[\w' -]{2,40}? (?:campaign|flow|sequence|series|newsletter|one|emails)"
                            r"|(?:abandoned[- ]cart|cart|abandoned[- ]checkout|checkout|win-?back|welcome|browse(?: abandonment)?|post-?purchase)(?=\s*[,:;-]))"
                            r"|(?:in |for |on )?campaign\s*#?\d+(?:'s)?(?=\s*[,:;-]|\s+(?:make|move|remove|drop|change|add|the|day|step|its)\b))"
                            r"\s*[,:;-]?\s+(?P<rest>(?:please |can you |could you )?[a-z].+)$", re.I)
# "push the reviews one to day 4 and make the discount 20%": two edits of one campaign, joined
EDIT_JOIN = re.compile(rf"\s*(?:,\s*)?\b(?:and|then|also|plus)\s+(?:also\s+)?(?={EDIT_VERBS}\b|only\b|just\b|leave out\b|a/?b\b"
                       # "..., and the last one's subject should be '...'", "..., and subject: '...'"
                       rf"|(?:the |its |their )?(?:[\w']+ ){{0,3}}?subject(?: line)?\b)", re.I)
EDIT_START = re.compile(rf"^(?:actually |ok |now |so )*{EDIT_VERBS}\b", re.I)


FIELD_OF_IT = (r"\b(?:its|their)\s+(?=(?:subject|discount|day|code|delay|offer|send|timing|copy|brief)\b)"
               r"|\b(?:that|this|the same) (?:email|one|step|message)\b|(?<=\bmake )it\b(?= (?:go|be sent|send))"
               r"|(?:(?<=\bmove )|(?<=\bpush )|(?<=\bpull )|(?<=\bshift ))it\b(?= (?:to|back|forward|out))")


def _compound_edit(clean: str, state: ThreadState) -> Plan | None:
    """Several edits of the thread's campaign in one message, as one update_sequence call (one
    new version per changed step); None unless every part is such an edit of that campaign."""
    # "push the brand story email to day 3 and the discount one to day 6": the second move's verb is the first's
    clean = re.sub(r"^(?P<head>(?:(?:please|ok|actually|and|also|now|so) )*(?P<verb>move|push|pull|shift|put)\b.+?)\band\s+(?=(?:the|that|this)\s[^,]*?\b(?:to|on)\s+"
                   r"(?:day\s*\d+|\d+\s*(?:h|hours?|days?))\b)", lambda m: f"{m.group('head')}and {m.group('verb')} ", clean, flags=re.I)
    parts = [part.strip(" ,.") for part in EDIT_JOIN.split(clean) if part.strip(" ,.")]
    if len(parts) < 2 or follow_ups.MOVE_OFFER.search(clean.lower()) and follow_ups.OFFER_OFF.search(clean.lower()):
        return None  # "take the discount off the first email and put it on the last": one move, not two edits
    merged: dict = {"campaign": str(state.campaign_id)}
    extra: list[PlannedCall] = []
    working = state
    readings = []
    previous_step: dict | None = None
    missed: list[str] = []
    for part in parts:
        if previous_step and (found := re.search(FIELD_OF_IT, part, flags=re.I)):
            # "move the reminder to day 2 and change its subject": the step the part before edited
            step = f"day {previous_step['day']}" if "day" in previous_step else f"step {previous_step.get('step')}"
            named = f"{step}'s " if found.group(0).strip().lower() in ("its", "their") else f"the {step} email"
            part = part[:found.start()] + named + part[found.end():]
        built = _plan(part, working)
        calls = [call for call in built.calls if call.name != "preflight"]
        if len(calls) == 1 and calls[0].name == "revise_draft" and re.match(r"(?:a/?b|split)\b", part, flags=re.I):
            # "... and a/b its subject: 'A' vs 'B'": that step's draft gets the test, after the edit
            extra.append(calls[0])
            readings.append((built.reading or "").removeprefix("Read as: "))
            continue
        if len(calls) != 1 or calls[0].name != "update_sequence" or calls[0].arguments.get("campaign") != merged["campaign"]:
            if not EDIT_START.match(part):
                return None
            missed.append(part)  # an edit not understood is named back, never dropped unsaid
            continue
        for key, value in calls[0].arguments.items():
            if key in ("steps", "add_steps", "remove_steps"):
                merged[key] = _merged_steps(merged.get(key, []), value) if key == "steps" else merged.get(key, []) + value
            elif key != "campaign":
                merged[key] = value
                if key == "segment" and working.sequence_request:
                    # "exclude canada and only people whose cart was over 80": the next part edits this audience
                    working = ThreadState.from_dict({**working.to_dict(), "sequence_request": {**working.sequence_request, "segment": value}})
        readings.append((built.reading or "").split(" in place: ", 1)[-1])
        edited = calls[0].arguments.get("steps") or []
        previous_step = edited[0] if len(edited) == 1 and ("day" in edited[0] or "step" in edited[0]) else previous_step
    if not readings or len(missed) == len(parts):
        return None
    rewritten = {edit.get("day") for edit in merged.get("steps", []) if edit.get("discount_percent") or edit.get("discount_code")}
    if extra and rewritten:
        missed += ["the A/B test (its email is rewritten by this edit: ask for the test again after it)"]
        extra = []
    calls = [PlannedCall("update_sequence", merged)] if len(merged) > 1 else []
    calls += extra
    if "segment" in merged:
        calls.append(PlannedCall("preflight", {"campaign": merged["campaign"]}))
    built = Plan("update_sequence", calls, reading=f"Read as: change campaign {state.campaign_id} in place: " + "; ".join(readings))
    built.unused += missed
    return built


def _merged_steps(edits: list[dict], more: list[dict]) -> list[dict]:
    """Edits of the same step (by day, step number or purpose) become one edit."""
    merged = [dict(edit) for edit in edits]
    for edit in more:
        same = next((old for old in merged if {k: old[k] for k in ("day", "step", "purpose") if k in old}
                     == {k: edit[k] for k in ("day", "step", "purpose") if k in edit}), None)
        if same is None:
            merged.append(dict(edit))
        else:
            same.update(edit)
    return merged


# "actually go ahead and unsubscribe her": the person this thread last asked about
PRONOUN = re.compile(r"\b(?:her|him|she|he|(?:this|that|the same) (?:person|contact|customer|subscriber|guy|lady|woman|man))\b", re.I)


def the_person(clean: str, state: ThreadState) -> str:
    if state.person is None or EMAIL_RE.search(clean) or not PRONOUN.search(clean):
        return clean
    return PRONOUN.sub(state.person, clean, count=1)


def _last_instruction(clean: str) -> str | None:
    """The last part of a message of several ("remark. request", "context - request"), with any
    campaign number named earlier; None for a message of one part."""
    parts = [part.strip() for part in re.split(r"(?<=[.!?])\s+|\s+-+\s+|;\s+", clean) if part.strip(" .!?-")]
    if len(parts) < 2:
        return None
    numbers = re.findall(r"(?:\bcampaign\s*#?|#)\d+\b", " ".join(parts[:-1]), flags=re.I)
    return parts[-1] + (f" ({numbers[0]})" if numbers and not re.search(r"(?:\bcampaign\s*#?|#)\d", parts[-1]) else "")


# A short request about "it", then a reason ("toss this one, the main cart flow covers germany")
REMARK_AFTER = re.compile(r"^(?P<head>(?!(?:please )?(?:reject|decline)\b)(?:\w+ ){1,3}?(?:it|this|that|this one|that one|them|these|those))\s*[,;.-]+\s+"
                          r"(?P<rest>(?:the|because|since|as|we|it|they|i|its|it's|that's|our|no need|not needed|already|cos|cause)\b.+)$", re.I)


# A question inside a sentence that an erasure verb opens ("forget the date, how many ...?").
ASKS_A_COUNT = re.compile(r"\bhow (?:many|much)\b|\bwhat(?:'s| is| are| was| were| did| do)\b|\bhas (?:he|she|they)\b|\?")


# A campaign named by number, then a request about "that one": "campaign 2. approve that one".
NUMBER_THEN_ACT = re.compile(r"^(?:(?:no|nope|sorry|oops|actually|wait)[,.!]*\s*)*(?:i (?:meant|mean)\s+)?(?:campaign|sequence|flow)\s*#?\s*(?P<number>\d+)"
                             r"\s*(?:[.;:!,-]+|\s+-+)\s*(?:so\s+|then\s+|now\s+)?(?P<rest>.+\b(?:that one|this one|that|this|it)\b.*)$", re.I)


def _asks_to_act(lowered: str) -> bool:
    """An instruction no intent took ("send a gift to germany"): not to be answered with a count."""
    return bool(re.match(r"^(?:please |can you |could you |pls )?(?:send|email|mail|build|create|make|set ?up|launch|schedule|delete"
                         r"|remove|add|change|update|edit|write|draft|post|buy|charge|refund|text|sms|call)\b", lowered))


AUDIENCE_NOUNS = (r"(?:\w+\s+){0,3}?(?:customers|contacts|people|shoppers|buyers|subscribers|users|members|visitors"
                  r"|clients|folks|accounts|abandoners|vips?|sign.?ups|signups)\b")


# Exports whose audience is fixed by the tool (recent buyers, best customers): an audience word
# in the request ("our vip buyers") changes nothing, so the reply must say it was not used.
FIXED_AUDIENCE_TOOLS = {"export_buyer_suppression", "export_lookalike_seed"}


def _with_unused(built: Plan, clean: str) -> Plan:
    if built.words_all_read:
        return built
    # an order summary for everyone names its unread audience words too ("revenue from loyal customers")
    if built.calls and any("spec" in c.arguments or "segment" in c.arguments and isinstance(c.arguments["segment"], dict)
                           or c.name == "order_summary" for c in built.calls):
        audience = describe_audience(clean)
        # a report's time words are its period, not the audience's
        reports = any(c.name in ("order_summary", "campaign_report") for c in built.calls)
        period = audience.unclaimed_time if reports else None
        answered = {"average order value", "aov", "order value", "average basket"} if reports else set()
        bounded = any("min_value" in c.arguments or "max_value" in c.arguments for c in built.calls)  # "orders between $50 and $100"
        # a name the request gives ("a segment called french big spenders") is no audience word
        named = " ".join([loose_name(str(c.arguments["name"])) for c in built.calls if c.name == "create_segment" and c.arguments.get("name")]
                         + [loose_name(name) for name in re.findall(r"the saved segment '([^']+)'", built.reading or "")])
        built.unused += [word for word in unused_words(clean, audience) if word not in built.unused and word != period
                         and word not in answered and not (named and loose_name(word) in named)
                         and not (bounded and re.fullmatch(r"[$€£]?\s*\d[\d,.]*k?(?:\s*(?:dollars|euros?|pounds|bucks|usd|eur|gbp))?", word))]
        if not named and (group := undefined_group(clean, built.unused, built.reading or "")):
            return who_counts_as(built.intent, group, clean)  # "how many vips in germany": whom the shop means, asked
    elif any(call.name in FIXED_AUDIENCE_TOOLS for call in built.calls):
        # a lookalike seed *is* the best customers: those words are what it does
        said = {"best", "top customers", "vip", "vips", "whales", "big spenders", "high-value", "high value"} if any(
            call.name == "export_lookalike_seed" for call in built.calls) else set()
        built.unused += [word for word in unused_words(clean, Audience(None, "")) if word not in built.unused and word not in said]
    return built


def _edit_command(built: Plan, lowered: str) -> bool:
    """"narrow it to US customers only - how many is that?" opens with a command to change the
    thread's campaign (in place, nothing sent): the question at its end does not undo that."""
    return bool(built.calls) and built.calls[0].name == "update_sequence" and bool(re.match(
        r"^(?:please |actually |ok |so |and )*(?:narrow|only|just|limit|restrict|exclude|remove|drop|add|make|change|move|switch|set)\b", lowered))


def _asks_for_confirmed(built: Plan, lowered: str) -> bool:
    """'can i get a hashed list of ... for facebook?' is a polite request, and its writes are
    only proposed (each needs a confirmation), so it may be planned like a request."""
    # (the export's audience is saved first: a segment is a definition, not an action on anyone)
    confirmed = [call for call in built.calls if registry.BY_NAME[call.name].writes and call.name != "create_segment"]
    return bool(confirmed) and bool(re.match(r"^(?:hi,? |hey,? |ok,? )?(?:(?:can|could|may) (?:i|we|you)\b|(?:please )?(?:give|get|send|pull|make) me\b"
                                       r"|i(?:'d| would) like\b|(?:i|we) (?:need|want)\b)", lowered)) and all(
        registry.BY_NAME[call.name].confirm is not None for call in confirmed)


def writes(built: Plan) -> bool:
    """Would this plan change anything? Its calls, or (for a plan that only asks back, like
    "whom should I forget?") its intent's tool, as the registry declares them."""
    names = [call.name for call in built.calls] or [built.intent]
    return any(registry.BY_NAME[name].writes for name in names if name in registry.BY_NAME)

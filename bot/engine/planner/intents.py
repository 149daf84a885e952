"""The intents: which request shape a sentence is, and the builder that plans it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.engine import messages
from bot.engine.memory import ThreadState
from bot.engine.planner import (
    audience_edits,
    audiences,
    broadcasts,
    condition_edits,
    follow_ups,
    scope,
)
from bot.engine.planner.audiences import (
    consent_question,
    create_segment,
    export_audience,
    how_many,
    order_summary,
    preview_named_segment,
    special_exports,
)
from bot.engine.planner.campaigns import (
    AGAIN,
    BACK_ON,
    PER_PERIOD,
    SHOW_CAMPAIGN,
    back_on,
    campaign_list,
    cap_again,
    digest,
    frequency_rule,
    report,
    restart,
)
from bot.engine.planner.drafting import (
    ad_again,
    campaign_decision,
    draft_action,
    draft_ad_copy,
    draft_email,
    subject_test,
)
from bot.engine.planner.follow_ups import (
    add_step,
    change_code,
    change_discount,
    change_send_time,
    change_subject,
    move_step,
    remove_step,
)
from bot.engine.planner.people import audit_question, explain
from bot.engine.planner.plans import Plan
from bot.engine.planner.reading import has, help_text
from bot.engine.planner.rows import plan_row
from bot.engine.planner.sequences import (
    HOLDOUT,
    NO_HOLDOUT,
    browse_sequence,
    cart_sequence,
    welcome_sequence,
    winback_sequence,
)
from bot.engine.planner.vocabulary import EXCLUDE_VERBS
from bot.engine.planner.wording import (
    SAY_EDIT,
    TONE_EDIT,
    change_tone,
    change_words,
    show_drafts,
)


def show_help(clean: str, lowered: str, state: ThreadState) -> Plan:
    return Plan("help", answer=help_text())


def show_import_help(clean: str, lowered: str, state: ThreadState) -> Plan:
    """Codes come from the shop's export file, which a chat message cannot carry: say how."""
    return Plan("import_discount_codes", answer=(
        "Single-use codes come from your shop's export file: run `nudge discount import codes.csv --campaign NAME "
        "--step N` (the CSV Shopify exports under Discounts -> the discount -> Export codes, or one code a line). "
        "Then ask \"how many codes are left for campaign NAME?\"."))


Builder = Callable[[str, str, ThreadState], "Plan | None"]


@dataclass(frozen=True)
class Intent:
    """A request shape: the words it needs (`pattern`), words that rule it out (`unless`), how
    specific it is (`weight`), words that make it likelier (`cues`), and either the registry
    `tool` it calls once (a row, planned by bot.engine.planner.rows) or the `builder` of its plan."""

    pattern: str
    weight: int
    builder: Builder | None = None
    tool: str | None = None
    unless: str | None = None
    cues: tuple[tuple[str, int], ...] = ()
    ask: str | None = None  # a row's question when a required field is missing
    reading: str | None = None  # a row's "Read as" words, formatted with its arguments
    decline: bool = False  # a row without its required fields leaves the sentence to others

    def score(self, lowered: str) -> int | None:
        """How well the sentence fits this shape, or None when it does not."""
        if not has(lowered, self.pattern) or (self.unless and has(lowered, self.unless)):
            return None
        return self.weight + sum(points for cue, points in self.cues if has(lowered, cue))

    def build(self, clean: str, lowered: str, state: ThreadState) -> Plan | None:
        if self.builder is not None:
            return self.builder(clean, lowered, state)
        return plan_row(self.tool, clean, lowered, state, ask=self.ask, reading=self.reading, decline=self.decline)


def ranked(lowered: str) -> list[Intent]:
    """The intents that fit the sentence, best first (ties keep the table's order)."""
    scored = [(score, index, intent) for index, intent in enumerate(INTENTS)
              if (score := intent.score(lowered)) is not None]
    return [intent for _, _, intent in sorted(scored, key=lambda item: (-item[0], item[1]))]


# Words of ad copy ("ad text", "headlines + descriptions"), over an export (130) "retargeting ..." would be
AD_WORDS = (r"\b(ad (copy|text|creative|headlines?|ideas)|headlines?|descriptions|primary text|ad variations?)\b", 20)
# A sentence that opens by asking for ads ("draft a google ad for the abandoned cart flow", "meta
# ad for our welcome series"): ad copy, whatever campaign it names, never a new campaign.
AD_HEAD = (r"^(?:please |can you |could you |pls |now |ok |and )*(?:(?:write|draft|compose|give me|create|make|need|i need|do|get|generate)\s+"
           r"(?:me |us )?(?:an? |some |the |new |fresh )*)?(?:(?:google|meta|facebook|fb|instagram|ig|linkedin|display|search|rsa|tiktok)\s+)*"
           r"(?:ads?|ad copy|headlines?|ad variations?)\b(?! (?:audience|list|export|account|manager|spend|budget))")
# A sentence that asks to see something never builds one ("show me the cart campaign").
SHOW_WORDS = (r"^(?:please |ok |now |so |then )*(?:can you )?(?:show|display|view|see|list|open|pull up|status|report|results|stats|how'?s?|what|which"
              r"|cancel|pause|resume|unpause|approve|reject|schedule|stop|kill|discard|turn|switch|shut|restart|reschedule|relaunch|hit pause|put \w+ live"
              r"|(?:kick off|go live(?: with)?|launch|activate) (?:the|our|my|it|this|that)\b"
              r"|get rid|delete|remove|hold off|edit|change|update|redo|rewrite|swap|bump|move|push)\b"
              # an existing campaign named ("the existing cart campaign (#1)", "the cart sequence's day 3")
              r"|\b(?:existing|current|live|running|paused) (?:\w+ ){0,2}(?:campaign|sequence|flow)\b|\b(?:campaign|sequence|flow)'s\b"
              r"|\b(?:back on|start (?:it|this|that) (?:back )?up)\b")
# "build an abandoned-cart sequence ... and schedule it": the build; going live needs approvals first.
BUILD_FIRST = r"^(?:please |can you |could you |let'?s )?(?:build|create|set ?up|setup|make|draft|write|design|(?:kick off|launch|start|roll out) (?:a|an|new|another)\b)\b"
CAMPAIGN_VERB = 'Which campaign? Say e.g. "{verb} campaign 3", or ask "what\'s scheduled?" to see them.'
SEQUENCE_WORDS = (r"\b(sequence|flow|series|automation|journey|drip)\b", 5)  # under the control verbs (90)

# Weights say how specific a shape is: a request naming a person, an audit question or a draft
# outranks the generic audience and campaign shapes, and the report catch-all comes last. A
# builder returning None declines, and the next best shape is tried.
INTENTS = [
    Intent(scope.PATTERN, 310, scope.outside),  # outside Nudge: said plainly, never read as a nearby request
    Intent(r"^(help|\?|what can you do|commands|examples|how do i use)", 300, show_help),
    Intent(r"\baudit\b|\bwho (\w+ly )?(signed off|okayed|ok'?d|green.?lit|gave the go.?ahead|approved|rejected|scheduled|launched|paused|resumed|cancell?ed"
           r"|stopped|erased|forgot|deleted|exported|edited|revised|changed|created)\b"
           r"|\bwhat (did|has|have) (the )?\S+ (do|done|been doing|approved?|erased?|exported?|deleted?)\b"
           r"|\b(activity|actions) (of|by|from) ", 290, audit_question),
    Intent(r"\b(subject access|access request|dsar|right of access|data export)\b"
           r"|\bcopy of (his|her|their|my|the|all) (personal )?(data|information|info|records?)\b"
           r"|\b(asked|asks|requested|requests|wants) (for |to see )?(a copy of |access to )?(his|her|their|all) (personal )?data\b"
           r"|\bexport\b(?=.*\b(everything|all|data|records?|profile)\b)(?=.*\b(on|about|for|of)\b)"
           r"|\bwhat (data|information|info|records?|personal data)\b.*\b(on|about|for|of)\b"
           r"|\b(what|everything) do (we|you) (know|hold|have|store|keep) (on|about)\b"
           r"|\b(everything|all (the )?(data|information)) (we|you) (hold|have|store|keep) (on|about|for)\b",
           280, tool="export_contact", decline=True, reading="an access request: everything we hold on the person named",
           unless=r"\b(forget|erase|delete|remove|right to be forgotten)\b"),
    Intent(r"\b(forget|erase|gdpr|right to be forgotten|delete (all )?(the )?(data|contact|everything|personal))"
           r"|^(please )?(can you )?(delete|wipe)\b(?=.*(@|\bu\d+\b))",
           270, tool="forget_contact", ask=messages.ASK_WHOM_FORGET, reading="an erasure request for the person named",
           # "forget the date", "forget about canada": a change of mind about the question, not a person
           unless=r"\b(off|from) (the |our |my |all )?(list|mailing|emails?|newsletter|marketing)"
                  r"|\b(?:leave out|exclude|excluding|except|drop|remove) (?:the |all )?(?:uk|eu|europe|[a-z]+ and [a-z]+)\b"
                  r"|\bforget (?:about )?(?:the |my |what )?(?:dates?|period|times?|timeframe|window|place|country|countries|spend|filter|condition"
                  r"|last part|bit|part|question|i said|those|these|it|that|this)\b(?!\s+(?:customer|contact|person|user|guy|lady|one)\b)(?!\s*\S*@)"),
    Intent(r"\bunsubscribe\b|\bopt\b.*\bout\b|\bstop (emailing|mailing|sending (emails? )?to)\b"
           r"|\b(remove|take|drop)\b.*\b(off|from) (the |our |my |all )?(list|mailing|emails?|newsletter|marketing)",
           268, tool="unsubscribe_contact", decline=True, reading="unsubscribe {contact} from marketing email",
           unless=r"\bwhy\b|\bhow many\b|\bwhen did\b|\bnumber of\b"),
    Intent(r"\bpurge\b|\bapply (the )?retention\b|\b(delete|remove|clear) (all )?(the )?(old|expired) (data|events)\b",
           265, tool="purge_old_data", reading="apply the retention period now (purge data older than NUDGE_RETENTION_MONTHS)"),
    Intent(r"\bwhy\b.*\b(didn't|did not|hasn't|has not|not|never|wasn't|no|isn'?t|aren'?t|won'?t|doesn'?t|don'?t|haven'?t)\b"
           r"|\bwhy (did|does|is|was) \S+@\S+ (get|getting|receive|"
           r"on|in|still)\b|^(is|was|has) \S+@\S+ (still )?(unsubscribed|subscribed|suppressed|opted|bounced|allowed|on |getting|receiving)"
           r"|\b(consent|subscription|email) status (of|for) \S+@|\bdid \S+@\S+ (get|receive|open)\b"
           r"|^(can|could|may) (we|i) (email|mail|contact|message|send (an? )?(emails? )?to) \S+@", 260, explain),
    Intent(r"\bdigest\b", 250, digest),
    Intent(r"^(can|could|may|should|are) (we|i|you)( be allowed to)? (email|mail|send (emails? )?to|message|contact|market to)\b.*"
           r"\b(never opted|not opted|haven'?t opted|without (their )?consent|no consent|unsubscribed|opted.?out|didn'?t opt)", 255,
           consent_question),
    Intent(r"suppress|look.?alike|seed (list|audience)|similar audience|exclusion (list|audience)|\bexclude (them|those|these) from (our |the |my )?(\w+ )?ads"
           r"|\bso (we|i) can exclude|\bto (?:exclude|suppress|leave out)\b.*\bfrom (?:our |the |my )?(?:\w+ )?ads\b", 240, special_exports),
    Intent(r"^(?:can i |could i |can we |can you |could you |let me |i want to |i'd like to |i wanna |pls |please )?(?:show|see|view|preview|look at|display|pull up)\b.*"
           r"\b(drafts?|emails?|copy|messages?|ones?)\b|\bwhat (?:does|do|will) .*\b(look|read)s? like\b|\blooks? like\b"
           r"|\bwhat (?:does|do|will|did) (?:the |that |this |my |our )?\w+(?: \w+)? (?:email|mail|message|one|step)s? say\b"
           r"|^(?:can i |could i |let me )?(?:preview|see|show me|show) (?:it|this|that|them)\b(?!\s+(?:to (?:meta|google|facebook)|campaign))"
           r"|^(?:does|do|did|will) (?:the|this|that|it|my|our) ?(?:\w+ )?(?:email|mail|message|draft|one)?s? (?:still )?(?:mention|say|include|show|have|contain)\b"
           r"|^what(?:'s| is) in (?:the |that |this )?(?:[\w-]+ ){0,3}?(?:email|one|step|message|draft)\b"
           r"|^what(?:'s| is| are| was)(?: the| its)? (?:subject(?: lines?)?|preheader|headline|copy|body)\b", 231,
           show_drafts, unless=r"\b(results?|report|stats|performance|campaigns\b|scheduled|live|audience|segment)"),
    Intent(r"\bdraft\b|\bcomplian|can-?spam|\b(?:anything|something|what)\b.*\b(?:block|stop|prevent)\w*\b.*\b(?:this|it|campaign|going out|sending)\b|\blegal(ly)? (ok|okay|fine|allowed|check)|^(approve|reject) (it|this|that)\b"
           r"(?! (campaign|sequence|flow|one|series|newsletter))", 230, draft_action),
    Intent(r"^(please )?(can you )?(approve|reject|decline|sign off( on)?|greenlight)\b", 229, campaign_decision),
    Intent(r"\bpre-?flight|ready to (launch|go|send)|pre-?launch check", 220, tool="preflight",
           reading="the preflight of campaign {campaign}"),
    Intent(r"\b(discount|promo|coupon|single.?use|unique) codes?\b.*\b(left|status|how many|show|remaining|given out|used|sent|pool)\b"
           r"|\b(how many|show|status of)\b.*\b(discount|promo|coupon|single.?use|unique) codes?\b|\bcodes? (are )?(left|remaining)\b"
           r"|\bhow many codes\b", 226,
           tool="show_discount_codes", reading="the single-use discount codes of campaign {campaign}",
           unless=r"^(please )?(can you )?(import|upload|add|load)\b"),
    Intent(r"^(please )?(can you )?(import|upload|load)\b.*\bcodes?\b|\b(single.?use|unique) codes?\b.*\b(import|upload|add|load)\b"
           r"|^(please )?(can you )?add\b.*\b(single.?use|unique|a pool of|csv|file)\b.*\bcodes\b", 227, show_import_help),
    Intent(r"\b(discard|scrap|throw away|bin|trash)\b|\b(?:toss|ditch|junk|nuke) (?:it|this|that)\b"
           r"|^(?:please |ok )?(?:get rid of|delete|remove|toss|ditch) #?\d+(?:\s*(?:,|and|&)\s*#?\d+)+\b|\bthrow (?:it|this|that|the \w+)(?: \w+)? away\b|\b(get rid of|delete|remove)\b (?:the |this |that |these |those |our )?"
           r"(?:whole |duplicate |extra )?(?:[\w-]+ ){0,2}?(?:campaigns?|sequences?|flows?|newsletters?|blasts?|one-offs?|series)\b(?! *(?:step|email))", 224,
           tool="discard_campaign", ask=CAMPAIGN_VERB.format(verb="discard"),
           reading="discard campaign {campaign} (it never went live; nothing was sent)"),
    # Showing one campaign is its preflight card: steps, approvals, the audience now, and buttons.
    Intent(SHOW_CAMPAIGN, 221, tool="preflight", decline=True,
           reading="show campaign {campaign} (its steps, approvals and audience now)",
           unless=r"\b(results?|report|performance|stats|how (did|is|are|was)|open rate|click rate|consent|segment)\b|@"),
    Intent(r"\b(which|what|list|show|any)\b.*\b(campaigns?|sequences?|flows?|drafts?)\b.*\b(waiting|awaiting|pending|need\w*|"
           r"paused|active|live|running|finished|cancell?ed|stopped|drafts?)\b|\bwhat (needs|is waiting for|awaits) (my )?approval\b"
           r"|\b(paused|active|finished|cancell?ed|draft) (campaigns|sequences|flows)\b"
           r"|^(?:can you |please )?(?:list|show|see|give)(?: me| us)? (?:all |every |each )?(?:of )?(?:my |our |the )?(?:campaigns|sequences|flows)\b"
           r"|\b(?:every|all(?: my| our| the)?) (?:campaigns?|sequences?|flows?)\b.*\bstatus", 215, campaign_list),
    Intent(r"\b(show|list|what are|what're|current|see|what)\b.*\b(rules|caps?|limits?|quiet hours|frequency)\b(?!.*\d)"
           r"|^(?:are|is|do we have|have we got|what are|what's|whats) (?:the |our |any )?(?:quiet hours|caps?|frequency (?:rules|caps?)|rules|limits?)\b(?!.*\d)",
           210, tool="show_rules", reading="show the frequency rules"),
    Intent(r"\b(list|show|what|which)\b.*\bsegments\b", 200, tool="list_segments", reading="list the saved segments"),
    # "how many unsubscribes have we had", "who unsubscribed? how many in the EU": the list, not a campaign's report
    Intent(r"^(?:so |and |ok )?(?:how many|number of|count of|total)\b.*\b(?:unsubscribes|unsubscribed|unsubscribers|opt.?outs|opted.?out"
           r"|bounces|bounced|complaints|complained)\b|^who (?:has |have )?(?:unsubscribed|opted.?out|bounced|complained)\b", 193, how_many,
           unless=r"\b(campaigns?|sequences?|flows?|newsletters?|blasts?|rates?|series)\b|\b(?:the|our|this|that) [\w-]+ emails?\b"
                  r"|\bfrom (?:the|our|my|this|that) |@"),
    # one person's orders and spend: "how much has jo@... spent", "jo@...'s lifetime value"
    Intent(r"\b(?:how much|what) (?:has|have|did|does) \S+@\S+ (?:\w+ )?(?:spent|spend|bought|ordered|paid)\b|\b(?:lifetime value|ltv|clv|total spend"
           r"|spend|order history|orders?|purchases?|revenue)\b (?:of|for|by|from) \S+@|\S+@\S+?'s? (?:lifetime value|ltv|clv|total spend|spend"
           r"|order history|orders|purchases)\b|\b(?:what|which|how many) (?:orders|purchases)\b.*\b(?:has|have|did|does) \S+@\S+ (?:made|placed|done|got|had)?\b"
           r"|\b(?:when|what) (?:did|was|has) \S+@\S+ (?:last )?(?:order|buy|purchase)\w*", 192, order_summary,
           unless=r"\b(forget|erase|delete|unsubscribe|export)\b"),
    # "which country has the most customers", "top countries by revenue": each country's orders, ranked
    Intent(audiences.BY_COUNTRY.pattern, 193, order_summary, unless=r"\b(sequence|flow|campaign|export|segment|email|emails|ads?)\b|@"),
    Intent(audiences.SPENT_QUESTION.pattern, 191, order_summary, unless=r"\b(sequence|flow|campaign|export|email|emails|ads?|budget)\b|@"),
    Intent(r"\b(revenue|sales|orders|aov|turnover|how much|average order value)\b.*\b(from|by|among|for)\b (?:[\w-]+ ){0,3}?(customers|buyers"
           r"|people|subscribers|shoppers|contacts|clients)\b", 191, order_summary, unless=r"\b(sequence|flow|campaign|export|segment|email|emails)\b"),
    Intent(r"\b(orders?|revenue|sales|aov|turnover|takings)\b|\bhow much (did|have|do) (we|i) (sell|sold|make|made|earn|take)\b"
           r"|\bhow much (money|revenue)\b", 190, order_summary,
           unless=r"\b(sequence|flow|campaign|export|segment|abandon|cart|checkout|people|customers|contacts|shoppers"
                  r"|subscribers|buyers|users|who|placed|ordered|purchased)\b|\bdraft|why|forget|quiet|cap|\b(?:one|1|single) (?:email|message|blast)\b|\bone.?off\b"
                  r"|\b(from|through|via|driven by) (email|emails|campaigns?|nudge)\b"
                  r"|\b(emails?|campaigns?) (drove|drive|brought|generated|made|earned)\b|\battributed\b"
                  r"|\b(series|automation|drip|post.?purchase)\b|^(please )?(can you |could you )?(build|set ?up|create|make)\b"
                  # how the emails did: their results, revenue among them
                  r"|\bhow (did|do|does|are|is|were|was|have) (our |the |my |all )?(emails?|campaigns?|newsletters?|sequences?|flows?)\b"
                  r"|\b(opens|clicks|open rates?|click rates?|ctr)\b"
                  r"|\b(ad copy|ads?|headlines?|linkedin|meta|facebook|instagram|google)\b"),
    Intent(r"^(how (did|does|is|are|was|were)|how's|results?|report|performance|stats)\b"
           r"|^show .*\b(results|report|performance|stats)\b"
           r"|\b(open|click|click-through|conversion|unsubscribe|bounce) rates?\b|\bctr\b"
           r"|\b(a/?b|subject|subject line|split) (test|result)s?\b|\bwhich subject (line )?(won|did better|is winning)\b"
           r"|\b(how many|who) (\w+ )?(opened|clicked|unsubscribed|bounced|converted)\b|\b(unsubscribes|bounces|opens|clicks)\b"
           r"|\b(which|what) campaigns? (made|did|brought|drove|got|had|performed|is|was|has)\b|\b(best|top|worst)[- ]performing\b"
           r"|\b(orders?|revenue|sales) (came |come |coming )?(from|through|via|driven by) (email|emails|campaigns?|nudge)\b"
           r"|\b(emails?|campaigns?) (drove|drive|brought|generated|made|earned)\b|\battributed\b|\bholdout\b|\blift\b|\bincremental\b"
           # "how many emails did we send last week", "how many messages went out": the sends
           r"|\bhow many (?:emails?|messages?|sends|mails)\b.*\b(?:send|sent|go out|went out|gone out|deliver(?:ed)?|mail(?:ed)?)\b",
           180, report, unless=r"^(please )?(can you )?(export|upload|push|sync|send|build|create|set up)\b"
                               r"|\b(abandonment|sequence|flow|series|win.?back|welcome) (for|to)\b"
                               # bounced or unsubscribed addresses on the list: people, not a campaign's results
                               r"|\b(bounced|unsubscribed|bounces)\b.*\b(addresses|list|suppress\w*|contacts)\b"
                               r"|\b(addresses|contacts)\b.*\b(bounced|unsubscribed)\b"),
    Intent(r"quiet hours|frequency cap|\b(no|don'?t|do not|never|stop|avoid)\b.*\b(emails?|email|sending|send|messages?|mail)\b.*"
           r"\b(between|after|from)\s+\d|\b(at most|max(imum)?|no more than|more than|cap|limit|up to)\b"
           r".*\d+\s*(marketing )?(emails?|ads?|impressions?|messages?)\b"
           r"|\b(cap|limit)\b.*\b(emails?|messages?|ads?|impressions?)\b.*\b(at|to) \d+"
           r"|\b(daily|weekly|monthly)\b.*\b(cap|limit|one|max|maximum)\b.*\b(at|to|of) \d+|\b(cap|limit)\b.*\b(at|to|of) \d+"
           r"|\b\d+\s*(h|hrs?|hours?|days?)\b.*\b(between|apart)\b|\b(gap|space|spacing)\b.*\b\d+\s*(h|hrs?|hours?)\b"
           # "two emails a week tops", "let's not email anyone more than 6 times a month"
           r"|\b\d+\s*(marketing )?(e?mails?|messages?)\s+(?:a|an|per|1|each|every)\s+(day|week|month)\s*(tops|max|maximum|at most|or fewer|or less)\b"
           r"|\b(?:not|never|don'?t|no) (?:e?mail|send to|message)\w* (?:anyone|anybody|people|customers|contacts|them)\b.*\bmore than \d+\s*times\b"
           r"|^(?:please )?cap (?:hourly|daily|weekly|monthly) (?:marketing )?(?:e?mails?|messages?)\b",
           170, frequency_rule, unless=r"\b(?:abandon\w*|sequence|flow|series|drip|win.?back|welcome)\b[^.]*[:.]"),
    Intent(AGAIN.replace("(\\d+)", r"\d+") + "|" + PER_PERIOD.pattern, 171, cap_again),
    Intent(r"^(please |actually |ok |okay |so |and |also )*(can you |could you |let's )?(change|set|make|update|rename|edit|switch|use|reword"
           r"|rewrite|retitle|rephrase|tweak)\b"
           r".*\bsubject\b|\bsubject(?: line)?\b.*(?:\b(?:should be|should say|should read|becomes?)\b|:|=|->|\u2192)"
           r"|\bsubject\b.*\b(make|have|let)\b.*\b(say|read)\b", 275, change_subject),  # over "forget" in a new subject
    Intent(r"^(please |actually |ok |oops,? |and |also )*(can you |could you |can we |could we |let's )?(add|insert|include|put in|put back|bring back|append|throw in|tack on|slap on|put an?|put (?:a|the) \w+ (?:email )?back)\b"
           r"(?=.*\b(emails?|steps?|messages?|reminders?|follow.?ups?|cross.?sells?|up.?sells?|review requests?|thank.?yous?|check.?ins?|surveys?"
           r"|one|(?:another|1 more|one more|a second|a 2nd|final|last|new|extra"
           r"|closing) 1)\b)(?=.*\b(day\s*\d+|\d+\s*(h|hours?|days?)|right away|straight away|immediately|at once|first thing)\b)"
           # "and one more on day 12 that just says we miss them": "one more" is the new step
           r"|^(?:and |also |plus |oh |ok )*(?:1 more|one more|another(?: 1| one)?|a final 1|1 last 1|one last one)\b(?=.*\b(?:day\s*\d+|\d+\s*(?:h|hours?|days?))\b)",
           234, add_step),
    Intent(r"^(please |actually |ok |and |also |on second thought,? |hmm,? )*(can you |could you |can we |could we |let's )?(remove|drop|delete|cut|get rid of|take out|ditch|scrap|lose"
           r"|skip)\b.*\b(day\s*\d+|emails?|steps?|messages?|reminders?|one|discount|reviews?)\b", 233, remove_step, unless=r"@|\bfrom (the |our )?"
           r"(list|mailing|segment|audience)\b|\d+\s*%(?! (?:off )?(?:one|email|step|message)\b)|\bto \d"),  # "drop the discount to 20%" lowers it
    Intent(r"\bcodes?\b", 236, change_code, unless=r"^(please )?(can you )?(build|create|set up|setup|make|start|send|email|draft|write|import)\b"
           r"|^(?:please )?(?:add|tack on|throw in) (?:a|an|another|one more|a second|a new|1|1 more)\b"
           r"|\b(sequence|flow|series|one-?off)\b"),
    Intent(r"^(please |actually |ok |okay |so |and |also )*(can you |could you |can we |could we |let's )?(move|shift|push|pull|reschedule|delay)\b.*\b(day\s*\d+|\d+\s*(h|hours?|d|days?))\b"
           r"|^(please )?send the .*\b(on|to) day\s*\d+ instead\b"
           r"|^(?:please |ok |actually )*(?:send|make) (?:the|that|this) (?:\w+ ){0,3}?(?:one|email|step|message|reminder)\b.*\b(?:after|in) \d+\s*(?:h|hours?|days?)\b.*\binstead\b"
           r"|\b(should|must|needs to|has to) (go out|be sent|go|arrive)\b.*\b(straight away|right away|immediately|at once|day \d+"
           r"|\d+ (h|hours?|days?))|\b(should|must|needs to|has to) be (on )?day\s*\d+\b"
           r"|^(please )?(can you )?make (the|that|this|it)\b.*\b(go out|go|be sent|arrive|send) (on|to) day\s*\d+"
           r"|^(please )?(can you )?make (the|that|this|it)\b.*\b(go out|go|be sent|arrive|send) (after|in) \d+\s*(h|hours?|days?)\b"
           # "reminder after an hour instead": a step named, its new time, and "instead"
           r"|^(?:the |that |this )?(?:\w+ ){0,2}?(?:one|1|email|step|message|reminder|reviews?|discount)\b.*\b(?:after|in|on) (?:\d+\s*(?:h|hours?|days?)|day \d+)\b.*\binstead\b"
           r"|^(?:please |ok |actually )*(?:send|make|have) (?:the|that|this) (?:\w+ ){0,3}?(?:one|email|step|message|reminder)\b.*\b\d+\s*(?:h|hours?|days?) (?:after|later)\b"
           r".*\b(?:instead|not|rather than)\b", 232, move_step),
    Intent(r"^(please |actually |ok |okay |so |and |hmm,? |also |now |no,? )*(can you |could you |can we |could we |let's )?(make|change|set|bump|raise|lower|give|update|"
           r"drop|increase|reduce|swap|switch|put)\b.*\d+\s*%(?!.*\b(?:held? ?out|holdout|control)\b)|^(and |ok |so |actually )*(make|change|bump|set|up) (it|that|the discount|the offer) (to )?\d{1,2}( percent| off| instead)*$|\bday \d+ (should|will|must|needs to|has to) (be|have|get|give)\b.*\d+\s*%"
           r"|^(please |ok |so |and |also )*(bump|raise|lower|drop|increase|reduce|change|set|make|up)\b.*\b(discount|offer)\b.*\bto \d{1,2}\b"
           r"(?!\s*(days?|hours?|h|d|weeks?|am|pm))", 160,
           change_discount, unless=r"\b(?:make|create|build|set up) (?:me |us )?(?:a|an|new)\b|\b(sequence|flow|campaign|series) for\b"),
    Intent(rf"^(please |ok |actually )?(also |and )?({EXCLUDE_VERBS})\b", 150, audience_edits.exclude_countries),
    # "exclude people who bought in the last 30 days from this campaign": over a look at them (how_many)
    Intent(audience_edits.EXCLUDED_PEOPLE.pattern, 159, audience_edits.exclude_countries),
    Intent(r"^(please |ok |actually |but |and |also |so )*(only|just|limit (it |this |them |the audience |the segment )?to"
           r"|restrict (it |this |them |the audience )?to|narrow (it |this |them |the audience )?(down )?to|target)\b"
           r"|\b(only )?(send|email|target) (this|it|them|these) (only )?to\b|^(please |ok |so )*make it\b.*\bonly\b"
           r"|\bonly (send|target|email|go) to\b|^keep (it|this|this one|that|them|the audience) (to|for)\b"
           r"|^(?:the )?[a-z][a-z ,&/.-]{1,40} only[.!]*$", 155, audience_edits.narrow_audience),
    Intent(audience_edits.PLACES_ONLY.pattern, 157, audience_edits.place_list),
    Intent(condition_edits.WINDOW_EDIT.pattern, 158, condition_edits.change_window),
    Intent(condition_edits.DROP_CONDITION.pattern, 241, condition_edits.drop_condition),
    Intent(follow_ups.OFFER_OFF.pattern, 237, follow_ups.remove_offer),
    Intent(r"\b(?:should be|needs to be|to be|into|becomes?)\b.*\b(?:not|instead of|rather than)\b"
           r"|^(?:please |ok |actually |and |also |no,? )*(?:make|turn|switch|change)\b.*\b(?:into|to|be|a|an)\s+(?:a |an |plain |simple |normal )*"
           r"(?:reminder|reviews?|social proof|discount|coupon|offer|welcome|win.?back)\b(?:\s+(?:email|one|instead))*[.!]*$"
           r"|^(?:please |ok |actually |and |also |no,? )*(?:make|turn|switch|change)\b.*\b(?:instead of|rather than)\b", 236, follow_ups.change_kind),
    Intent(HOLDOUT.pattern + "|" + NO_HOLDOUT.pattern + r"|\b\d{1,2}\s*percent\s+hold\s*-?\s*out\b", 239, follow_ups.set_holdout,
           unless=r"\b(?:build|create|set up|setup|make me|new)\b.*\b(?:sequence|flow|series|campaign|win.?back|welcome)\b"),
    Intent(follow_ups.MOVE_OFFER_TO.pattern, 238, follow_ups.move_offer),
    # "redo the welcome emails in a more playful tone": the thread's campaign's copy, over a new welcome series
    Intent(TONE_EDIT.pattern, 242, change_tone,
           unless=r"^(?:please )?(?:can you )?(?:draft|write|compose|create|build|make me|set up|send)\b(?! (?:it|them|those|these|the \w+ emails?|that|this)\b)"),
    # "the email needs to say free shipping on every order this weekend": the step's words, over an order summary
    Intent(SAY_EDIT.pattern, 243, change_words),
    # "only for orders over 100 dollars" in a campaign's thread: its audience, over an order summary
    Intent(r"^(?:ok |and |but |so )*(?:only|just) (?:for |to )?(?:orders|buyers|purchases|people|customers|those|ones|shoppers)\b"
           r".*\b(?:over|above|under|below|more than|less than|at least)\b", 195, audience_edits.narrow_audience),
    Intent(r"\b(change|set|switch|make|update|replace)\b.*\baudience\b.*\b(to|be|is|as)\b|^(?:please |ok |actually |so )*make the audience\b"
           r"|^(no|nope|not quite|wrong|not that)\b[\s,.:;-]+|^(what|how) about\b"
           r"|\b(make it|send it to|switch (it )?to|change (it )?to|widen (it )?to|broaden (it )?to|expand (it )?to|open (it )?up to"
           r"|(?:it|the audience|this|that) (?:should|must|needs to|has to) (?:only )?(?:be|go to|target|reach)(?: only)?) (people|customers|contacts|subscribers|shoppers|buyers|anyone|everyone|those"
           r"|folks|users)\b.*\b(who|that|in|from|with)\b", 258, audience_edits.replace_audience),
    Intent(r"\b(split|a/?b)[- ]?test\b|\bsubject\b.*\b(vs\.?|versus)\b|\btest (two|2) subjects?\b", 276, subject_test),
    Intent(r"\bwelcome\b.*\b(sign.?ups?|signed up|subscribers|joined|registered|new (customers|contacts|people|members))\b"
           r"|\b(sign.?ups?|signed up|subscribers|joined|registered)\b.*\bwelcome\b"
           r"|\bwelcome (series|sequence|flow|emails|journey|drip|automation|campaign)\b", 145, welcome_sequence,
           unless=r"^(please )?(can you )?(draft|write|compose)\b|\bhow many\b|" + SHOW_WORDS + "|" + AD_HEAD),
    Intent(r"post.?purchase|\bafter (they|someone|a customer|customers|people) (order|buy|purchase)|thank.?you (email|series|sequence|flow)"
           r"|\breview requests?\b|\bask (them |customers |buyers )?for (a )?reviews?\b|" + broadcasts.FLOW_FOR_BUYERS, 147, broadcasts.post_purchase,
           unless=SHOW_WORDS + r"|\b(draft|write|compose)\b|^(please )?(can you )?(send|email) (a|an|one)\b|" + AD_HEAD),
    Intent(r"\b(one|1).?off\b|\b(blast|broadcast|newsletter)\b.*\b(to|for)\b|\b(send|email|mail|build|create|make|set up|setup|schedule)\b.*\b(one|1|an?|single) (?:[\w%-]+ ){0,3}"
           r"(email|newsletter|message|coupon|offer|discount|code|reminder|announcement|promo|promotion|update|note|blast|request|thank.?you)\b.*\b(to|for)\b|\b(one|1|single) email\b|^(please )?email (everyone|everybody|all|the|our|people"
           r"|customers|subscribers|contacts|anyone)\b|^(please )?(send|email) (everyone|everybody|all (our )?\w+) "
           r"|^(?:please |can you |let's |lets )?(?:announce|promote)\b.*\b(?:to|for)\b"
           r"|^(?:an? )?(?:announcement|newsletter|email blast|promo email)\s+(?:\w+\s+){0,4}?to\b"
           r"|^(?:please |ok |now |so )?(?:send|email) (?:them|those people|these people|that group) (?:an? |one )?(?:email|newsletter|announcement|message|note)\b"
           # "send our VIPs early access to the holiday sale tomorrow": one email to a group
           r"|^(?:please |ok |now |so )?(?:send|email) (?:our|all our|all|the) (?:vips?|superfans?|fans|loyalists|regulars|insiders|members|subscribers"
           r"|customers|buyers|shoppers|[\w-]+ (?:customers|buyers|shoppers))\b(?! (?:who|that|in|from|with)\b)", 142,
           broadcasts.one_off, unless=SHOW_WORDS + r"|\b(sequence|flow|series|drip|automation|abandonment|win.?back)\b|\bday \d+"),
    Intent(r"\b(draft|write|compose)\b.*\b(email|newsletter|mail)\b", 140, draft_email,
           unless=r"sequence|flow|series|emails"),
    Intent(r"\b(export|upload|retarget|custom audience|customer list|customer match)|\bhashed (list|emails|file)"
           r"|\b(push|send|sync|share|upload|get)\b.*\bto (google|meta|facebook|instagram|fb)\b(?!.*\b(ad copy|headlines?)\b)"
           r"|\bas an? (custom )?audience\b|\b(list|audience|file) .*\bfor (facebook|meta|google|instagram|fb) ads\b",
           130, export_audience),
    Intent(r"\b(push|move|change|reschedule|shift|delay|send|set|make|bring)\b.*\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday"
           r"|tomorrow|tonight|\d{1,2}(:\d{2})?\s*(am|pm)|at \d{1,2}(:\d{2})?)\b"
           # "saturday at 10am please" on its own in a one-off's thread: its new send time
           r"|^(?:(?:on|this|next) )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow)(?: (?:at )?\d{1,2}(?::\d{2})?\s*(?:am|pm)?"
           r"| (?:morning|afternoon|evening|noon))?(?: instead| then| please)*[.!]*$", 239, change_send_time),
    Intent(r"\b(same|that|it|this|these|them|those|one)\b.*\b(for|on) (google|meta|facebook|instagram|fb|linkedin|display|rsa)\b"
           r"|^(now |and |also )?(for|on) (google|meta|facebook|instagram|fb|linkedin)\b"
           r"|^(?:and |now |ok |also |do |same for |same on )*(?:(?:google display|google search|google|meta|facebook|instagram|fb|linkedin)(?:\s*,\s*|\s+and\s+|\s*&\s*|\s+plus\s+)?)+"
           r"(?:\s*(?:too|as well|also|next|please|pls))?[?!.]*$"
           r"|^(?:same|do one|one|another one|and one) (?:for|on) ", 125, ad_again),
    Intent(r"\b(ad copy|ads?\b|headline|rsa\b|linkedin|facebook post)", 120, draft_ad_copy, unless=r"^(?!" + AD_HEAD[1:] + r").*\b(?:sequence|flow)\b",
           # "write a google ad to retarget ...": writing an ad is ad copy, over the export (130)
           cues=(AD_WORDS, (r"^(?:please |can you |could you |pls )?(?:write|draft|compose|give me|create|make|need|i need)\b(?: me| us)?"
                            r"(?: an?| some| the)?(?: \w+){0,3} ads?\b(?! (?:audience|list|export))", 20))),
    Intent(r"\bhow many\b|\bcount\b|\bnumber of\b|\bsize of\b|\bhow big\b|\baudience size\b|\bhow large\b|" + audiences.WHO_GETS_IT, 110, how_many),
    # "reschedule" a paused campaign is resuming it (bot.engine.planner.campaigns.restart)
    Intent(r"\b(reschedule|relaunch|re-launch|go live again)\b", 101, restart),
    Intent(r"\b(schedule|go live|launch|activate|start sending|kick (?:it |this |that )?off|put (?:it |this |that )?live)\b|\b(turn|switch) (it|this|that|the \w+) on\b(?! again)", 100,
           tool="schedule_campaign",
           reading="schedule campaign {campaign}", unless=r"what'?s scheduled|what is scheduled|scheduled\?|" + BUILD_FIRST),
    Intent(r"\b(pause|halt|freeze)\b|\bon hold\b|\bhold off\b|\b(turn|switch) (it |this |that |the \w+ )*(off)\b|\bstop sending\b", 95,
           tool="pause_campaign", ask=CAMPAIGN_VERB.format(verb="pause"),
           reading="pause campaign {campaign}", unless=BUILD_FIRST),
    Intent(BACK_ON, 91, back_on),
    Intent(BACK_ON + r"|\bstart (it|this|that|them) (up )?again\b|\bbring (it|this|that) back\b|\bturn (it|this|that) on again\b", 90,
           tool="resume_campaign", ask=CAMPAIGN_VERB.format(verb="resume"),
           reading="resume campaign {campaign}", unless=BUILD_FIRST),
    Intent(r"\b(cancel|kill)\b|^stop\b|\bshut (it |this |that |the \w+ )*(down|off)\b|\b(for good|permanently)\b", 90,
           tool="cancel_campaign", ask=CAMPAIGN_VERB.format(verb="cancel"),
           reading="cancel campaign {campaign}", unless=BUILD_FIRST),
    Intent(r"checkout abandon\w* (sequence|flow|series|emails?|campaign)|abandon\w*.*cart|cart.*abandon"
           # "people who started checkout in the last 2 days but never finished: reminder after 6 hours, ..."
           r"|^(?:people|customers|shoppers|anyone|folks|those)\s+who\s+(?:started|began|got to|reached|added)\b[^:]*\b(?:check.?out|cart|basket)\b[^:]*:"
           r"|cart (recovery|sequence|flow|reminder|emails?)|abandoned.?checkout|left .*(in|items in) (their|the) cart"
           r"|\b(sequence|flow|series|emails|automation|drip)\b.*\b((added|add|put)\w* (\w+ )?(to|in|into) (the |their )?(cart|basket)"
           r"|(started|start|began) (the )?check.?out)",
           80, cart_sequence, cues=(SEQUENCE_WORDS,), unless=SHOW_WORDS + r"|\bbrows\w* abandon|" + AD_HEAD),
    Intent(r"brows\w* abandon|browse|viewed .*(didn't|did not|but not|without) (buy|purchas|order)", 70,
           browse_sequence, cues=(SEQUENCE_WORDS,), unless=SHOW_WORDS + "|" + AD_HEAD),
    Intent(r"win.?back|win (?:them|those|these|'?em|those people) back|re-?engage|lapsed|come back|(haven't|have not) (ordered|bought|purchased)", 60,
           winback_sequence, cues=(SEQUENCE_WORDS,), unless=SHOW_WORDS + r"|\bon hold\b|\b(pause|resume|cancel|approve|reject|schedule)\b|" + AD_HEAD),
    Intent(r"\b(create|save|make|build|define|new)\b.*\bsegment\b", 50, create_segment),
    # "save that as uk_whales": the audience just counted, kept under that name
    Intent(r"^(?:please |ok |so |and |now )*(?:save|keep|store) (?:that|this|them|those|these|it)(?: people| audience| list| group)? as ['\"]?[\w-]+['\"]?\s*[.!]*$",
           294, create_segment),
    # "replace uk_whales with uk customers who ...", "uk_whales should be ...": a saved segment redefined
    Intent(audiences.REDEFINED.pattern, 296, audiences.redefine_segment),
    # "create a segment named X: ...", "save that as a segment called X": a segment, whatever its words say
    Intent(r"^(?:please |ok |so |and |now )*(?:can you |could you )?(?:create|save|make|build|define|add)\b(?: (?:that|this|them|those|it)(?: as)?)?"
           r" (?:a |an |the |new |as a |as an )*(?:new )?segment\b", 295, create_segment,
           unless=r"\b(campaign|sequence|flow|series|email|emails|newsletter|export)\b"),
    Intent(r"\b(preview|show|describe|who is in)\b.*\bsegment\b", 40, preview_named_segment),
    Intent(r"\b(create|make|new)\b.*\b(email|newsletter|mail)\b", 30, draft_email),
    Intent(r"what'?s (currently |now |still |actually )?(scheduled|running|live|active|sending|going out|on)\b"
           r"|what is (currently |now )?(scheduled|running|live|sending)|what (have|do) (we|i) (got |have )?(scheduled|running|live|going out)"
           r"|\b(anything|what) (going out|scheduled|queued)\b"
           r"|list (the |my |all )?campaigns|(active|running|scheduled) campaigns"
           r"|show (me )?(the )?campaigns"
           # "show me everything that's been cancelled", "what's paused at the moment?"
           r"|^(?:can you |please )?(?:show|list|give)(?: me| us)? (?:everything|anything|all|whatever)(?: that)?(?:'s| is| has| was| we've| we have)?"
           r"(?: been| got| currently| now)* (?:paused|cancell?ed|stopped|killed|finished|live|active|running|pending|waiting)\b"
           r"|^what(?:'s| is| has| got)(?: been| currently| now)* (?:paused|cancell?ed|stopped|killed|finished|pending)\b"
           # "what campaigns do we have?", "what's waiting for approval"
           r"|^(?:what|which) (?:campaigns|flows|sequences)(?: do| have| are)?(?: we| i)?(?: got| have| running| set up)?\b"
           r"|^what(?:'s| is| are)(?: still)? (?:waiting|awaiting|pending)(?: for)?(?: (?:approval|sign.?off|review))?\b", 20, campaign_list),
    Intent(r"\b(how did|how is|how are|how's|results?|report|performance|stats|revenue|conversions?|roi)\b", 10, report),
]

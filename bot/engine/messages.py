"""Every sentence Nudge says to a person when something goes wrong, or to explain itself.

Listeners, the conversation engine and the console take their wording from here so the tone is
consistent, and secrets can never slip in through an f-string built at the call site: values
interpolated here are ids, counts and names, never tokens or keys.
"""

from __future__ import annotations

MAX_REQUEST_CHARS = 4000

WORKING = "Working on it..."
EMPTY_REQUEST = "You mentioned me without a request. Here is what I can do:"
UNKNOWN_REQUEST = "I didn't understand that request. Here are things I can do:"
NOT_APPROVER = (
    "Only approvers listed in NUDGE_APPROVERS may {action}. I have noted your attempt; "
    "ask one of them to click the button."
)
WRONG_WORKSPACE = "This Nudge installation serves another Slack workspace."
UNKNOWN_ACTION = "That button is not one I know ({action_id}); the message may be out of date."
MALFORMED_ACTION = "That button carried no valid draft or campaign id; please ask me again."
DRAFT_MISSING = "Draft {draft_id} no longer exists; ask me to show the campaign again."
INTERNAL_ERROR = (
    "Something went wrong on my side while handling that ({kind}); nothing was changed. "
    "Please try again, and tell your Nudge admin if it keeps happening."
)
MODEL_UNAVAILABLE = (
    "The language model did not answer ({kind}); nothing was changed. Try again, or unset "
    "OPENAI_API_KEY / OPENAI_BASE_URL to use the offline planner."
)
STEP_LIMIT = (
    "I stopped after {steps} steps without finishing; nothing more will run. Try a simpler, "
    "more specific request."
)
NOTHING_TO_REFER = (
    "I don't see a campaign in this thread to change. Build one first, e.g. "
    "\"build an abandoned-cart sequence\"."
)
ALREADY_EVERYWHERE = (
    "Campaign {campaign}'s audience has no place condition, so it already includes contacts in "
    "{places} (and everywhere else); nothing changed. Say \"make it {places} only\" to limit it to them."
)
WHICH_CONDITION = (
    "Which condition of campaign {campaign}'s audience should go? Say e.g. \"drop the $100 minimum\", "
    "\"remove the country filter\" or \"drop the exclusion\"."
)
NO_SUCH_CONDITION = "Campaign {campaign}'s audience has no {what} to drop; nothing changed."
SEGMENT_WORDS_UNREAD = (
    "I can't tell who {words} are, so nothing was saved. Say it in conditions, e.g. \"save uk customers who "
    "spent over 1000 in total as a segment called uk_whales\"."
)
NO_PLAIN_FILE = (
    ". I don't write plain files of people's details: audiences leave Nudge only hashed for Google or Meta "
    "(say \"export them to meta\"), and one person's data with \"export everything we hold on <email>\". Here is the count"
)
SEQUENCE_HAS_NO_SEND_TIME = (
    "Campaign {campaign} is a sequence: each email goes a number of days after a contact enters, so it has no one "
    "send time to move. Move a step instead, e.g. \"move the day 3 email to day 4\"; a one-off's time moves with \"push the send to monday 8am\"."
)
STEP_NOT_FOUND = "{campaign} has no {what}; its steps are {days}."
EDIT_EMPTY_FIELD = "The {field} can't be empty."
REJECT_NEEDS_REASON = "Please give a reason so the writer knows what to change."
PLAN_FAILED = "I couldn't finish that: {error}\nNothing from this request was saved."


NOT_IN_CHANNEL = (
    "I can't post in this channel yet. Invite me with `/invite @nudge`, or send me a direct message."
)

# Questions back when a request lacks a part the planner needs.
ASK_AUDIENCE = (
    "Which audience? For example: \"how many people abandoned a cart in the last 24 hours?\", \"how many customers in Germany spent over 500?\""
)
ASK_SEGMENT = (
    "Tell me a name and who is in it, e.g. \"create a segment called vip of customers who spent over 500\"."
)
ASK_AD_PLATFORM = (
    "For which platform? I write ad copy for google (search or display), meta and linkedin, e.g. \"write meta ad copy for our summer sale\"."
)
ASK_EXPORT_PLATFORM = (
    "Export for which platform: meta or google? e.g. \"export the cart abandoners to meta\"."
)
ASK_RULE = (
    "Say the cap or the quiet hours, e.g. \"at most 2 emails per week\" or \"quiet hours 21:00 to 08:00\"."
)
ASK_WHOM_EXPLAIN = (
    "Whom do you mean? Give their email or user id, e.g. \"why didn't jo@example.com get the day 3 email?\""
)
ASK_WHOM_FORGET = (
    "Whom should I forget? Give their email or user id, e.g. \"forget jo@example.com\"."
)
ASK_CAMPAIGN = "Which campaign? Say e.g. \"{verb} campaign 3\", or ask \"what's scheduled?\" to see them."
ASK_CAMPAIGN_EXPLAIN = (
    "Which campaign? e.g. \"why didn't {who} get campaign 3?\" (ask \"what's scheduled?\" to see them)."
)


def too_long(length: int) -> str:
    return (
        f"That message is {length:,} characters long; I read requests of up to "
        f"{MAX_REQUEST_CHARS:,}. Please shorten it to the request itself."
    )


def not_approver(action: str) -> str:
    return NOT_APPROVER.format(action=action)


CANCELLED = "Cancelled by <@{user}>: proposal {proposal_id} will not run. Nothing was changed."
CONFIRMED = "Confirmed by <@{user}>: "
PROPOSED = "{summary}\nThis needs your confirmation: press Confirm to go ahead or Cancel to drop it (it expires in 30 minutes)."
ASK_YES = "{summary}\nNothing was done. Run the same command again with --yes to go ahead."


def proposed(summary: str) -> str:
    return PROPOSED.format(summary=summary)


def not_done(error: Exception) -> str:
    return f"Not done: {error}"

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
STEP_NOT_FOUND = "This thread's campaign has no step on day {day}; its steps are on days {days}."
EDIT_EMPTY_FIELD = "The {field} can't be empty."
REJECT_NEEDS_REASON = "Please give a reason so the writer knows what to change."
PLAN_FAILED = "I couldn't finish that: {error}\nNothing from this request was saved."


def too_long(length: int) -> str:
    return (
        f"That message is {length:,} characters long; I read requests of up to "
        f"{MAX_REQUEST_CHARS:,}. Please shorten it to the request itself."
    )


def not_approver(action: str) -> str:
    return NOT_APPROVER.format(action=action)
CAMPAIGN_LIVE = (
    "Campaign {campaign_id} is already {status}; I won't change it while it runs. Pause or cancel "
    "it, then ask me to build a new one."
)
NOT_IN_CHANNEL = (
    "I can't post in this channel yet. Invite me with `/invite @nudge`, or send me a direct message."
)

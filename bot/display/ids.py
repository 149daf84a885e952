"""Block Kit identifiers shared by the builders, the listeners and the tests.

Every `action_id`, `callback_id` and `block_id` Nudge puts in a message or modal is named here
once, so `bot/display/blocks.py` builds payloads and `bot/slack/actions.py` / `bot/slack/views.py`
listen for exactly the same strings, and tests can build click payloads from them.
"""

from __future__ import annotations

APPROVE = "nudge_approve"
EDIT = "nudge_edit"
REJECT = "nudge_reject"
SCHEDULE = "nudge_schedule"
CONFIRM = "nudge_confirm"
CANCEL = "nudge_cancel"
ACTION_IDS = (APPROVE, EDIT, REJECT, SCHEDULE, CONFIRM, CANCEL)

EDIT_VIEW = "nudge_edit_view"
REJECT_VIEW = "nudge_reject_view"

SUBJECT_BLOCK = "nudge_subject"
SUBJECT_INPUT = "subject"
PREHEADER_BLOCK = "nudge_preheader"
PREHEADER_INPUT = "preheader"
BODY_BLOCK = "nudge_body"
BODY_INPUT = "body"
REASON_BLOCK = "nudge_reason"
REASON_INPUT = "reason"

ACTIONS_BLOCK_PREFIX = "nudge_actions_"
SCHEDULE_BLOCK = "nudge_schedule_actions"
PROPOSAL_BLOCK_PREFIX = "nudge_proposal_"

SLASH_COMMAND = "/nudge"

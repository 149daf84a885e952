"""Who is in a campaign's control group: the one rule the scheduler enrols by and the preflight
counts by, so "how many would this reach" already leaves the holdout out.

The choice is deterministic by (campaign, contact): the same person is always in or out of the
control group, however often they enter, and no table of assignments is needed.
"""

from __future__ import annotations

import hashlib


def in_holdout(campaign_id: int, contact_id: int, percent: float) -> bool:
    """Whether the contact is in the campaign's control group of `percent`% (gets no email)."""
    if percent <= 0:
        return False
    digest = hashlib.sha256(f"holdout:{campaign_id}:{contact_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 10000 < percent * 100

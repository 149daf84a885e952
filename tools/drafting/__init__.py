"""tools.drafting.drafts."""

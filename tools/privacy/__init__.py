"""tools.privacy.rights."""

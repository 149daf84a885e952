"""Prompt and template files (data, not code), read through `prompts.loader`."""

"""Tests for Nudge; see tests/conftest.py for the shared fixtures."""

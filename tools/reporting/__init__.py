"""tools.reporting.report."""

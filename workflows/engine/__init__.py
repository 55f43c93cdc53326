"""SpiffWorkflow adapter: the only code that imports SpiffWorkflow (STYLE P8)."""

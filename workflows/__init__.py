"""Executive workflow use cases (plain Python, no Flask)."""

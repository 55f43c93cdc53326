"""Full-text search over documents: Vietnamese analysis, one index interface,
three engines (SQLite FTS5, PostgreSQL full-text search, Whoosh).

Every engine receives text already analysed by ``analysis`` (folded for the
default mode, lower-cased with diacritics for the exact mode) and queries
already parsed by ``query``, so "quyet dinh" means the same thing on all three.
"""

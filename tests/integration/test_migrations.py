"""The migrations build exactly the schema the models describe, on both backends."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db
from archive.db import Base
from archive.models import AuditHead, DocumentType


# The full-text engines' own word tables are made by migration 0004 in SQL the
# models cannot express (an FTS5 virtual table, tsvector columns with GIN indexes).
WORD_TABLES = ("search_fts", "search_vectors")


def _not_a_word_table(diff) -> bool:
    table = getattr(diff[1], "name", "") if diff[0] == "remove_table" else \
        getattr(getattr(diff[1], "table", None), "name", "")
    return not table.startswith(WORD_TABLES)


def test_migrated_schema_matches_the_models(app):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if _not_a_word_table(d)] == []


def test_migration_seeds_document_types_and_the_audit_head(app):
    assert db.session.get(DocumentType, "QYD").abbreviation == "QyĐ"
    assert db.session.get(AuditHead, 1) is not None

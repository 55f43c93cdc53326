"""The migrations build exactly the schema the models describe, on both backends."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db
from archive.db import Base
from archive.models import AuditHead, DocumentType


def test_migrated_schema_matches_the_models(app):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_migration_seeds_document_types_and_the_audit_head(app):
    assert db.session.get(DocumentType, "QYD").abbreviation == "QyĐ"
    assert db.session.get(AuditHead, 1) is not None

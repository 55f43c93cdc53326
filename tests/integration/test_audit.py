"""The audit log is a hash chain: any edit or deletion is detected."""
from __future__ import annotations

from sqlalchemy import delete, select, text, update

from app.extensions import db
from archive import audit
from archive.models import AuditEntry


def _write(n: int) -> None:
    for i in range(n):
        audit.record(db.session, actor_id=None, actor_name="test", action="view",
                     object_type="document", object_id=i, details={"i": i, "text": "Đã xem"})
    db.session.commit()


def _verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_untouched_log_verifies(app):
    _write(5)
    report = audit.verify_chain(db.session)
    assert report.ok and report.entries > 5  # demo set-up entries + ours
    result = _verify(app)
    assert result.exit_code == 0 and "chuỗi băm khớp" in result.output


def test_edited_entry_is_detected(app):
    _write(5)
    last = db.session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()))
    db.session.execute(update(AuditEntry).where(AuditEntry.seq == last - 2)
                       .values(actor_name="someone-else"))
    db.session.commit()
    report = audit.verify_chain(db.session)
    assert not report.ok and f"entry {last - 2}: content was changed" in report.problems[0]
    assert _verify(app).exit_code == 1


def test_edited_details_are_detected(app):
    _write(3)
    last = db.session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()))
    db.session.execute(text("UPDATE audit_log SET details = :d WHERE seq = :s"),
                       {"d": '{"i": 99, "text": "Đã xem"}', "s": last})
    db.session.commit()
    assert not audit.verify_chain(db.session).ok


def test_deleted_entry_in_the_middle_is_detected(app):
    _write(5)
    last = db.session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()))
    db.session.execute(delete(AuditEntry).where(AuditEntry.seq == last - 1))
    db.session.commit()
    problems = audit.verify_chain(db.session).problems
    assert any("missing" in p for p in problems)


def test_deleted_last_entry_is_detected(app):
    _write(5)
    last = db.session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()))
    db.session.execute(delete(AuditEntry).where(AuditEntry.seq == last))
    db.session.commit()
    problems = audit.verify_chain(db.session).problems
    assert any("written" in p for p in problems)
    assert _verify(app).exit_code == 1

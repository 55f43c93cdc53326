"""The incoming register list at 100,000 documents: load time, latency, plans.

Why: the register (sổ đến) is the page clerks and leaders open all day, and a
provincial department reaches 100,000 incoming documents within a few years.
Every request runs a COUNT over the visible rows plus one sorted page, and
the visibility rule adds an EXISTS on ``document_access``; both are cheap on
the demo data and can turn into full scans at this size. This measures the
API (``GET /api/v1/incoming``, Flask test client, bearer token) for a clerk
who sees everything and for a specialist who sees only what was routed to
them, and saves PostgreSQL's EXPLAIN ANALYZE of the statements the use case
builds, so a slow spot comes with its plan.

    .venv/bin/python bench/bench_register_list.py                 # PostgreSQL
    .venv/bin/python bench/bench_register_list.py --backend sqlite
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

SUBJECT_HEADS = ["V/v", "Về việc", "Kế hoạch", "Quyết định về việc", "Thông báo", "Báo cáo",
                 "Hướng dẫn", "Giấy mời họp về"]
SUBJECT_TOPICS = [
    "tổ chức các hoạt động văn hóa, văn nghệ", "kiểm tra công tác văn thư, lưu trữ",
    "phát triển du lịch cộng đồng", "tổ chức Đại hội Thể dục thể thao các cấp",
    "bảo tồn và phát huy giá trị di sản văn hóa", "xây dựng gia đình văn hóa, khu dân cư văn hóa",
    "quản lý và tổ chức lễ hội truyền thống", "tuyên truyền phòng, chống bạo lực gia đình",
    "thẩm định dự án tu bổ di tích", "cấp giấy phép kinh doanh dịch vụ lữ hành",
    "giải ngân vốn đầu tư công", "thi đua, khen thưởng", "cải cách hành chính",
    "chuyển đổi số trong ngành văn hóa, thể thao và du lịch",
    "phòng cháy, chữa cháy tại các cơ sở lưu trú du lịch", "tuyển chọn vận động viên năng khiếu"]
SUBJECT_TAILS = ["năm {y}", "quý I năm {y}", "6 tháng đầu năm {y}", "trên địa bàn tỉnh Demo",
                 "tại huyện Miền Núi", "giai đoạn 2026-2030", ""]
ISSUERS = [("UBND-VX", "Ủy ban nhân dân tỉnh Demo"), ("BVHTTDL-VP", "Bộ Văn hóa, Thể thao và Du lịch"),
           ("SNV-VTLT", "Sở Nội vụ tỉnh Demo"), ("STC-QLNS", "Sở Tài chính tỉnh Demo"),
           ("SKHĐT-TH", "Sở Kế hoạch và Đầu tư tỉnh Demo"), ("UBND", "Ủy ban nhân dân huyện Miền Núi"),
           ("TCDL-LH", "Cục Du lịch Quốc gia Việt Nam"), ("CAT-PC07", "Công an tỉnh Demo")]
TYPES = ["CV"] * 6 + ["QD", "KH", "TB", "BC", "HD", "GM", "TTR"]
URGENCY = ["normal"] * 80 + ["urgent"] * 14 + ["very_urgent"] * 5 + ["flash"]
SECRECY = ["normal"] * 975 + ["confidential"] * 20 + ["secret"] * 5
STATUS = ["registered"] * 30 + ["assigned"] * 30 + ["in_progress"] * 20 + ["done"] * 20


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    p.add_argument("--documents", type=int, default=100_000)
    p.add_argument("--batch", type=int, default=5_000)
    p.add_argument("--reps", type=int, default=30)
    p.add_argument("--pg-options", default="",
                   help='libpq options for the app\'s connections, e.g. "-c jit=off"')
    p.add_argument("--keep", action="store_true", help="keep the database; print its URL")
    p.add_argument("--no-results", action="store_true", help="do not touch RESULTS.md")
    return p.parse_args()


def document_rows(n: int, year: int, org_id: int, reg_id: int, clerk_id: int):
    """``n`` incoming documents of ``year``, numbered 1..n in order of arrival."""
    from archive.models import Document
    from archive.text import fold
    from workflows import incoming
    code_key = getattr(incoming, "code_key", None)  # the searchable "15/qd-ubnd" column
    has_code_folded = code_key is not None and "code_folded" in Document.__table__.c
    rng, start = random.Random(2026), date(year, 1, 1)
    for i in range(n):
        arrival = start + timedelta(days=i * 365 // n)
        issuer_notation, issuer = rng.choice(ISSUERS)
        subject = " ".join(filter(None, [rng.choice(SUBJECT_HEADS), rng.choice(SUBJECT_TOPICS),
                                         rng.choice(SUBJECT_TAILS).format(y=year)]))
        code = SimpleNamespace(code_number=str(rng.randint(1, 3000)),
                               code_notation=issuer_notation, issuer_name=issuer)
        row = {"organization_id": org_id, "direction": "incoming", "register_id": reg_id,
               "arrival_number": i + 1, "arrival_date": arrival,
               "code_number": code.code_number, "code_notation": code.code_notation,
               "issued_date": arrival - timedelta(days=rng.randint(0, 10)),
               "issuer_name": issuer, "issuer_organ_id": None,
               "document_type": rng.choice(TYPES), "subject": subject,
               "signer_position": "Giám đốc", "signer_name": "Nguyễn Văn A", "page_count": 2,
               "urgency": rng.choice(URGENCY), "confidentiality": rng.choice(SECRECY),
               "due_date": arrival + timedelta(days=15) if rng.random() < 0.3 else None,
               "recipients": None, "channel": rng.choice(["paper", "email", "exchange"]),
               "notes": None, "status": rng.choice(STATUS),
               "dup_key": incoming.duplicate_key(code), "subject_folded": fold(subject),
               "created_by_id": clerk_id,
               "created_at": datetime.combine(arrival, dtime(2), tzinfo=timezone.utc)}
        if has_code_folded:
            row["code_folded"] = code_key(code.code_number, code.code_notation)
        yield row


def bulk_load(n: int, batch: int, year: int) -> dict[str, float]:
    """Insert the documents and their access grants with Core; return timings (s)."""
    from sqlalchemy import insert, literal, select, text, update
    from app.extensions import db
    from archive import directory, registers
    from archive.models import Document, DocumentAccess, Register, UTCDateTime
    clerk = directory.find_staff(db.session, "vanthu")
    routed = {directory.find_staff(db.session, u).id: k
              for u, k in (("chuyenvien.vh", 200), ("truongphong.vh", 50))}
    reg = registers.get_or_create_default(db.session, clerk.organization_id, "incoming", year,
                                          False)
    db.session.commit()
    timings, start = {}, time.perf_counter()
    rows = document_rows(n, year, clerk.organization_id, reg.id, clerk.id)
    with db.engine.connect() as conn:
        while chunk := [r for _, r in zip(range(batch), rows)]:
            conn.execute(insert(Document.__table__), chunk)
            conn.commit()
        timings["documents"] = time.perf_counter() - start
        now = literal(datetime.now(timezone.utc), UTCDateTime)
        grants = [(clerk.id, "registered", 1)] + [(sid, "routed", k) for sid, k in routed.items()]
        for staff_id, reason, every in grants:  # what registration and routing write
            conn.execute(insert(DocumentAccess.__table__).from_select(
                ["document_id", "staff_id", "reason", "granted_at"],
                select(Document.id, literal(staff_id), literal(reason), now).where(
                    Document.register_id == reg.id, Document.arrival_number % every == 0)))
        conn.execute(update(Register).where(Register.id == reg.id).values(
            last_number=n, last_arrival_date=date(year, 12, 31)))
        conn.commit()
        timings["access grants"] = time.perf_counter() - start - timings["documents"]
        t = time.perf_counter()
        conn.execute(text("ANALYZE"))  # what autovacuum / PRAGMA optimize would do soon
        conn.commit()
        timings["analyze"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - start
    return timings


def time_queries(client, token: str, queries: list[tuple[str, str]], reps: int) -> list[dict]:
    headers = {"Authorization": f"Bearer {token}"}
    results = []
    for name, qs in queries:
        for _ in range(2):  # warm-up: connection pool, statement caches
            resp = client.get(f"/api/v1/incoming?{qs}", headers=headers)
        assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
        samples = []
        for _ in range(reps):
            t = time.perf_counter()
            resp = client.get(f"/api/v1/incoming?{qs}", headers=headers)
            samples.append((time.perf_counter() - t) * 1000)
        body = resp.get_json()
        results.append({"name": name, "total": body["total"], "rows": len(body["items"]),
                        "p50": common.percentile(samples, 50),
                        "p95": common.percentile(samples, 95)})
    return results


def explain(backend: str, username: str, name: str, q: str | None, suffix: str = "") -> str:
    """Plan of the count and the page statement ``list_incoming`` runs; saved to bench/out."""
    from sqlalchemy import func, select
    from app.extensions import db
    from archive import directory
    from archive.identity import Actor
    from workflows.incoming import SORTS, IncomingQuery, _filtered
    actor = Actor.of(directory.find_staff(db.session, username))
    stmt = _filtered(actor, IncomingQuery(q=q))
    page = stmt.order_by(*(c.desc() for c in SORTS["arrival"])).offset(0).limit(50)
    count = select(func.count()).select_from(stmt.order_by(None).subquery())
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if backend == "postgresql" else "EXPLAIN QUERY PLAN "
    out, summary = [], []
    for label, s in (("count", count), ("page", page)):
        compiled = s.compile(dialect=db.engine.dialect)
        params = compiled.params
        if compiled.positional:  # SQLite: ? placeholders
            params = tuple(params[k] for k in compiled.positiontup)
        with db.engine.connect() as conn:
            plan = conn.exec_driver_sql(prefix + str(compiled), params).fetchall()
        lines = [" | ".join(str(c) for c in row) for row in plan]
        out += [f"-- {label}: {name} as {username} ({backend})", str(compiled),
                f"-- params: {compiled.params}", *lines, ""]
        summary += [f"{label} {line.split(':')[1].strip()}" for line in lines
                    if line.startswith("Execution Time")]
    common.OUT_DIR.mkdir(exist_ok=True)
    tag = f"{backend}-{common.slug(username)}-{common.slug(name)}" + suffix
    path = common.OUT_DIR / f"explain-{tag}.txt"
    path.write_text("\n".join(out), encoding="utf-8")
    return f"{path.relative_to(common.ROOT)}" + (f" ({', '.join(summary)})" if summary else "")


def main() -> int:
    args = parse_args()
    year = date.today().year - 1  # a full past year in its own register
    queries = [("first page", "page=1&per_page=50"), ("page 1000 (per_page 50)",
               "page=1000&per_page=50"), ("q=van hoa", "q=van+hoa"),
               ("date range 1 month", f"from={year}-03-01&to={year}-03-31"),
               ("sort by subject", "sort=subject")]
    box, load_before = None, common.loadavg()
    try:
        box = common.Sandbox(args.backend, prefix="eo_bench_list")
        print(f"[{args.backend}] database {box.pg_name or box.url}; load average {load_before}")
        box.setup()
        import config
        from app import create_app
        from app.extensions import db
        engine = {"connect_args": {"options": args.pg_options}} if args.pg_options else {}
        app = create_app(config.Config, SQLALCHEMY_DATABASE_URI=box.url, DATA_DIR=box.data_dir,
                         SECRET_KEY=box.secret, SQLALCHEMY_ENGINE_OPTIONS=engine)
        with app.app_context():
            load = bulk_load(args.documents, args.batch, year)
            print(f"loaded {args.documents} documents: "
                  + ", ".join(f"{k} {v:.1f} s" for k, v in load.items()))
            client, timed, plans = app.test_client(), {}, []
            suffix = f"-{common.slug(args.pg_options)}" if args.pg_options else ""
            for user in ("vanthu", "chuyenvien.vh"):
                resp = client.post("/api/v1/auth/token", json={
                    "username": user, "password": common.DEMO_PASSWORD})
                timed[user] = time_queries(client, resp.get_json()["token"], queries, args.reps)
                for r in timed[user]:
                    print(f"  {user:<14} {r['name']:<24} total {r['total']:>6}  rows "
                          f"{r['rows']:>3}  p50 {r['p50']:7.1f} ms  p95 {r['p95']:7.1f} ms")
                for name, q in (("first page", None), ("q=van hoa", "van hoa")):
                    plans.append(explain(args.backend, user, name, q, suffix))
            db.session.remove()
            db.engine.dispose()
        print("plans:\n  " + "\n  ".join(plans))
        load_after = common.loadavg()
        print(f"load average before {load_before}, after {load_after}")
    finally:
        if box and args.keep:
            print(f"kept: DATABASE_URL={box.url} EOFFICE_DATA_DIR={box.data_dir}")
        elif box:
            box.cleanup()
    if not args.no_results:
        params = f"{args.documents:,} docs, {args.reps} reps" + (
            f", options {args.pg_options}" if args.pg_options else "")
        rows = [[common.today(), common.machine(), args.backend, params, user, r["name"],
                 str(r["total"]), f"{r['p50']:.1f}", f"{r['p95']:.1f}",
                 f"{load_before} / {load_after}"]
                for user, results in timed.items() for r in results]
        rows.append([common.today(), common.machine(), args.backend, params, "(bulk load)",
                     "load time", str(args.documents), f"{load['total']:.1f} s", "-",
                     f"{load_before} / {load_after}"])
        common.update_results(
            "Register list (bench_register_list.py)",
            ["date", "machine", "backend", "parameters", "user", "query", "total", "p50 ms",
             "p95 ms", "load avg 1 min (before/after)"], rows, key_columns=6)
    return 0


if __name__ == "__main__":
    sys.exit(main())

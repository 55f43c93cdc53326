"""Full-text search (issue 5): index throughput, index size and query latency.

Why: search is the page clerks use to find "that công văn about the festival
last spring" among 100,000+ documents, and every engine slows down with the
length of the posting lists it walks. Vietnamese makes those lists long: it is
indexed per syllable, and "văn hóa", "thực hiện", "tỉnh" occur in nearly
every administrative document (STACK.md §3). This builds a fresh index of
``--docs`` generated documents (``corpus.py``) with the engine the app would
use, then runs a fixed query mix through ``SearchIndex.search()`` as the app
calls it, for a clerk and for a specialist (visibility path):

* rare word ("cồng chiêng"), common word ("thực hiện"), phrase
  (``"phát triển du lịch cộng đồng"``), no diacritics ("le hoi van hoa
  truyen thong"), number/symbol (``123/QĐ-UBND`` of an existing document),
  word + filters (common word + direction + type + 3-month date range);
* sort=relevance, limit 20; 20 queries per kind (``--queries-per-kind``),
  one warm-up pass, then ``--reps`` passes (interleaved over the kinds so
  load drift spreads over all of them), a fresh ``Session`` per query.

Target (issue 5): p95 < 200 ms for every kind at 100,000 documents on the
embedded default (SQLite FTS5) and at 1,000,000 on PostgreSQL.

    .venv/bin/python bench/bench_search.py --engine sqlite --docs 10000
    .venv/bin/python bench/bench_search.py --engine whoosh --docs 100000
    .venv/bin/python bench/bench_search.py --engine postgresql --docs 1000000 --bulk

Index throughput is the engine's ``write()`` in batches of 500, each batch
its own transaction (what ``flask search reindex`` does per batch), plus the
engine's ``optimize()`` at the end; building the entries (Python analysis) is
timed separately and not in docs/s. ``--bulk`` (PostgreSQL only) loads the
same rows and ``tsvector`` literals with COPY into the tables with their GIN
indexes dropped, then recreates the indexes: the fast path for a first load.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import corpus  # noqa: E402

SECTION_INDEX = "Search (issue 5): indexing"
SECTION_QUERIES = "Search (issue 5): queries"
TARGET_MS = 200.0
EXPLAIN_RUNS = 3          # re-timings of each statement of the slowest query (--explain-runs)
KINDS = ("rare word", "common word", "phrase", "no diacritics", "number/symbol",
         "word + filters")

RARE_QUERIES = ["cồng chiêng", "xòe Thái", "Pác Bó", "Tà Xùa", "Mù Cang Chải", "Khâu Vai",
                "hát then", "bài chòi", "hát xoan", "Katê", "Nặm Nhùn", "Phìn Hồ", "thổ cẩm",
                "dệt zèng", "Pồn Pôông", "múa rối nước", "Óc Eo", "tượng nhà mồ", "Bàu Trúc",
                "gốm Chu Đậu", "Cù Lao Chàm", "lụa Vạn Phúc"]
COMMON_QUERIES = ["thực hiện", "văn hóa", "tổ chức", "du lịch", "đơn vị", "công tác",
                  "kế hoạch", "nhân dân", "phối hợp", "quy định", "báo cáo", "trách nhiệm",
                  "địa bàn", "hoạt động", "thể thao", "triển khai", "giám đốc", "cơ quan",
                  "đề nghị", "kết quả"]
PHRASE_QUERIES = ["phát triển du lịch cộng đồng", "bảo tồn và phát huy", "lễ hội truyền thống",
                  "chuyển đổi số", "cải cách hành chính", "phòng cháy, chữa cháy",
                  "thể dục thể thao", "gia đình văn hóa", "di tích lịch sử",
                  "vận động viên năng khiếu", "dịch vụ lữ hành", "khu dân cư văn hóa",
                  "giải ngân vốn đầu tư", "thi đua, khen thưởng", "an toàn thực phẩm",
                  "điểm du lịch cấp tỉnh", "nếp sống văn minh", "đời sống văn hóa",
                  "sản phẩm du lịch đặc thù", "bạo lực gia đình"]
FOLDED_QUERIES = ["le hoi van hoa truyen thong", "quyet dinh phe duyet ke hoach",
                  "bao ton di san van hoa", "du lich cong dong", "kiem tra cong tac van thu",
                  "thong bao ket luan giam doc", "giay moi du hoi nghi",
                  "dai hoi the duc the thao", "chuyen doi so", "phong chong bao luc gia dinh",
                  "cap giay phep lu hanh", "tuyen truyen pho bien", "nha van hoa thon",
                  "thu vien co so", "giai ngan von dau tu cong", "van dong vien nang khieu",
                  "di san van hoa phi vat the", "quang ba xuc tien du lich",
                  "nghe thuat quan chung", "an ninh trat tu le hoi"]
FILTER_TYPES = {"incoming": ["CV", "CV", "QD", "KH", "TB", "BC", "GM"],
                "outgoing": ["CV", "QD", "KH", "TB", "BC"]}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--engine", choices=("sqlite", "whoosh", "postgresql"), required=True)
    p.add_argument("--docs", type=int, required=True)
    p.add_argument("--queries-per-kind", type=int, default=20)
    p.add_argument("--reps", type=int, default=3, help="timed passes over the mix")
    p.add_argument("--specialist-reps", type=int, default=None,
                   help="passes for the specialist (default: --reps; 0 skips)")
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--seed", type=int, default=corpus.SEED)
    p.add_argument("--bulk", action="store_true",
                   help="PostgreSQL: COPY rows + tsvector literals, GIN built afterwards; "
                        "Whoosh: one writer and one commit (one segment)")
    p.add_argument("--explain-over", type=float, default=TARGET_MS,
                   help="EXPLAIN / profile the slowest query of kinds whose p95 is above (ms)")
    p.add_argument("--explain-runs", type=int, default=3,
                   help="re-timings of each statement of the slowest query per kind")
    p.add_argument("--keep", action="store_true", help="keep the database/index; print where")
    p.add_argument("--reuse", metavar="WHERE",
                   help="query an index kept by --keep (temp dir, or PostgreSQL database "
                        "name) instead of building one; kept afterwards unless --drop")
    p.add_argument("--drop", action="store_true", help="with --reuse: remove it at the end")
    p.add_argument("--skip-queries", action="store_true", help="build (and --keep) only")
    p.add_argument("--variant", help="query with a prototype engine of bench/search_variants.py")
    p.add_argument("--label", default="",
                   help="appended to the engine column of RESULTS.md (e.g. the code version)")
    p.add_argument("--workers", type=int, default=2,
                   help="--bulk: processes building the entries and vector literals")
    p.add_argument("--rewrite", type=int, default=0, metavar="K",
                   help="after building: rewrite the last K documents through the engine's "
                        "write() in batches (incremental throughput on the full index)")
    p.add_argument("--no-results", action="store_true", help="do not touch RESULTS.md")
    return p.parse_args()


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {common.loadavg()}] {msg}", flush=True)


# --- database ------------------------------------------------------------------------

def build_schema(url: str, data_dir: Path) -> None:
    """Migrate (``flask db upgrade``, as the tests' template) and load the demo
    agency's people and departments (no documents)."""
    import config
    from flask_migrate import upgrade
    from app import create_app, wiring
    from app.extensions import db
    from workflows.demo import load_demo
    opened = wiring.open_index
    wiring.open_index = lambda *a, **k: None    # the bench opens its engine itself
    try:
        app = create_app(config.TestConfig, SQLALCHEMY_DATABASE_URI=url, DATA_DIR=data_dir)
    finally:
        wiring.open_index = opened
    with app.app_context():
        upgrade(directory=str(common.ROOT / "migrations"))
        load_demo(db.session, wiring.storage(), wiring.limits(), with_documents=False)
        db.session.remove()
        db.engine.dispose()


def make_engine(url: str):
    from sqlalchemy import create_engine
    from archive.db import engine_options_for
    return create_engine(url, **engine_options_for(url))   # as the app: jit=off, WAL...


DOC_COLUMNS = ["id", "organization_id", "direction", "register_id", "arrival_number",
               "arrival_date", "code_number", "code_notation", "issued_date", "issuer_name",
               "issuer_organ_id", "document_type", "subject", "signer_position", "signer_name",
               "page_count", "urgency", "confidentiality", "due_date", "recipients", "channel",
               "notes", "language", "status", "dup_key", "subject_folded", "code_folded",
               "created_by_id", "created_at"]
ACCESS_COLUMNS = ["document_id", "staff_id", "reason", "granted_at"]


def load_documents(engine, ctx: corpus.Context, n: int) -> float:
    """Insert the ``documents`` and ``document_access`` rows the SQL engines join
    (PostgreSQL: COPY, two streaming passes; SQLite: Core executemany)."""
    from sqlalchemy import insert, text
    from archive.models import Document, DocumentAccess
    start = time.perf_counter()
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            conn = raw.driver_connection
            with conn.cursor() as cur:
                with cur.copy(f"COPY documents ({', '.join(DOC_COLUMNS)}) FROM STDIN") as cp:
                    for doc in corpus.documents(ctx, n, with_body=False):
                        cp.write_row([doc.row[c] for c in DOC_COLUMNS])
                with cur.copy(f"COPY document_access ({', '.join(ACCESS_COLUMNS)}) "
                              "FROM STDIN") as cp:
                    for doc in corpus.documents(ctx, n, with_body=False):
                        for grant in corpus.access_rows(doc):
                            cp.write_row([grant[c] for c in ACCESS_COLUMNS])
                cur.execute("SELECT setval(pg_get_serial_sequence('documents', 'id'), %s)",
                            (n,))
            conn.commit()
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("VACUUM ANALYZE documents")
                cur.execute("VACUUM ANALYZE document_access")
            conn.autocommit = False
        finally:
            raw.close()
        return time.perf_counter() - start
    with engine.begin() as conn:
        batch, grants = [], []
        for doc in corpus.documents(ctx, n, with_body=False):
            batch.append(doc.row)
            grants += corpus.access_rows(doc)
            if len(batch) >= 5000:
                conn.execute(insert(Document.__table__), batch)
                conn.execute(insert(DocumentAccess.__table__), grants)
                batch, grants = [], []
        if batch:
            conn.execute(insert(Document.__table__), batch)
            conn.execute(insert(DocumentAccess.__table__), grants)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return time.perf_counter() - start


# --- indexing ------------------------------------------------------------------------

def open_engine(name: str, data_dir: Path):
    """The engine exactly as the app opens it (``indexer.open_index``)."""
    from archive.search.indexer import open_index
    if name == "whoosh":
        return open_index("whoosh", "sqlite", data_dir)
    return open_index("database", name, data_dir)


def index_corpus(engine, index, ctx: corpus.Context, n: int, batch: int) -> dict:
    """``index.write`` per batch, each batch committed; then ``optimize``."""
    from sqlalchemy.orm import Session
    timings = {"generate": 0.0, "analyse": 0.0, "write": 0.0, "optimize": 0.0}
    stream = corpus.documents(ctx, n)
    done, t_report = 0, time.perf_counter()
    with Session(engine) as session:
        while True:
            t0 = time.perf_counter()
            raws = [r for _, r in zip(range(batch), stream)]
            if not raws:
                break
            t1 = time.perf_counter()
            entries = [corpus.index_entry(r) for r in raws]
            t2 = time.perf_counter()
            index.write(session, entries)
            session.commit()
            t3 = time.perf_counter()
            timings["generate"] += t1 - t0
            timings["analyse"] += t2 - t1
            timings["write"] += t3 - t2
            done += len(raws)
            if time.perf_counter() - t_report > 30:
                t_report = time.perf_counter()
                log(f"  indexed {done:,}/{n:,} ({done / timings['write']:.0f} docs/s of write)")
        if hasattr(index, "optimize"):
            t0 = time.perf_counter()
            index.optimize(session)
            session.commit()
            timings["optimize"] = time.perf_counter() - t0
    return timings


def rewrite_tail(engine, index, ctx: corpus.Context, n: int, k: int, batch: int) -> dict:
    """Rewrite documents n-k..n-1 with ``index.write`` (replacing their entries):
    what a follow-up ``flask search reindex`` batch costs on a full index."""
    from sqlalchemy.orm import Session
    raws = [corpus.raw_document(ctx, i, n) for i in range(n - k, n)]
    entries = [corpus.index_entry(r) for r in raws]
    t0 = time.perf_counter()
    with Session(engine) as session:
        for start in range(0, len(entries), batch):
            index.write(session, entries[start:start + batch])
            session.commit()
    secs = time.perf_counter() - t0
    return {"docs": k, "seconds": secs, "docs/s": k / secs}


ENTRY_COLS = ["document_id", "organization_id", "direction", "register_id", "document_type",
              "issuer", "urgency", "status", "department_id", "confidentiality",
              "created_by_id", "issued_date", "arrival_date", "sort_date"]
_POOL_CTX: dict = {}


def _pool_init(ctx: corpus.Context, n: int) -> None:
    _POOL_CTX.update(ctx=ctx, n=n)


def _bulk_chunk(bounds: tuple[int, int]) -> tuple[list, float]:
    """Rows for COPY of documents lo..hi-1: (entry columns, id, f literal, x literal)."""
    from archive.search.postgres_fts import vectors_of
    t0 = time.process_time()
    ctx, n = _POOL_CTX["ctx"], _POOL_CTX["n"]
    out = []
    for i in range(*bounds):
        e = corpus.index_entry(corpus.raw_document(ctx, i, n))
        f, x = vectors_of(e)
        out.append(([e.meta[c] for c in ENTRY_COLS], e.document_id, f, x))
    return out, time.process_time() - t0


def _entries_chunk(bounds: tuple[int, int]) -> tuple[list, float]:
    t0 = time.process_time()
    ctx, n = _POOL_CTX["ctx"], _POOL_CTX["n"]
    out = [corpus.index_entry(corpus.raw_document(ctx, i, n)) for i in range(*bounds)]
    return out, time.process_time() - t0


def bulk_index_whoosh(index, ctx: corpus.Context, n: int, workers: int) -> dict:
    """First-load path for Whoosh: one writer, one commit, one segment (no merge,
    so no optimize needed), the documents built by ``whoosh_index.document_of``
    exactly as ``WhooshIndex.write`` adds them; entries built by ``workers``
    processes meanwhile. "write" is the wall time of the whole load."""
    import multiprocessing
    from archive.search.whoosh_index import document_of
    timings = {"generate": 0.0, "analyse": 0.0, "write": 0.0, "optimize": 0.0}
    chunks = [(lo, min(lo + 1000, n)) for lo in range(0, n, 1000)]
    t_start = time.perf_counter()
    writer = index._index().writer(limitmb=512)
    try:
        with multiprocessing.get_context("fork").Pool(
                workers, initializer=_pool_init, initargs=(ctx, n)) as pool:
            done, t_report = 0, time.perf_counter()
            for entries, cpu in pool.imap(_entries_chunk, chunks):
                timings["generate"] += cpu
                for e in entries:
                    writer.add_document(**document_of(e))
                done += len(entries)
                if time.perf_counter() - t_report > 60:
                    t_report = time.perf_counter()
                    log(f"  added {done:,}/{n:,} ({done / (t_report - t_start):.0f} docs/s wall)")
        t0 = time.perf_counter()
        writer.commit()
        log(f"  commit {time.perf_counter() - t0:.0f} s")
    except BaseException:
        writer.cancel()
        raise
    timings["write"] = time.perf_counter() - t_start
    return timings


def bulk_index_postgres(engine, ctx: corpus.Context, n: int, workers: int) -> dict:
    """First-load path: COPY ``search_entries`` rows and the same ``tsvector``
    literals ``PostgresFtsIndex.write`` sends (``postgres_fts.vectors_of``), with
    the GIN indexes dropped, then CREATE INDEX and VACUUM ANALYZE.

    Entries and literals are built by ``workers`` processes while the main
    process streams them into two COPYs (two connections), so "write" is the
    wall time of the whole COPY phase, generation overlapped; "generate" is the
    workers' CPU time.
    """
    import multiprocessing
    from datetime import datetime, timezone
    timings = {"generate": 0.0, "analyse": 0.0, "write": 0.0, "optimize": 0.0}
    now = datetime.now(timezone.utc)
    raw = engine.raw_connection()
    raw2 = engine.raw_connection()
    chunks = [(lo, min(lo + 2000, n)) for lo in range(0, n, 2000)]
    try:
        conn, conn2 = raw.driver_connection, raw2.driver_connection
        with conn.cursor() as cur:
            cur.execute("DROP INDEX ix_search_vectors_f")
            cur.execute("DROP INDEX ix_search_vectors_x")
        conn.commit()
        t_start = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(
                workers, initializer=_pool_init, initargs=(ctx, n)) as pool, \
                conn.cursor() as cur, conn2.cursor() as cur2:
            cols = ", ".join(ENTRY_COLS + ["indexed_at"])
            with cur.copy(f"COPY search_entries ({cols}) FROM STDIN") as ce, \
                    cur2.copy("COPY search_vectors (document_id, f, x) FROM STDIN") as cv:
                done, t_report = 0, time.perf_counter()
                for rows, cpu in pool.imap(_bulk_chunk, chunks):
                    timings["generate"] += cpu
                    for entry_row, doc_id, f, x in rows:
                        ce.write_row(entry_row + [now])
                        cv.write_row([doc_id, f, x])
                    done += len(rows)
                    if time.perf_counter() - t_report > 60:
                        t_report = time.perf_counter()
                        log(f"  copied {done:,}/{n:,} "
                            f"({done / (t_report - t_start):.0f} docs/s wall)")
        conn.commit()
        conn2.commit()
        timings["write"] = time.perf_counter() - t_start
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '256MB'")
            cur.execute("CREATE INDEX ix_search_vectors_f ON search_vectors USING gin (f)")
            log(f"  GIN f built in {time.perf_counter() - t0:.0f} s")
            cur.execute("CREATE INDEX ix_search_vectors_x ON search_vectors USING gin (x)")
        conn.commit()
        timings["create index"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("VACUUM ANALYZE search_entries")
            cur.execute("VACUUM ANALYZE search_vectors")
        conn.autocommit = False
        timings["optimize"] = time.perf_counter() - t0
    finally:
        raw.close()
        raw2.close()
    return timings


def index_size(engine, index, engine_name: str, data_dir: Path, db_file: Path | None) -> dict:
    """Bytes of the word index, of ``search_entries``, and the total on disk."""
    from sqlalchemy import text
    from sqlalchemy.orm import Session
    out: dict = {}
    with Session(engine) as session:
        stats = index.stats(session)
        out["documents"] = stats["documents"]
        if engine_name == "whoosh":
            out["words"] = stats["bytes"]
            out["entries"] = 0
            out["total"] = stats["bytes"]
        elif engine_name == "sqlite":
            session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            out["words"] = stats["bytes"]
            out["entries"] = session.scalar(text(
                "SELECT sum(pgsize) FROM dbstat WHERE name IN ('search_entries', "
                "'ix_search_entries_org_date', 'sqlite_autoindex_search_entries_1')")) or 0
            out["total"] = out["words"] + out["entries"]
            out["file"] = db_file.stat().st_size if db_file else None
        else:
            out["words"] = session.scalar(text("SELECT pg_total_relation_size('search_vectors')"))
            out["gin"] = session.scalar(text(
                "SELECT pg_relation_size('ix_search_vectors_f') + "
                "pg_relation_size('ix_search_vectors_x')"))
            out["entries"] = session.scalar(text(
                "SELECT pg_total_relation_size('search_entries')"))
            out["total"] = out["words"] + out["entries"]
            out["database"] = session.scalar(text("SELECT pg_database_size(current_database())"))
    return out


def mb(value) -> str:
    return "-" if value is None else f"{value / 1e6:,.0f} MB" if value >= 1e7 else \
        f"{value / 1e6:,.1f} MB"


# --- the query mix -------------------------------------------------------------------

def query_mix(ctx: corpus.Context, n: int, per_kind: int, seed: int) -> dict[str, list]:
    """kind -> [(label, ParsedQuery, Filters)], the same for every engine and size."""
    from archive.search.index import Filters
    from archive.search.query import parse
    rng = random.Random(seed + 5)
    mix: dict[str, list] = {}

    def take(values):
        values = list(values)
        return (values * (per_kind // len(values) + 1))[:per_kind]
    mix["rare word"] = [(q, parse(q), Filters()) for q in take(RARE_QUERIES)]
    mix["common word"] = [(q, parse(q), Filters()) for q in take(COMMON_QUERIES)]
    mix["phrase"] = [(f'"{q}"', parse(f'"{q}"'), Filters()) for q in take(PHRASE_QUERIES)]
    mix["no diacritics"] = [(q, parse(q), Filters()) for q in take(FOLDED_QUERIES)]
    numbers, tries = [], 0
    while len(numbers) < per_kind and tries < 100 * per_kind:
        tries += 1
        raw = corpus.raw_document(ctx, rng.randrange(n), n, with_body=False)
        if raw.typed_number and raw.typed_number not in [q for q, *_ in numbers]:
            numbers.append((raw.typed_number, parse(raw.typed_number), Filters()))
    mix["number/symbol"] = numbers
    filtered = []
    last_year = corpus.END.year
    for k in range(per_kind):
        word = COMMON_QUERIES[k % len(COMMON_QUERIES)]
        direction = "incoming" if k % 3 else "outgoing"
        doc_type = rng.choice(FILTER_TYPES[direction])
        year = rng.randint(corpus.START.year, last_year)
        month = rng.randint(1, 7 if year == last_year else 10)
        lo = date(year, month, 1)
        hi = date(year + (month + 2) // 12, (month + 2) % 12 + 1, 1) - timedelta(days=1)
        label = f"{word} + {direction} + {doc_type} + {lo:%Y-%m}..{hi:%Y-%m}"
        filtered.append((label, parse(word), Filters(direction=direction, document_type=doc_type,
                                                     issued_from=lo, issued_to=hi)))
    mix["word + filters"] = filtered
    return mix


@contextmanager
def statement_log(engine):
    """Every SQL statement run meanwhile, with its parameters and duration (ms)."""
    from sqlalchemy import event
    records: list[list] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_t0"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        records.append([statement, parameters,
                        (time.perf_counter() - conn.info.pop("bench_t0")) * 1000])
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield records
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def run_one(engine, index, request):
    from sqlalchemy.orm import Session
    session = Session(engine)
    try:
        t0 = time.perf_counter()
        found = index.search(session, request)
        elapsed = (time.perf_counter() - t0) * 1000
    finally:
        session.close()
    return elapsed, found


def time_mix(engine, index, mix: dict, viewer, reps: int) -> dict:
    """kind -> {"samples": [ms], "per_query": {label: [ms]}, "totals": {label: total}}."""
    from archive.search.index import SearchRequest
    out = {kind: {"samples": [], "per_query": {}, "totals": {}} for kind in mix}
    requests = {kind: [(label, SearchRequest(query=q, viewer=viewer, filters=f,
                                             sort="relevance", offset=0, limit=20))
                       for label, q, f in queries] for kind, queries in mix.items()}
    for kind, reqs in requests.items():            # warm-up, and the hit totals
        for label, req in reqs:
            _ms, found = run_one(engine, index, req)
            out[kind]["totals"][label] = found.total
            out[kind]["per_query"][label] = []
    for _rep in range(reps):
        for kind, reqs in requests.items():
            for label, req in reqs:
                ms, _found = run_one(engine, index, req)
                out[kind]["samples"].append(ms)
                out[kind]["per_query"][label].append(ms)
    return out


def summarise(result: dict) -> dict:
    samples = result["samples"]
    totals = sorted(result["totals"].values())
    return {"n": len(samples), "p50": common.percentile(samples, 50),
            "p95": common.percentile(samples, 95), "max": max(samples) if samples else 0,
            "hits_median": int(statistics.median(totals)) if totals else 0,
            "hits_min": totals[0] if totals else 0, "hits_max": totals[-1] if totals else 0}


def slowest(result: dict) -> str:
    return max(result["per_query"], key=lambda k: statistics.median(result["per_query"][k]))


def explain_query(engine, index, engine_name: str, request, tag: str, deep: bool) -> str:
    """Where one search's time goes: per-statement times (SQL engines) or a profile
    (Whoosh), plus EXPLAIN of each statement when ``deep``. Saved to bench/out."""
    common.OUT_DIR.mkdir(exist_ok=True)
    lines = [f"-- {tag}", f"-- query: {request.query.text!r} filters: {request.filters}",
             f"-- viewer: {request.viewer}", ""]
    summary = []
    if engine_name == "whoosh":
        prof = cProfile.Profile()
        prof.enable()
        ms, found = run_one(engine, index, request)
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(25)
        lines += [f"-- {ms:.1f} ms (under cProfile), total {found.total}", buf.getvalue()]
        summary.append(f"{ms:.0f} ms profiled")
    else:
        with statement_log(engine) as records:
            ms, found = run_one(engine, index, request)
        lines.append(f"-- search() {ms:.1f} ms, total {found.total}, "
                     f"{len(records)} statements:")
        prefix = ("EXPLAIN (ANALYZE, BUFFERS) " if engine_name == "postgresql"
                  else "EXPLAIN QUERY PLAN ")
        # Statements are replayed in order on one connection each (a SET LOCAL of
        # the engine applies to what follows, as in the search itself).
        with engine.connect() as timing_conn, engine.connect() as plan_conn:
            for k, (stmt, params, _exec_ms) in enumerate(records, 1):
                is_select = stmt.lstrip().upper().startswith(("SELECT", "WITH"))
                if not is_select:
                    timing_conn.exec_driver_sql(stmt, params)
                    plan_conn.exec_driver_sql(stmt, params)
                    lines += [f"-- statement {k}: {stmt}", ""]
                    continue
                # execute + fetch, alone (SQLite produces rows while they are
                # fetched, so the cursor-execute time alone says nothing)
                runs = []
                for _ in range(EXPLAIN_RUNS):
                    t0 = time.perf_counter()
                    rows = timing_conn.exec_driver_sql(stmt, params).fetchall()
                    runs.append((time.perf_counter() - t0) * 1000)
                stmt_ms = statistics.median(runs)
                summary.append(f"stmt{k} {stmt_ms:.0f} ms/{len(rows)} rows")
                lines += [f"-- statement {k}: {stmt_ms:.1f} ms (execute + fetch, median of {EXPLAIN_RUNS}), "
                          f"{len(rows)} rows", stmt, f"-- params: {params}", ""]
                if deep:
                    plan = plan_conn.exec_driver_sql(prefix + stmt, params).fetchall()
                    lines += [" | ".join(str(c) for c in row) for row in plan] + [""]
    path = common.OUT_DIR / f"search-{common.slug(tag)}.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return f"{path.relative_to(common.ROOT)} ({', '.join(summary)})"


# --- RESULTS.md ----------------------------------------------------------------------

SKELETON = """
## Search (issue 5)

Figures written by `bench/bench_search.py` (corpus: `bench/corpus.py`; see
`bench/README.md`). Findings and the reasons for any miss of the target are
below the tables.

<!-- {idx}:begin -->
<!-- {idx}:end -->

<!-- {qry}:begin -->
<!-- {qry}:end -->
"""


def ensure_section() -> None:
    text = common.RESULTS.read_text(encoding="utf-8")
    if f"<!-- {SECTION_INDEX}:begin -->" not in text:
        text = text.rstrip("\n") + "\n" + SKELETON.format(idx=SECTION_INDEX,
                                                             qry=SECTION_QUERIES)
        common.RESULTS.write_text(text, encoding="utf-8")


def versions(engine, engine_name: str) -> str:
    import sqlite3
    from sqlalchemy import text
    if engine_name == "postgresql":
        with engine.connect() as conn:
            v = conn.scalar(text("SHOW server_version")).split()[0]
            sb = conn.scalar(text("SHOW shared_buffers"))
            wm = conn.scalar(text("SHOW work_mem"))
        return f"PostgreSQL {v} (shared_buffers {sb}, work_mem {wm}, jit off)"
    if engine_name == "whoosh":
        import whoosh
        return f"Whoosh-Reloaded {whoosh.versionstring()}"
    return f"SQLite {sqlite3.sqlite_version}"


# --- main ----------------------------------------------------------------------------

class Reused:
    """A database/index kept by an earlier ``--keep`` run (``--reuse``)."""

    def __init__(self, backend: str, where: str):
        self.backend = backend
        if backend == "postgresql":
            self.pg_name, self.tmp = where, None
            self.url = f"{common.PG_ADMIN_URL.rsplit('/', 1)[0]}/{where}"
            self.data_dir = Path(f"/tmp/{where}-data")
        else:
            self.pg_name, self.tmp = None, Path(where)
            self.url = f"sqlite:///{self.tmp / 'data' / 'eoffice.db'}"
            self.data_dir = self.tmp / "data"

    def cleanup(self) -> None:
        import shutil
        if self.pg_name:
            common._pg_exec(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)


def open_variant(name: str, data_dir: Path):
    """A prototype engine from ``bench/search_variants.py`` (never the app's code)."""
    import search_variants
    return search_variants.VARIANTS[name](data_dir)


def main() -> int:
    args = parse_args()
    global EXPLAIN_RUNS
    EXPLAIN_RUNS = max(1, args.explain_runs)
    if args.bulk and args.engine == "sqlite":
        sys.exit("--bulk is for PostgreSQL and Whoosh only")
    spec_reps = args.reps if args.specialist_reps is None else args.specialist_reps
    backend = "postgresql" if args.engine == "postgresql" else "sqlite"
    box = Reused(backend, args.reuse) if args.reuse else \
        common.Sandbox(backend, prefix="bench_search")
    load = {"start": common.loadavg()}
    db_file = box.data_dir / "eoffice.db" if backend == "sqlite" else None
    log(f"{args.engine}, {args.docs:,} docs; database {box.pg_name or box.url}"
        + (f" (reused), variant {args.variant}" if args.reuse else ""))
    engine, timings, rows_s, index = None, None, None, None
    keep = args.keep or (args.reuse and not args.drop)
    try:
        if not args.reuse:
            build_schema(box.url, box.data_dir)
        engine = make_engine(box.url)
        from sqlalchemy.orm import Session
        with Session(engine) as session:
            ctx = corpus.context_from_db(session, args.seed)
        index = open_engine(args.engine, box.data_dir)
        if not args.reuse:
            if args.engine == "whoosh":
                log("documents rows: skipped (Whoosh does not read the database)")
            else:
                rows_s = load_documents(engine, ctx, args.docs)
                log(f"documents + access rows loaded in {rows_s:.1f} s")
            load["index"] = common.loadavg()
            if args.bulk and args.engine == "whoosh":
                timings = bulk_index_whoosh(index, ctx, args.docs, max(1, args.workers - 1))
            elif args.bulk:
                timings = bulk_index_postgres(engine, ctx, args.docs, args.workers)
            else:
                timings = index_corpus(engine, index, ctx, args.docs, args.batch)
            load["indexed"] = common.loadavg()
            index_s = timings["write"] + timings["optimize"] + timings.get("create index", 0)
            log("indexed: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
                + f"; {args.docs / index_s:.0f} docs/s (write+optimize)")
        rewrite = None
        if args.rewrite:
            rewrite = rewrite_tail(engine, index, ctx, args.docs, args.rewrite, args.batch)
            log(f"rewrote the last {args.rewrite:,} documents with write(): "
                f"{rewrite['seconds']:.1f} s, {rewrite['docs/s']:.0f} docs/s")
        size = index_size(engine, index, args.engine, box.data_dir, db_file)
        versions_str = versions(engine, args.engine)
        log("size: " + ", ".join(f"{k} {mb(v) if k != 'documents' else v}"
                                 for k, v in size.items()))
        if size["documents"] != args.docs:
            sys.exit(f"the index holds {size['documents']} documents, not --docs {args.docs}")
        if args.variant:
            index = open_variant(args.variant, box.data_dir)
            if hasattr(index, "setup"):
                index.setup(engine)

        from archive.search.index import Viewer
        mix = query_mix(ctx, args.docs, args.queries_per_kind, args.seed)
        viewers = [("clerk (vanthu)", Viewer(ctx.organization_id, ctx.staff["vanthu"], True),
                    args.reps)]
        if spec_reps:
            viewers.append(("specialist (chuyenvien.vh)",
                            Viewer(ctx.organization_id, ctx.staff["chuyenvien.vh"], False),
                            spec_reps))
        if args.skip_queries:
            viewers = []
        load["queries"] = common.loadavg()
        timed, plans = {}, []
        for vname, viewer, reps in viewers:
            result = time_mix(engine, index, mix, viewer, reps)
            timed[vname] = result
            for kind in KINDS:
                s = summarise(result[kind])
                flag = "" if s["p95"] < TARGET_MS else "  <-- p95 over target"
                log(f"  {vname:<27} {kind:<15} p50 {s['p50']:7.1f}  p95 {s['p95']:7.1f}  "
                    f"max {s['max']:7.1f} ms  hits median {s['hits_median']} "
                    f"[{s['hits_min']}-{s['hits_max']}]{flag}")
        load["end"] = common.loadavg()
        from archive.search.index import SearchRequest
        for vname, viewer, _reps in viewers:
            for kind in KINDS:
                s = summarise(timed[vname][kind])
                label = slowest(timed[vname][kind])
                q, f = next((q, f) for lbl, q, f in mix[kind] if lbl == label)
                deep = s["p95"] >= args.explain_over
                if not deep and vname.startswith("specialist"):
                    continue
                req = SearchRequest(query=q, viewer=viewer, filters=f, limit=20)
                tag = f"{args.engine}-{args.docs}{'-bulk' if args.bulk else ''}" \
                      f"{'-' + args.variant if args.variant else ''}" \
                      f"{'-' + common.slug(args.label) if args.label else ''}-" \
                      f"{vname.split()[0]}-{kind}"
                try:
                    where = explain_query(engine, index, args.engine, req, tag, deep)
                except Exception as exc:  # noqa: BLE001 - the figures matter more
                    where = f"explain failed: {type(exc).__name__}: {exc}"[:300]
                plans.append(f"{vname} / {kind} / {label!r}: {where}")
        if plans:
            print("slowest query per kind (statement times / plans):\n  "
                  + "\n  ".join(plans))
    finally:
        if engine is not None:
            if args.variant and hasattr(index, "teardown"):
                index.teardown(engine)
            engine.dispose()
        if keep:
            where = box.pg_name or box.tmp
            print(f"kept: {where} (DATABASE_URL={box.url}); rerun queries with "
                  f"--reuse {where}; drop with --reuse {where} --drop --skip-queries")
        else:
            box.cleanup()
    if args.no_results:
        return 0
    ensure_section()
    engine_label = args.engine + ((" (COPY bulk path)" if args.engine == "postgresql" else
                                   " (bulk path: one writer, one segment)")
                                  if args.bulk else "") + \
        (f" + variant {args.variant}" if args.variant else "") + \
        (f" [{args.label}]" if args.label else "")
    if timings is not None:
        idx_row = [common.today(), common.machine(), engine_label, f"{args.docs:,}",
                   f"{timings['write']:.1f}",
                   f"{timings['optimize'] + timings.get('create index', 0):.1f}",
                   f"{args.docs / index_s:,.0f}" + (
                       f" (rewrite of {rewrite['docs']:,} on the full index with write(): "
                       f"{rewrite['docs/s']:,.0f})" if rewrite else ""),
                   f"{(timings['generate'] + timings['analyse']) / args.docs * 1000:.2f}",
                   mb(size.get("words"))
                   + (f" (GIN {mb(size['gin'])})" if size.get("gin") else ""),
                   mb(size.get("entries")), mb(size.get("file") or size.get("database")),
                   "-" if rows_s is None else f"{rows_s:.1f}", versions_str,
                   f"{load['start']} / {load['indexed']}"]
        common.update_results(
            SECTION_INDEX,
            ["date", "machine", "engine", "docs", "write s (batches of 500)",
             "optimize / create index s", "docs/s", "corpus+analysis ms/doc (not in docs/s)",
             "word index", "search_entries", "whole DB", "documents rows load s", "versions",
             "load avg 1 min (start/indexed)"], [idx_row], key_columns=4)
    if not viewers:
        return 0
    loads = f"{load['start']} / {load['queries']} / {load['end']}"
    rows = []
    for vname, _viewer, reps in viewers:
        for kind in KINDS:
            s = summarise(timed[vname][kind])
            rows.append([common.today(), common.machine(), engine_label, f"{args.docs:,}",
                         vname, kind, f"{len(mix[kind])} × {reps}", f"{s['p50']:.1f}",
                         f"{s['p95']:.1f}", f"{s['max']:.1f}",
                         f"{s['hits_median']:,} [{s['hits_min']:,}–{s['hits_max']:,}]",
                         "yes" if s["p95"] < TARGET_MS else "**no**", loads])
    common.update_results(
        SECTION_QUERIES,
        ["date", "machine", "engine", "docs", "viewer", "kind", "queries × reps", "p50 ms",
         "p95 ms", "max ms", "hits median [min–max]", "p95 < 200 ms",
         "load avg 1 min (start/queries/end)"], rows, key_columns=6)
    return 0


if __name__ == "__main__":
    sys.exit(main())

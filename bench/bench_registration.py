"""Registration throughput and latency through the real API under gunicorn.

Why: registering (vào sổ) is the one write path every clerk waits on, and it
serialises on two row locks (the register's number and the audit-chain head)
while each request also inspects its file in a sandboxed child process. This
measures what a small agency server sustains end to end: HTTP, multipart
parsing, inspection, blob storage, numbering, audit, commit. Afterwards it
checks through the API that the arrival numbers are gap-free and unique,
which is the property the locking exists for.

Each run uses its own throw-away database and data directory and removes
them (and stops gunicorn) even when it fails:

    .venv/bin/python bench/bench_registration.py --requests 200 --concurrency 4
    .venv/bin/python bench/bench_registration.py --backend sqlite
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

NOTATION = "BENCH-TT"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=200, help="registrations to send")
    p.add_argument("--concurrency", type=int, default=4, help="client threads")
    p.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    p.add_argument("--pages", type=int, default=1, help="pages per PDF (~50 KB each)")
    p.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    p.add_argument("--inspect-reps", type=int, default=10, help="inspect_upload calls timed")
    p.add_argument("--no-results", action="store_true", help="do not touch RESULTS.md")
    return p.parse_args()


# --- the server ------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port: int, method: str, path: str, body: bytes | None = None,
            headers: dict | None = None, timeout: float = 120) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def start_gunicorn(box: common.Sandbox, workers: int) -> tuple[subprocess.Popen, int, Path]:
    port, log = free_port(), box.tmp / "gunicorn.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "wsgi:app"], cwd=common.ROOT, env=box.env(),
        stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            request(port, "GET", "/api/v1/me", timeout=2)
            return proc, port, log
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 60 s")


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()  # SIGTERM: the master stops its workers gracefully
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- CPU accounting: works for a subprocess per file and for a forkserver ----------

def _proc_table() -> dict[int, list[str]]:
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                table[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
    return table


def _cpu(fields: list[str], reaped: bool = True) -> float:
    """utime + stime, plus cutime + cstime (children already reaped), in seconds."""
    return sum(int(fields[i]) for i in ((11, 12, 13, 14) if reaped else (11, 12))
               ) / os.sysconf("SC_CLK_TCK")


def tree_cpu(root: int) -> tuple[float, float]:
    """CPU seconds below ``root``: (its children's own, all that *their* children used).

    Under gunicorn's master the children are the workers, and the second
    figure is the file inspection they start (probe processes, forked
    directly or by a forkserver that reaps them).
    """
    table, kids = _proc_table(), {}
    for pid, fields in table.items():
        kids.setdefault(int(fields[1]), []).append(pid)  # fields[1] = ppid
    own = below = 0.0
    for child in kids.get(root, []):
        own += _cpu(table[child], reaped=False)
        below += _cpu(table[child]) - _cpu(table[child], reaped=False)
        stack = list(kids.get(child, []))
        while stack:
            pid = stack.pop()
            below += _cpu(table[pid])
            stack += kids.get(pid, [])
    return own, below


# --- the load --------------------------------------------------------------------------

def build_bodies(n: int, pages: int, run: str) -> list[tuple[bytes, str]]:
    """All request bodies, made before the clock starts (PDFs cost CPU too)."""
    bodies = []
    for i in range(n):
        meta = {"code_number": str(i + 1), "code_notation": NOTATION,
                "issuer_name": "Sở Nội vụ tỉnh Demo", "document_type": "CV",
                "subject": f"V/v kiểm tra tải hệ thống, lượt {run}-{i + 1}",
                "issued_date": common.today(), "signer_name": "Nguyễn Văn Bền",
                "signer_position": "Giám đốc", "channel": "paper"}
        pdf = common.make_pdf(pages, f"{i + 1}/{NOTATION}")
        bodies.append(common.multipart({"metadata": json.dumps(meta, ensure_ascii=False)},
                                       [("files", f"cv-{i + 1}.pdf", pdf, "application/pdf")]))
    return bodies


def run_load(port: int, token: str, bodies: list, concurrency: int):
    """Send every body from ``concurrency`` threads; return latencies, errors, wall."""
    latencies: list[float] = []
    errors: list[str] = []
    lock, queue = threading.Lock(), list(enumerate(bodies))

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                _i, (body, ctype) = queue.pop(0)
            start = time.perf_counter()
            try:
                status, data = request(port, "POST", "/api/v1/incoming", body, {
                    "Authorization": f"Bearer {token}", "Content-Type": ctype})
                outcome = None if status == 201 else f"HTTP {status}: {data[:200]!r}"
            except OSError as exc:
                outcome = f"{type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                if outcome:
                    errors.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.perf_counter() - start


def verify_numbers(port: int, token: str) -> dict:
    """Read the whole incoming list back and check the numbering of our register."""
    items, page = [], 1
    while True:
        status, data = request(port, "GET", f"/api/v1/incoming?page={page}&per_page=200",
                               headers={"Authorization": f"Bearer {token}"})
        if status != 200:
            raise RuntimeError(f"list failed: HTTP {status} {data[:200]!r}")
        body = json.loads(data)
        items += body["items"]
        if len(items) >= body["total"] or not body["items"]:
            break
        page += 1
    ours = [d for d in items if d["code_notation"] == NOTATION]
    register_id = ours[0]["register_id"] if ours else None
    in_register = sorted(d["arrival_number"] for d in items if d["register_id"] == register_id)
    mine = sorted(d["arrival_number"] for d in ours)
    gap_free = bool(mine) and mine == list(range(mine[0], mine[-1] + 1))
    return {"bench_docs": len(ours), "register_docs": len(in_register),
            "ok": gap_free and in_register == list(range(1, len(in_register) + 1)),
            "range": f"{mine[0]}..{mine[-1]}" if mine else "-"}


def children_cpu() -> float:
    """CPU seconds used so far by every process this one started, reaped or alive."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime + sum(tree_cpu(os.getpid()))


def time_inspection(pdf: bytes, reps: int) -> tuple[float, float, float]:
    """``inspect_upload`` alone, before the load: wall of the first call (which may
    start helper processes), then median wall and mean child CPU of warm calls."""
    from archive.inspection import Limits, inspect_upload

    def once() -> float:
        start = time.perf_counter()
        inspect_upload("sample.pdf", pdf, Limits())
        return time.perf_counter() - start
    first, cpu = once(), children_cpu()
    walls = [once() for _ in range(reps)]
    return first, statistics.median(walls), (children_cpu() - cpu) / reps


def main() -> int:
    args = parse_args()
    run, load_before = uuid.uuid4().hex[:6], common.loadavg()
    box = proc = None
    try:
        box = common.Sandbox(args.backend, prefix="eo_bench_reg")
        print(f"[{args.backend}] {box.pg_name or box.url}; load average {load_before}")
        box.setup()
        sample = common.make_pdf(args.pages, "sample")
        first_wall, inspect_wall, inspect_cpu = time_inspection(sample, args.inspect_reps)
        bodies = build_bodies(args.requests, args.pages, run)
        print(f"PDF {len(sample) / 1024:.0f} KB, {args.pages} page(s); inspect_upload alone: "
              f"first call {first_wall * 1000:.0f} ms, then {inspect_wall * 1000:.0f} ms wall "
              f"and {inspect_cpu * 1000:.0f} ms CPU in child processes per file")
        proc, port, log = start_gunicorn(box, args.workers)
        status, data = request(port, "POST", "/api/v1/auth/token", json.dumps(
            {"username": "vanthu", "password": common.DEMO_PASSWORD}).encode(),
            {"Content-Type": "application/json"})
        if status != 201:
            raise RuntimeError(f"token: HTTP {status} {data[:200]!r}")
        token = json.loads(data)["token"]
        cpu_before = tree_cpu(proc.pid)
        latencies, errors, wall = run_load(port, token, bodies, args.concurrency)
        cpu_after = tree_cpu(proc.pid)
        load_after = common.loadavg()
        check = verify_numbers(port, token)
    finally:
        stop(proc)
        if box:
            box.cleanup()

    ok = len(latencies) - len(errors)
    ms = lambda s: f"{s * 1000:.0f}"  # noqa: E731
    p50, p95, p99 = (common.percentile(latencies, p) for p in (50, 95, 99))
    figures = {"throughput/s": f"{ok / wall:.2f}", "p50 ms": ms(p50), "p95 ms": ms(p95),
               "p99 ms": ms(p99), "max ms": ms(max(latencies)), "errors": str(len(errors))}
    print(f"\n{ok}/{len(latencies)} registered in {wall:.1f} s; "
          + ", ".join(f"{k} {v}" for k, v in figures.items()))
    for e in sorted(set(errors))[:5]:
        print("  error:", e)
    check["ok"] = check["ok"] and check["bench_docs"] == ok
    print(f"numbering: register holds {check['register_docs']} documents, "
          f"bench numbers {check['range']}, gap-free and unique: {check['ok']}")
    share = inspect_wall / p50 if p50 else 0
    own, probes = ((a - b) / len(latencies) for a, b in zip(cpu_after, cpu_before))
    cpu_note = (f"{ms(own + probes)} ms/reg ({ms(probes)} inspection = "
                f"{probes / (own + probes or 1):.0%})")
    print(f"inspection alone ≈ {ms(inspect_wall)} ms = {share:.0%} of the p50 latency "
          f"({ms(inspect_cpu)} ms CPU in child processes per file)")
    print(f"CPU of gunicorn workers and their children: {cpu_note}")
    if not args.no_results:
        params = (f"N={args.requests}, C={args.concurrency}, gunicorn -w {args.workers}, "
                  f"{args.pages}-page PDF {len(sample) // 1024} KB")
        common.update_results(
            "Registration (bench_registration.py)",
            ["date", "machine", "backend", "parameters", "throughput (reg/s)", "p50 ms",
             "p95 ms", "p99 ms", "max ms", "errors", "numbers gap-free",
             "inspect_upload alone: first call / warm wall / warm CPU",
             "server CPU per reg (inspection share)", "load avg 1 min (before/after)"],
            [[common.today(), common.machine(), args.backend, params, figures["throughput/s"],
              figures["p50 ms"], figures["p95 ms"], figures["p99 ms"], figures["max ms"],
              figures["errors"], "yes" if check["ok"] else "NO",
              f"{ms(first_wall)} / {ms(inspect_wall)} / {ms(inspect_cpu)} ms "
              f"(warm wall = {share:.0%} of p50)", cpu_note,
              f"{load_before} / {load_after}"]],
            key_columns=4)
    return 0 if not errors and check["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

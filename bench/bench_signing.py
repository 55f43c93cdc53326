"""PDF signing latency: eOffice's PAdES path against bare pyHanko on the same file, in one run.

Why: the leader signs with a PIN and waits for the answer; the clerk's issue
step fills the number and date, seals at B-LTA and the document is validated
whenever it is shown. This measures, on a throw-away demo PKI (certomancer TSA,
OCSP and CRLs served over HTTP on 127.0.0.1 by a separate process, as a real
TSA would be):

1. **Leader signature** (1-page and 50-page Decree 30 documents drawn by
   ``workflows.document_layout.generate_skeleton``, fields prepared once with
   ``signing.fields.prepare_fields``, untimed), at B-B and B-T:

   * ``eOffice``: ``signing.keys.pkcs12_signer(p12, PIN)`` (timed on its own:
     the app unlocks the PKCS#12 with the PIN on every signature, so each
     signature also gets a fresh signer), then ``signing.pades.sign_leader`` with
     the blue signature image and a fresh ``ValidationContext`` (trust root,
     fetching allowed), as ``workflows.issuing.sign_outgoing`` calls it;
   * ``eOffice, no validation context``: the same call without the context, so
     without the pre-sign certificate check (chain + OCSP/CRL);
   * bare pyHanko, ``PdfSigner`` + ``SimpleSigner.load_pkcs12`` (loaded once) +
     ``sign_pdf(IncrementalPdfFileWriter(..., strict=False))``, certifying
     (DocMDP fill forms) into ``SigLeader``: **invisible** (the same prepared
     document, except that ``SigLeader`` has a zero-size box: pyHanko draws an
     appearance whenever the field has an area, and ``stamp_style=None`` means
     its default stamp, not "no stamp"), with a **simple ``TextStampStyle``**
     (built-in Courier, nothing embedded), and with **our leader stamp** (the
     same PNG style as eOffice) to separate the appearance from our wrapper.

   Every case runs once per iteration, interleaved, so drift on a shared
   machine spreads over all of them.
2. **Pieces**: the pre-sign certificate check as ``SigningService.check_certificate``
   does it (fresh context, no intermediates), one TSA round trip
   (``pades.check_tsa``), an RSA-2048 private key parse (``SimpleSigner`` does it
   twice per signature), and the clerk's issue step on the leader-signed (B-T)
   document: ``fields.fill_fields`` (number + date), ``pades.sign_seal`` at B-LTA
   and ``signing.validation.validate_pdf`` of the final document (online, demo
   root trusted, as the app validates it).

    .venv/bin/python bench/bench_signing.py                 # 20 iterations, ~3-4 minutes on 2 cores
    .venv/bin/python bench/bench_signing.py --record        # also write the section in RESULTS.md
"""
from __future__ import annotations

import argparse
import io
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

PIN = "123456"
LEADER = ("leader", "Nguyễn Văn An")
AGENCY = "Sở Văn hóa, Thể thao và Du lịch"
SECTION = "Signing (bench_signing.py)"
BODY = """Căn cứ Luật Du lịch ngày 19 tháng 6 năm 2017;

Căn cứ Quyết định số 15/2025/QĐ-UBND ngày 10 tháng 3 năm 2025 của Ủy ban nhân dân tỉnh quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Sở Văn hóa, Thể thao và Du lịch;

Theo đề nghị của Trưởng phòng Quản lý du lịch.

QUYẾT ĐỊNH:

Điều 1. Công nhận điểm du lịch cấp tỉnh đối với Khu du lịch sinh thái Cù Lao Chàm.

Điều 2. Quyết định này có hiệu lực kể từ ngày ký.

Điều 3. Chánh Văn phòng Sở và các tổ chức, cá nhân có liên quan chịu trách nhiệm thi hành Quyết định này./."""
LONG_PARAGRAPH = ("Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh về tổ chức các hoạt động văn hóa, "
                  "du lịch năm 2026, Sở Văn hóa, Thể thao và Du lịch đề nghị các đơn vị triển "
                  "khai khẩn trương các nội dung sau đây để bảo đảm tiến độ đề ra; báo cáo kết "
                  "quả thực hiện về Sở (qua Phòng Quản lý du lịch) trước ngày 15 hằng tháng.")

# Case names (also the "operation" column of the table).
OURS = "eOffice sign_leader (fresh context: pre-sign OCSP/CRL check)"
OURS_TOTAL = "eOffice PIN unlock + sign_leader (what the leader waits for)"
OURS_NOVC = "eOffice sign_leader, no validation context"
BARE_INV = "bare pyHanko, invisible"
BARE_TEXT = "bare pyHanko, simple TextStampStyle (Courier)"
BARE_STAMP = "bare pyHanko, our leader image stamp"
SIGN_CASES = (OURS_TOTAL, OURS, OURS_NOVC, BARE_INV, BARE_TEXT, BARE_STAMP)
UNLOCK = "PIN unlock: keys.pkcs12_signer (PBKDF2 + key load)"
KEYPARSE = "RSA-2048 private key parse (SimpleSigner: twice per signature)"
CERTCHECK = "pre-sign check as SigningService.check_certificate (fresh context, no intermediates)"
TSA = "one TSA round trip (pades.check_tsa)"
FILL = "issue: fields.fill_fields (number + date)"
SEAL = "issue: pades.sign_seal B-LTA (fresh context)"
VALIDATE = "validate_pdf of the issued document (3 signatures, online)"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--iterations", type=int, default=20, help="timed runs per case")
    p.add_argument("--warmup", type=int, default=2, help="untimed runs per case first")
    p.add_argument("--pages", type=int, default=50, help="pages of the long document")
    p.add_argument("--record", action="store_true",
                   help="write the '## Signing' section of bench/RESULTS.md")
    p.add_argument("--keep", action="store_true", help="keep the PKI and sample PDFs; print where")
    return p.parse_args()


# --- set-up -----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_pki(directory: Path):
    """Build the demo PKI for a free port, serve it from a child process, wait for the TSA."""
    from signing import pades, pki
    port = free_port()
    info = pki.build_pki(directory, url_prefix=f"http://127.0.0.1:{port}", agency_name=AGENCY,
                         people=[LEADER], pin=PIN, demo=True)
    code = ("import sys, time; sys.path.insert(0, sys.argv[1]); from signing.pki import serve_pki; "
            "serve_pki(sys.argv[2], port=int(sys.argv[3])); time.sleep(10**6)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(common.ROOT), str(directory), str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while True:
        try:
            pades.check_tsa(info.tsa_url, timeout=2)
            return info, proc
        except Exception:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("PKI server did not start: "
                                   + proc.stderr.read().decode(errors="replace")[-2000:])
            time.sleep(0.2)


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader
    return len(PdfReader(io.BytesIO(pdf)).pages)


def documents(pages: int) -> dict:
    """{label: (prepared PDF, same with an invisible SigLeader)} for 1 and ``pages`` pages."""
    from signing import fields
    from signing.model import Box
    from workflows.document_layout import SkeletonInput, generate_skeleton
    base = SkeletonInput(
        parent_body="UBND TỈNH QUẢNG NAM", issuing_body="SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH",
        type_name="Quyết định", type_abbrev="QĐ", notation="QĐ-SVHTTDL", place="Tam Kỳ",
        year=2026, subject="Về việc công nhận điểm du lịch cấp tỉnh", body=BODY,
        authority="KT. GIÁM ĐỐC", signer_title="PHÓ GIÁM ĐỐC", signer_name=LEADER[1],
        recipients=["Như Điều 3;", "UBND tỉnh (b/c);", "Giám đốc Sở (b/c);"],
        archive_units="VT, VP", drafter_mark="PL.(5)")
    skeletons = {1: generate_skeleton(base)}
    if pages > 1:  # grow the body until the document has exactly ``pages`` pages
        n = 20 * pages
        for _ in range(12):
            pdf, layout = generate_skeleton(replace(base, body=BODY + "\n\n" + "\n\n".join(
                [LONG_PARAGRAPH] * n)))
            got = page_count(pdf)
            if got == pages:
                break
            n = max(1, n + (math.ceil((pages - got) * n / got) if got < pages else
                            -max(1, (got - pages) * n // got)))
        skeletons[got] = (pdf, layout)
    out = {}
    for n_pages, (pdf, layout) in skeletons.items():
        hidden = replace(layout, leader=Box(layout.leader.page, 0, 0, 0, 0))
        prepared = fields.prepare_fields(pdf, layout)
        out[f"{n_pages} page{'s' if n_pages > 1 else ''} ({len(prepared) // 1024} KB)"] = (
            prepared, fields.prepare_fields(pdf, hidden))
    return out


# --- the operations ---------------------------------------------------------------------------

class Timer:
    """Collects wall and process-CPU milliseconds per (document, level, operation)."""

    def __init__(self):
        self.wall: dict = {}
        self.cpu: dict = {}
        self.size: dict = {}
        self.record = False

    def run(self, key, fn, *args, **kwargs):
        w0, c0 = time.perf_counter(), time.process_time()
        result = fn(*args, **kwargs)
        wall, cpu = (time.perf_counter() - w0) * 1000, (time.process_time() - c0) * 1000
        if self.record:
            self.wall.setdefault(key, []).append(wall)
            self.cpu.setdefault(key, []).append(cpu)
            if isinstance(result, bytes):
                self.size[key] = len(result)
        return result, wall, cpu

    def add(self, key, wall, cpu, size=None):
        if self.record:
            self.wall.setdefault(key, []).append(wall)
            self.cpu.setdefault(key, []).append(cpu)
            if size is not None:
                self.size[key] = size


def bare_sign(pdf: bytes, signer, style, level: str, tsa_url: str) -> bytes:
    """Plain pyHanko as its documentation shows it: certify into the existing SigLeader."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
    from pyhanko.sign.timestamps import HTTPTimeStamper
    meta = signers.PdfSignatureMetadata(field_name="SigLeader", subfilter=SigSeedSubFilter.PADES,
                                        md_algorithm="sha256", certify=True,
                                        docmdp_permissions=MDPPerm.FILL_FORMS)
    ts = HTTPTimeStamper(tsa_url) if level == "B-T" else None
    pdf_signer = signers.PdfSigner(meta, signer, timestamper=ts, stamp_style=style)
    return pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)).getvalue()


def run(args) -> dict:
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign import signers
    from pyhanko.stamp import TextStampStyle
    from pyhanko_certvalidator import ValidationContext
    from signing import appearance as ap
    from signing import fields, keys, pades
    from signing.model import FIELD_DATE, FIELD_NUMBER, Appearance
    from signing.validation import TrustSettings, validate_pdf
    from workflows.document_layout import format_date_line, number_field_text

    tmp = Path(tempfile.mkdtemp(prefix="eo_bench_signing-"))
    proc = None
    try:
        t0 = time.perf_counter()
        info, proc = start_pki(tmp / "pki")
        docs = documents(args.pages)
        print(f"PKI built and served on {info.url_prefix} (child process {proc.pid}); documents "
              f"{', '.join(docs)} drawn and prepared in {time.perf_counter() - t0:.1f} s")
        root = info.root_der()
        root_cert = asn1_x509.Certificate.load(root)
        leader_p12, seal_p12 = info.p12("leader"), info.p12("seal")
        leader_cert = keys.load_cert(info.cert_der("leader"))
        appearance = Appearance(image=ap.demo_signature_png(LEADER[1]))
        seal_png = ap.demo_seal_png(AGENCY)
        text_style = TextStampStyle(stamp_text="Digitally signed\nTime: %(ts)s")
        our_stamp = ap.leader_style(appearance)
        bare_signer = signers.SimpleSigner.load_pkcs12(str(info.path(info.entities["leader"].p12)),
                                                       passphrase=PIN.encode())
        key_der = bare_signer.signing_key.dump()
        trust = TrustSettings(trust_roots=[root], demo_roots=[root], allow_fetching=True)

        def context():  # SigningService.validation_context(): a new one per signature
            return ValidationContext(trust_roots=[root_cert], allow_fetching=True)

        # One leader-signed (B-T) document per size for the issue step, made by our path.
        leader_signed = {d: pades.sign_leader(pdf, keys.pkcs12_signer(leader_p12, PIN), appearance,
                                              "B-T", pades.timestamper(info.tsa_url), context())
                         for d, (pdf, _) in docs.items()}
        when = date(2026, 1, 5)
        values = {FIELD_NUMBER: number_field_text("15/QĐ-SVHTTDL"),
                  FIELD_DATE: format_date_line("Tam Kỳ", when)}

        timer, last = Timer(), {}
        total = args.warmup + args.iterations
        started = time.perf_counter()
        for i in range(total):
            timer.record = i >= args.warmup
            for d, (pdf, invisible) in docs.items():
                for level in ("B-B", "B-T"):
                    ts = lambda: pades.timestamper(info.tsa_url) if level == "B-T" else None  # noqa: E731
                    # eOffice: unlock with the PIN, then sign (the leader waits for both)
                    signer, w_unlock, c_unlock = timer.run(("-", "-", UNLOCK), keys.pkcs12_signer,
                                                           leader_p12, PIN)
                    out, w_sign, c_sign = timer.run((d, level, OURS), pades.sign_leader, pdf, signer,
                                                    appearance, level, ts(), context())
                    timer.add((d, level, OURS_TOTAL), w_unlock + w_sign, c_unlock + c_sign, len(out))
                    last[(d, level, OURS)] = out
                    signer = keys.pkcs12_signer(leader_p12, PIN)
                    last[(d, level, OURS_NOVC)] = timer.run(
                        (d, level, OURS_NOVC), pades.sign_leader, pdf, signer, appearance, level,
                        ts(), None)[0]
                    for case, src, style in ((BARE_INV, invisible, None), (BARE_TEXT, pdf, text_style),
                                             (BARE_STAMP, pdf, our_stamp)):
                        last[(d, level, case)] = timer.run((d, level, case), bare_sign, src,
                                                           bare_signer, style, level, info.tsa_url)[0]
                # the clerk's issue step on the leader-signed document
                filled = timer.run((d, "-", FILL), fields.fill_fields, leader_signed[d], values)[0]
                seal_signer = keys.pkcs12_signer(seal_p12, PIN)
                issued = timer.run((d, "B-LTA", SEAL), pades.sign_seal, filled, seal_signer,
                                   seal_png, "B-LTA", pades.timestamper(info.tsa_url), context())[0]
                reports = timer.run((d, "-", VALIDATE), validate_pdf, issued, trust)[0]
                last[(d, "B-LTA", SEAL)], last[(d, "-", VALIDATE)] = issued, reports
            timer.run(("-", "-", CERTCHECK), pades.check_certificate, leader_cert, context())
            timer.run(("-", "B-T", TSA), pades.check_tsa, info.tsa_url)
            timer.run(("-", "-", KEYPARSE), serialization.load_der_private_key, key_der, None)
            if i == args.warmup - 1 or i == total - 1 or (i + 1) % 5 == 0:
                print(f"  iteration {i + 1}/{total} done, {time.perf_counter() - started:.0f} s")
        checks = sanity_checks(last, docs, trust, validate_pdf)
        return {"timer": timer, "docs": list(docs), "checks": checks}
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
        if args.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def sanity_checks(last: dict, docs: list, trust, validate_pdf) -> list[str]:
    """Validate the last output of every signing case once (untimed): are we timing real work?"""
    lines = []
    for key, out in sorted(last.items()):
        if key[2] == VALIDATE:
            reports = out
        else:
            reports = validate_pdf(out, trust)
        summary = ", ".join(f"{r.field} {r.status}/{r.level or r.kind}"
                            f"{' ts ok' if r.timestamp_valid else ''}"
                            f"{' ' + r.modification_level if r.modification_level not in ('', 'NONE') else ''}"
                            for r in reports)
        bad = [r for r in reports if r.status != "valid"]
        lines.append(f"{'ok ' if not bad else 'BAD'} {key[0]} {key[1]} {key[2]}: {summary}")
    return lines


# --- figures ----------------------------------------------------------------------------------

def summarise(timer: Timer) -> dict:
    out = {}
    for key, values in timer.wall.items():
        out[key] = {"n": len(values), "p50": common.percentile(values, 50),
                    "p95": common.percentile(values, 95),
                    "cpu": common.percentile(timer.cpu[key], 50),
                    "kb": timer.size.get(key, 0) / 1024 if key in timer.size else None}
    return out


ORDER = [OURS_TOTAL, OURS, OURS_NOVC, BARE_STAMP, BARE_TEXT, BARE_INV, FILL, SEAL, VALIDATE,
         UNLOCK, CERTCHECK, TSA, KEYPARSE]


def ordered_keys(figures: dict, docs: list) -> list:
    rank_doc = {d: i for i, d in enumerate(["-"] + docs)}
    rank_level = {"-": 0, "B-B": 1, "B-T": 2, "B-LTA": 3}
    def rank(key):
        d, level, op = key
        section = 0 if op in SIGN_CASES else (1 if op in (FILL, SEAL, VALIDATE) else 2)
        return (section, rank_doc[d], rank_level[level], ORDER.index(op))
    return sorted(figures, key=rank)


def print_table(figures: dict, docs: list) -> None:
    print(f"\n{'document':<20} {'level':<6} {'operation':<86} {'n':>3} {'p50':>7} {'p95':>7} "
          f"{'CPU p50':>8} {'out KB':>7}")
    previous = None
    for key in ordered_keys(figures, docs):
        d, level, op = key
        if previous and (previous[0], previous[1]) != (d, level):
            print()
        f = figures[key]
        kb = f"{f['kb']:.0f}" if f["kb"] else "-"
        print(f"{d:<20} {level:<6} {op:<86} {f['n']:>3} {f['p50']:7.1f} {f['p95']:7.1f} "
              f"{f['cpu']:8.1f} {kb:>7}")
        previous = key


def interpretation(figures: dict, docs: list, load: tuple[float, float] | None = None) -> list[str]:
    """Where our time goes, from this run's medians (wall, then this process's CPU)."""
    g = lambda d, level, op: figures[(d, level, op)]["p50"]  # noqa: E731
    c = lambda d, level, op: figures[(d, level, op)]["cpu"]  # noqa: E731
    unlock, check, tsa = g("-", "-", UNLOCK), g("-", "-", CERTCHECK), g("-", "B-T", TSA)
    lines = []
    cores = os.cpu_count() or 1
    if load and max(load) > cores:
        lines.append(
            f"* **The machine was busy** (load average {load[0]:.1f} → {load[1]:.1f} on {cores} "
            f"cores): wall times, and p95 most of all, include waiting for a core. Differences of "
            f"a few tens of ms between wall medians are noise; the CPU column is the steadier "
            f"comparison.")
    for d in docs:
        bb = {op: g(d, "B-B", op) for op in SIGN_CASES}
        bt = {op: g(d, "B-T", op) for op in SIGN_CASES}
        cb = {op: c(d, "B-B", op) for op in SIGN_CASES}
        lines.append(
            f"* **{d}**: the leader waits {bb[OURS_TOTAL]:.0f} ms at B-B and {bt[OURS_TOTAL]:.0f} ms "
            f"at B-T (PIN unlock + `sign_leader`, p50 wall); bare pyHanko on the same file takes "
            f"{bb[BARE_INV]:.0f} / {bt[BARE_INV]:.0f} ms invisible, {bb[BARE_TEXT]:.0f} / "
            f"{bt[BARE_TEXT]:.0f} ms with a Courier text stamp and {bb[BARE_STAMP]:.0f} / "
            f"{bt[BARE_STAMP]:.0f} ms with our image stamp (B-B / B-T). Our B-B path is "
            f"{bb[OURS_TOTAL] - bb[BARE_INV]:+.0f} ms wall from bare invisible: PIN unlock "
            f"{unlock:.0f}, pre-sign certificate check {bb[OURS] - bb[OURS_NOVC]:+.0f} "
            f"(`sign_leader` with vs without a context), image appearance "
            f"{bb[BARE_STAMP] - bb[BARE_INV]:+.0f} (bare with our stamp vs invisible), the rest "
            f"of our wrapper {bb[OURS_NOVC] - bb[BARE_STAMP]:+.0f} (`sign_leader` without context "
            f"vs bare with the same stamp). The TSA adds {bt[OURS] - bb[OURS]:+.0f} ms to our "
            f"path and {bt[BARE_INV] - bb[BARE_INV]:+.0f} ms to bare invisible (one round trip "
            f"alone: {tsa:.0f} ms).")
        lines.append(
            f"  In CPU (B-B, p50): bare invisible {cb[BARE_INV]:.0f} ms, with our image stamp "
            f"{cb[BARE_STAMP]:.0f} (appearance {cb[BARE_STAMP] - cb[BARE_INV]:+.0f}), with the "
            f"Courier stamp {cb[BARE_TEXT]:.0f}; `sign_leader` without context {cb[OURS_NOVC]:.0f} "
            f"({cb[OURS_NOVC] - cb[BARE_STAMP]:+.0f} vs bare with the same stamp: "
            f"`CachedKeySimpleSigner` parses the private key once per signature, `SimpleSigner` "
            f"twice, {c('-', '-', KEYPARSE):.0f} ms CPU each, which outweighs our extra "
            f"`open_writer` parse and field check), with context {cb[OURS]:.0f} "
            f"({cb[OURS] - cb[OURS_NOVC]:+.0f} for the check; the rest of its cost is waiting for "
            f"the OCSP/CRL server), plus the PIN unlock {c('-', '-', UNLOCK):.0f}.")
    lines.append(
        f"* The leader appearance is the PNG only (`Appearance(image=...)`), so no font is "
        f"embedded in the leader's signature: the image adds "
        f"{figures[(docs[0], 'B-B', BARE_STAMP)]['kb'] - figures[(docs[0], 'B-B', BARE_INV)]['kb']:.0f} KB "
        f"to the output (bare with our stamp vs invisible). The embedded Vietnamese font is paid in `fill_fields` "
        f"({g(docs[0], '-', FILL):.0f} ms wall, {c(docs[0], '-', FILL):.0f} ms CPU for number + "
        f"date) and in text appearances (attachments, leaders without an image).")
    lines.append(
        f"* The pre-sign certificate check costs {check:.0f} ms p50 wall "
        f"({c('-', '-', CERTCHECK):.0f} ms CPU) when run as `SigningService.check_certificate` "
        f"does it (fresh context, no intermediate certificates passed). `sign_outgoing` runs that "
        f"check and then `sign_leader` checks again with a second fresh context, so the leader's "
        f"click pays it twice; the `sign_leader` rows include only the second. The check with a "
        f"fresh fetching context also leaves an unclosed aiohttp session behind "
        f"(\"Unclosed client session\" on stderr).")
    if len(docs) > 1:
        small, big = docs[0], docs[-1]
        lines.append(
            f"* {big} vs {small}: our B-T signature {g(big, 'B-T', OURS):.0f} vs "
            f"{g(small, 'B-T', OURS):.0f} ms ({c(big, 'B-T', OURS):.0f} vs "
            f"{c(small, 'B-T', OURS):.0f} ms CPU), bare invisible {g(big, 'B-T', BARE_INV):.0f} vs "
            f"{g(small, 'B-T', BARE_INV):.0f} ms; validation {g(big, '-', VALIDATE):.0f} vs "
            f"{g(small, '-', VALIDATE):.0f} ms ({c(big, '-', VALIDATE):.0f} vs "
            f"{c(small, '-', VALIDATE):.0f} ms CPU); fill {g(big, '-', FILL):.0f} vs "
            f"{g(small, '-', FILL):.0f} ms.")
    d = docs[0]
    lines.append(
        f"* CPU vs wall ({d}, B-T): `sign_leader` uses {c(d, 'B-T', OURS):.0f} ms of this "
        f"process's CPU for {g(d, 'B-T', OURS):.0f} ms wall, bare pyHanko invisible "
        f"{c(d, 'B-T', BARE_INV):.0f} of {g(d, 'B-T', BARE_INV):.0f} ms; the rest is waiting for "
        f"the TSA/OCSP/CRL server process (and for a core when the box is busy).")
    lines.append(
        f"* STACK.md §2 measured (median of 10, cached key) 148 ms for a visible B-B signature and "
        f"298 ms at B-T (1 page); the comparable figures here are `sign_leader` without context "
        f"{g(d, 'B-B', OURS_NOVC):.0f} / {g(d, 'B-T', OURS_NOVC):.0f} ms and bare pyHanko with our "
        f"stamp {g(d, 'B-B', BARE_STAMP):.0f} / {g(d, 'B-T', BARE_STAMP):.0f} ms (B-B / B-T).")
    lines.append(
        f"* Issue step ({d}): fill number + date {g(d, '-', FILL):.0f} ms, seal at B-LTA "
        f"{g(d, 'B-LTA', SEAL):.0f} ms (certificate check, signature timestamp, OCSP/CRL into the "
        f"DSS, document timestamp), validation of the issued document {g(d, '-', VALIDATE):.0f} ms.")
    return lines


def versions() -> str:
    names = ["pyHanko", "pyhanko-certvalidator", "cryptography", "certomancer"]
    return ", ".join(f"{n} {metadata.version(n)}" for n in names)


def nproc() -> str:
    try:
        return subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except Exception:
        return str(os.cpu_count())


def record(figures: dict, docs: list, args, load: tuple[float, float], minutes: float,
           checks: list[str]) -> None:
    cores = nproc()
    head = [
        f"Leader signature latency, eOffice's path against bare pyHanko on the same prepared file "
        f"in the same run (cases interleaved), plus the clerk's issue step. Script: "
        f"`bench/bench_signing.py` (run it with `--record`).",
        "",
        f"* date {common.today()}; machine: {cores} cores (`nproc` = {cores}); load average 1 min "
        f"before / after: {load[0]:.1f} / {load[1]:.1f}; whole run {minutes:.1f} min",
        f"* {versions()}; Python {sys.version.split()[0]}",
        f"* {args.iterations} timed iterations per case after {args.warmup} warm-up; p50/p95 are "
        f"nearest-rank; CPU = this process's CPU time (the TSA/OCSP/CRL server runs in a separate "
        f"process, certomancer over HTTP on 127.0.0.1, so wall − CPU is mostly waiting for it)",
        f"* documents: Decree 30 decisions from `generate_skeleton` (Liberation Serif, Vietnamese), "
        f"fields prepared with `prepare_fields`; RSA-2048 demo PKI from `signing.pki.build_pki`; "
        f"the leader appearance is `Appearance(image=demo_signature_png(name))`",
        f"* the bare invisible case signs the same document with a zero-size `SigLeader` (with "
        f"`stamp_style=None` pyHanko draws its default stamp in any field that has an area)",
        "",
    ]
    header = ["date", "machine", "document", "level", "operation", "n", "p50 ms", "p95 ms",
              "CPU p50 ms", "output KB"]
    rows = []
    for key in ordered_keys(figures, docs):
        d, level, op = key
        f = figures[key]
        rows.append([common.today(), f"{cores} cores", d, level, op, str(f["n"]), f"{f['p50']:.1f}",
                     f"{f['p95']:.1f}", f"{f['cpu']:.1f}", f"{f['kb']:.0f}" if f["kb"] else "-"])
    table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    table += ["| " + " | ".join(r) + " |" for r in rows]
    body = head + table + ["", "Where the time goes (medians of this run):", ""]
    body += interpretation(figures, docs, load)
    body += ["", "Output check (the last output of every case validated once, untimed):", "",
             "```", *checks, "```"]
    begin, end = f"<!-- {SECTION}:begin -->", f"<!-- {SECTION}:end -->"
    text = common.RESULTS.read_text(encoding="utf-8")
    block = f"{begin}\n" + "\n".join(body) + f"\n{end}"
    if begin in text:
        before, rest = text.split(begin, 1)
        text = before + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + f"\n\n## Signing\n\n{block}\n"
    common.RESULTS.write_text(text, encoding="utf-8")
    print(f"\nrecorded in {common.RESULTS.relative_to(common.ROOT)} (section '## Signing')")


def main() -> int:
    args = parse_args()
    load_before, started = common.loadavg(), time.perf_counter()
    print(f"load average {load_before}; {common.machine()} (nproc {nproc()}); {versions()}")
    result = run(args)
    figures = summarise(result["timer"])
    print_table(figures, result["docs"])
    print("\noutput check:\n  " + "\n  ".join(result["checks"]))
    load_after = common.loadavg()
    load = (float(load_before), float(load_after))
    print("\n" + "\n".join(interpretation(figures, result["docs"], load)))
    minutes = (time.perf_counter() - started) / 60
    print(f"\nload average before {load_before}, after {load_after}; whole run {minutes:.1f} min")
    if args.record:
        record(figures, result["docs"], args, load, minutes, result["checks"])
    return 0


if __name__ == "__main__":
    sys.exit(main())

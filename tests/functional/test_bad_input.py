"""Bad input at the door: every refused upload or form leaves no trace.

Each case goes through the real web layer (JSON API ``POST /api/v1/incoming``
and the browser form ``POST /incoming/new``), the real sandboxed probe and a
real database (SQLite and PostgreSQL). For every refusal we check the status,
the message (it names the file or the field), and that nothing was stored:
no document, file or blob row, no blob on disk, no number taken from the
register, no ``register`` audit entry. A good registration afterwards gets
the next number, which proves no number was consumed.
"""
from __future__ import annotations

import dataclasses
import io
import json
import random
import struct
import time
import zlib
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from app.extensions import db
from archive import directory, registers
from archive.models import AuditEntry, Blob, Document, DocumentFile, Register
from tests.conftest import incoming_fields, make_image, make_pdf, unique_pdf
from workflows.incoming import vn_today

# Message fragments of archive.inspection (Vietnamese is the default language).
BOMB_OR_TOO_COMPLEX = ("dữ liệu nén bất thường", "quá phức tạp")

_serial = iter(range(7000, 1_000_000))
# One arrival date for the whole run: a run that crosses midnight stays consistent.
TODAY = vn_today()


# --- hand-made hostile files -----------------------------------------------------

def build_pdf(objects: list[bytes]) -> bytes:
    """A syntactically valid PDF: objects 1..n, an exact xref table, trailer /Root 1 0 R."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{off:010d} 00000 n \n".encode() for off in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"


def absurd_page_count_pdf() -> bytes:
    """One real page, but the page tree declares a hundred million."""
    return build_pdf([CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 100000000 >>",
                      b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"])


def deflated_zeros(total: int, chunk: int = 1 << 20) -> bytes:
    """A valid zlib stream of ``total`` zero bytes, built without compressing them all.

    After a sync flush the compressor's output for another chunk of zeros is
    the same bytes every time (the window is all zeros), so the stream is the
    first chunk, that steady block repeated, an empty final block and the
    Adler-32 of ``total`` zeros (A = 1, B = total mod 65521).
    """
    assert total % chunk == 0
    comp = zlib.compressobj(9)
    zeros = bytes(chunk)
    first = comp.compress(zeros) + comp.flush(zlib.Z_SYNC_FLUSH)
    steady = comp.compress(zeros) + comp.flush(zlib.Z_SYNC_FLUSH)
    assert comp.compress(zeros) + comp.flush(zlib.Z_SYNC_FLUSH) == steady
    final_block = comp.flush()[:-4]  # drop the checksum of the three chunks compressed
    adler = ((total % 65521) << 16) | 1
    return first + steady * (total // chunk - 1) + final_block + struct.pack(">I", adler)


def _content_stream(raw: bytes) -> bytes:
    return (f"<< /Length {len(raw)} /Filter /FlateDecode >>\nstream\n".encode() + raw
            + b"\nendstream")


def pdf_bomb() -> bytes:
    """One page whose content stream inflates to 2 GiB of zeros (about 2 MB on disk)."""
    return build_pdf([CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                      b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                      _content_stream(deflated_zeros(2 * 1024 ** 3))])


def split_pdf_bomb(parts: int = 30) -> bytes:
    """Thirty content streams of 70 MiB each: every one under a per-stream limit."""
    each = _content_stream(deflated_zeros(70 * 1024 ** 2))
    refs = " ".join(f"{4 + i} 0 R" for i in range(parts)).encode()
    return build_pdf([CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                      b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents ["
                      + refs + b"] >>"] + [each] * parts)


def png_bomb(width: int = 60000, height: int = 60000) -> bytes:
    """A PNG whose header declares 60000 x 60000 grey pixels (3.6 gigapixels)."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))
    comp = zlib.compressobj(9)
    rows = b"".join(comp.compress(bytes(width + 1)) for _ in range(64)) + comp.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0,
                                                                0, 0, 0))
            + chunk(b"IDAT", rows) + chunk(b"IEND", b""))


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(("Văn bản mật khẩu",)))))
    writer.encrypt("secret")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def corrupt_pdf() -> bytes:
    return b"%PDF-1.4\n" + random.Random(20261121).randbytes(4096)


def truncated_pdf() -> bytes:
    data = make_pdf(("Bản bị cắt",), pages=2)
    return data[: len(data) // 2]


def docx_bytes() -> bytes:
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def exe_bytes() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(118) + b"PE\x00\x00" + bytes(200)


# --- what is stored ------------------------------------------------------------------

def blob_files(app) -> list[str]:
    root = Path(app.config["DATA_DIR"]) / "blobs"
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def stored(app) -> dict:
    """Everything a registration could leave behind, read on a separate connection
    (what is committed, not what the request's session still holds)."""
    with db.engine.connect() as conn:
        def count(model, *where):
            return conn.scalar(select(func.count()).select_from(model).where(*where))
        return {
            "documents": count(Document), "document_files": count(DocumentFile),
            "blobs": count(Blob),
            "registers": dict(conn.execute(select(Register.id, Register.last_number)).all()),
            "register_audit": count(AuditEntry, AuditEntry.action == "register"),
            "blob_files": blob_files(app),
        }


def good_fields(**overrides) -> dict:
    fields = incoming_fields(code_number=str(next(_serial)), arrival_date=TODAY.isoformat(),
                             issued_date=(TODAY - timedelta(days=2)).isoformat())
    fields.update(overrides)
    return fields


def api_post(client, headers, fields, files, lang: str | None = None, raw_metadata=None):
    data = {"metadata": raw_metadata if raw_metadata is not None else json.dumps(fields)}
    if files:
        data["files"] = [(io.BytesIO(content), name) for name, content in files]
    hdrs = dict(headers)
    if lang:
        hdrs["Accept-Language"] = lang
    return client.post("/api/v1/incoming", data=data, headers=hdrs,
                       content_type="multipart/form-data")


def register_good(client, headers, expected_number: int) -> dict:
    resp = api_post(client, headers, good_fields(), [("scan.pdf", unique_pdf())])
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["arrival_number"] == expected_number
    return body


def assert_envelope(resp, status: int, code: str, field: str, *fragments: str) -> dict:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:500])
    body = resp.get_json()
    assert body is not None and set(body) >= {"error", "message", "fields"}, body
    assert body["error"] == code, body
    assert field in body["fields"], body
    for fragment in fragments:
        assert fragment in body["message"], body
        assert fragment in body["fields"][field], body
    return body


# --- bad files through the API ------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class BadFile:
    label: str
    name: str
    make: object  # () -> bytes
    status: int
    code: str
    says: str  # fragment of the Vietnamese message


BAD_FILES = [
    BadFile("png named .pdf", "Công văn 12.pdf", lambda: make_image("PNG"), 415,
            "unsupported_file", "tên tệp là PDF nhưng nội dung là ảnh PNG"),
    BadFile("pdf named .jpg", "ban-quet.jpg", make_pdf, 415, "unsupported_file",
            "tên tệp là ảnh JPEG nhưng nội dung là PDF"),
    BadFile("random bytes named .pdf", "rac.pdf", lambda: random.Random(7).randbytes(2048), 415,
            "unsupported_file", "nội dung không phải"),
    BadFile("word document", "to-trinh.docx", docx_bytes, 415, "unsupported_file",
            "chỉ nhận PDF hoặc ảnh quét"),
    BadFile("windows program", "setup.exe", exe_bytes, 415, "unsupported_file",
            "chỉ nhận PDF hoặc ảnh quét"),
    BadFile("word document named .pdf", "to-trinh.pdf", docx_bytes, 415, "unsupported_file",
            "nội dung không phải"),
    BadFile("empty file", "rong.pdf", lambda: b"", 422, "invalid_file", "tệp rỗng"),
    BadFile("encrypted pdf", "mat-khau.pdf", encrypted_pdf, 422, "invalid_file",
            "được mã hóa hoặc đặt mật khẩu"),
    BadFile("corrupt pdf", "hong.pdf", corrupt_pdf, 422, "invalid_file", "bị hỏng"),
    BadFile("truncated pdf", "cat-doi.pdf", truncated_pdf, 422, "invalid_file", "bị hỏng"),
    BadFile("absurd page count", "trang.pdf", absurd_page_count_pdf, 422, "invalid_file",
            "có 100000000 trang, vượt giới hạn"),
]


def test_api_refuses_bad_files_and_stores_nothing(app, client, api, subtests):
    headers = api("vanthu")
    register_good(client, headers, expected_number=1)
    for case in BAD_FILES:
        with subtests.test(case.label):
            before = stored(app)
            resp = api_post(client, headers, good_fields(), [(case.name, case.make())])
            body = assert_envelope(resp, case.status, case.code, "main_file",
                                   f"Tệp “{case.name}”", case.says)
            assert body["file"] == case.name
            assert stored(app) == before
    register_good(client, headers, expected_number=2)
    after = stored(app)
    assert after["documents"] == 2 and list(after["registers"].values()) == [2]
    assert after["register_audit"] == 2


def test_api_bad_attachment_refuses_the_whole_registration(app, client, api):
    headers = api("vanthu")
    before = stored(app)
    resp = api_post(client, headers, good_fields(),
                    [("chinh.pdf", unique_pdf()), ("phu-luc.pdf", encrypted_pdf())], lang="en")
    body = assert_envelope(resp, 422, "invalid_file", "attachments",
                           "File “phu-luc.pdf”", "is encrypted or password-protected")
    assert body["file"] == "phu-luc.pdf"
    # the valid main file was not kept either, and no register was created
    assert stored(app) == before and before["registers"] == {}
    register_good(client, headers, expected_number=1)


def test_api_limits_on_size_and_pages(app, client, api):
    headers = api("vanthu")
    register_good(client, headers, expected_number=1)
    app.extensions["eoffice.limits"] = dataclasses.replace(
        app.extensions["eoffice.limits"], max_bytes=1024 * 1024, max_pages=3)
    before = stored(app)

    big = make_pdf() + b"%" + bytes(1024 * 1024)
    resp = api_post(client, headers, good_fields(), [("lon.pdf", big)])
    assert_envelope(resp, 413, "too_large", "main_file", "Tệp “lon.pdf”",
                    "vượt quá giới hạn 1 MB")
    assert stored(app) == before

    resp = api_post(client, headers, good_fields(), [("nam-trang.pdf", make_pdf(pages=5))])
    assert_envelope(resp, 422, "invalid_file", "main_file", "Tệp “nam-trang.pdf”",
                    "có 5 trang, vượt giới hạn 3 trang")
    assert stored(app) == before

    tiff = make_image("TIFF", frames=4, size=(40, 60))
    resp = api_post(client, headers, good_fields(), [("quet.tiff", tiff)])
    assert_envelope(resp, 422, "invalid_file", "main_file", "Tệp “quet.tiff”",
                    "có 4 trang, vượt giới hạn 3 trang")
    assert stored(app) == before

    # the whole request over MAX_CONTENT_LENGTH: refused before it is read
    app.config["MAX_CONTENT_LENGTH"] = 512 * 1024
    resp = api_post(client, headers, good_fields(), [("lon.pdf", big)])
    assert resp.status_code == 413
    assert resp.get_json()["error"] == "too_large" and resp.get_json()["message"]
    assert stored(app) == before
    app.config["MAX_CONTENT_LENGTH"] = 200 * 1024 * 1024

    register_good(client, headers, expected_number=2)


BOMBS = [
    ("pdf: 2 GiB of zeros in one content stream", "bom.pdf", pdf_bomb),
    ("pdf: 30 x 70 MiB content streams", "bom-nhieu-luong.pdf", split_pdf_bomb),
    ("png: 60000 x 60000 pixels", "bom.png", png_bomb),
]
BOMB_TIMINGS: dict[str, float] = {}


def test_decompression_bombs_are_refused_and_the_server_survives(app, client, api, subtests):
    headers = api("vanthu")
    register_good(client, headers, expected_number=1)
    for label, name, make in BOMBS:
        with subtests.test(label):
            data = make()
            assert len(data) < 5 * 1024 * 1024  # the test itself stays small
            before = stored(app)
            started = time.perf_counter()
            resp = api_post(client, headers, good_fields(), [(name, data)])
            BOMB_TIMINGS[label] = round(time.perf_counter() - started, 2)
            assert resp.status_code == 422, resp.get_json()
            body = resp.get_json()
            assert body["error"] == "invalid_file" and f"Tệp “{name}”" in body["message"]
            assert any(s in body["message"] for s in BOMB_OR_TOO_COMPLEX), body
            assert stored(app) == before
            # the web process is alive and answers the next request
            assert client.get("/api/v1/me", headers=headers).status_code == 200
    print(f"\nbomb refusal times (s): {BOMB_TIMINGS}")
    register_good(client, headers, expected_number=2)


# --- bad fields through the API -------------------------------------------------------------

def test_api_refuses_invalid_fields_and_stores_nothing(app, client, api, subtests):
    headers = api("vanthu")
    today = TODAY
    staff = directory.find_staff(db.session, "vanthu")
    last_year = registers.get_or_create_default(db.session, staff.organization_id, "incoming",
                                                today.year - 1, False)
    db.session.commit()
    last_year_id = last_year.id
    pdf = ("scan.pdf", unique_pdf())

    with subtests.test("missing required fields"):
        before = stored(app)
        fields = good_fields()
        for name in ("subject", "issuer_name", "document_type"):
            fields.pop(name)
        resp = api_post(client, headers, fields, [pdf])
        body = assert_envelope(resp, 422, "invalid", "subject")
        assert {"subject", "issuer_name", "document_type"} <= set(body["fields"])
        assert body["fields"]["subject"] == "Chưa nhập trích yếu."
        assert body["fields"]["issuer_name"] == "Chưa nhập cơ quan ban hành."
        assert body["fields"]["document_type"] == "Chưa nhập loại văn bản."
        assert stored(app) == before

    with subtests.test("missing required fields, in English"):
        resp = api_post(client, headers, good_fields(subject="  "), [pdf], lang="en")
        body = assert_envelope(resp, 422, "invalid", "subject")
        assert body["fields"]["subject"] == "The subject is required."
        assert body["message"] == "Some fields are invalid; see the marked fields."

    future = (vn_today() + timedelta(days=2)).isoformat()
    for field, says in (("arrival_date", "Ngày đến không được sau hôm nay."),
                        ("issued_date", "Ngày văn bản không được sau hôm nay.")):
        with subtests.test(f"{field} in the future"):
            before = stored(app)
            resp = api_post(client, headers, good_fields(**{field: future}), [pdf])
            body = assert_envelope(resp, 422, "invalid", field)
            assert body["fields"][field] == says
            assert stored(app) == before

    with subtests.test("unknown register"):
        before = stored(app)
        resp = api_post(client, headers, good_fields(register_id=999999), [pdf])
        assert_envelope(resp, 404, "not_found", "register_id", "Sổ đăng ký không tồn tại.")
        assert stored(app) == before

    with subtests.test("register of another year"):
        before = stored(app)
        resp = api_post(client, headers, good_fields(register_id=last_year_id), [pdf])
        assert_envelope(resp, 422, "invalid", "register_id",
                        f"Sổ này dành cho năm {today.year - 1}")
        assert stored(app) == before and before["registers"] == {last_year_id: 0}

    with subtests.test("unknown document type"):
        before = stored(app)
        resp = api_post(client, headers, good_fields(document_type="XYZ"), [pdf])
        assert_envelope(resp, 422, "invalid", "document_type", "Loại văn bản không có")
        assert stored(app) == before

    with subtests.test("no file at all"):
        before = stored(app)
        resp = api_post(client, headers, good_fields(), [])
        assert_envelope(resp, 422, "invalid", "files", "Chưa có tệp văn bản chính")
        assert stored(app) == before

    for label, raw in (("not JSON", "{subject: 'thiếu ngoặc kép'"), ("a JSON list", "[1, 2]")):
        with subtests.test(f"metadata {label}"):
            before = stored(app)
            resp = api_post(client, headers, None, [pdf], raw_metadata=raw)
            assert resp.status_code == 400
            body = resp.get_json()
            assert body["error"] == "bad_request" and body["message"]
            assert "metadata" in body["fields"], body
            assert stored(app) == before

    for label, raw in (("JSON body not JSON", "{subject"), ("JSON body a list", "[1, 2]")):
        with subtests.test(label):  # metadata sent as an application/json body
            before = stored(app)
            resp = client.post("/api/v1/incoming", data=raw, headers=headers,
                               content_type="application/json")
            assert resp.status_code == 400, resp.get_data(as_text=True)[:300]
            assert "metadata" in resp.get_json()["fields"]
            assert stored(app) == before

    # no number was consumed: the first real registration of the year is number 1
    register_good(client, headers, expected_number=1)


# --- the browser form -------------------------------------------------------------------------

def form_post(browser, fields, main=None, attachments=(), with_token=True):
    data = dict(fields)
    if with_token:
        data["csrf_token"] = browser.token()
    if main is not None:
        data["main_file"] = (io.BytesIO(main[1]), main[0])
    if attachments:
        data["attachments"] = [(io.BytesIO(content), name) for name, content in attachments]
    return browser.client.post("/incoming/new", data=data, content_type="multipart/form-data")


def staged_files(app) -> list[Path]:
    root = Path(app.config["DATA_DIR"]) / "staging"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_form_refuses_bad_input_and_stores_nothing(app, browser, subtests):
    browser.login("vanthu")
    cases = [  # the page answers with the same status as the API
        ("png named .pdf", 415, good_fields(), ("Công văn 12.pdf", make_image("PNG")), (),
         ["Tệp “Công văn 12.pdf”", "nội dung là ảnh PNG"]),
        ("encrypted pdf", 422, good_fields(), ("mat-khau.pdf", encrypted_pdf()), (),
         ["Tệp “mat-khau.pdf”", "được mã hóa"]),
        ("empty file", 422, good_fields(), ("rong.pdf", b""), (),
         ["Tệp “rong.pdf”", "tệp rỗng"]),
        ("bad attachment", 415, good_fields(), ("chinh.pdf", unique_pdf()),
         [("phu-luc.exe", exe_bytes())], ["Tệp “phu-luc.exe”", "chỉ nhận PDF"]),
        ("missing subject", 422, good_fields(subject=""), ("chinh.pdf", unique_pdf()), (),
         ["Chưa nhập trích yếu."]),
        ("arrival date in the future", 422,
         good_fields(arrival_date=(vn_today() + timedelta(days=3)).isoformat()),
         ("chinh.pdf", unique_pdf()), (), ["Ngày đến không được sau hôm nay."]),
    ]
    for label, status, fields, main, attachments, fragments in cases:
        with subtests.test(label):
            before = stored(app)
            resp = form_post(browser, fields, main, attachments)
            html = resp.get_data(as_text=True)
            assert resp.status_code == status, html[:500]
            for fragment in fragments:
                assert fragment in html
            assert stored(app) == before
    # a refused file is not kept aside for a resubmission
    kept = [p for p in staged_files(app) if p.suffix == ".bin"]
    assert len(kept) == 2  # only the two forms refused for their fields kept their (good) files

    resp = form_post(browser, good_fields(), ("chinh.pdf", unique_pdf()))
    assert resp.status_code == 302
    doc = db.session.scalar(select(Document))
    assert doc.arrival_number == 1 and resp.headers["Location"].endswith(f"/documents/{doc.id}")


def test_form_refuses_an_oversized_file_and_request(app, browser):
    browser.login("vanthu")
    app.extensions["eoffice.limits"] = dataclasses.replace(
        app.extensions["eoffice.limits"], max_bytes=1024 * 1024)
    before = stored(app)
    big = make_pdf() + b"%" + bytes(1024 * 1024)
    resp = form_post(browser, good_fields(), ("lon.pdf", big))
    assert resp.status_code == 413
    assert "Tệp “lon.pdf”: vượt quá giới hạn 1 MB." in resp.get_data(as_text=True)
    assert stored(app) == before

    token = browser.token()
    app.config["MAX_CONTENT_LENGTH"] = 512 * 1024
    resp = browser.client.post("/incoming/new", data={
        **good_fields(), "csrf_token": token, "main_file": (io.BytesIO(big), "lon.pdf")},
        content_type="multipart/form-data")
    assert resp.status_code == 413
    assert "Dữ liệu gửi lên quá lớn." in resp.get_data(as_text=True)
    assert stored(app) == before

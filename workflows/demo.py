"""The demo agency (API.md): "Sở Văn hóa, Thể thao và Du lịch" with its logins.

Demo data only: the password and PIN below are public. Loading is idempotent
(run it twice, get the same agency, people and documents).
"""
from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive import directory
from archive.identity import Actor
from archive.inspection import Limits
from archive.models import Department, Document, Organization
from archive.storage import BlobStorage
from workflows import incoming

DEMO_PASSWORD = "eoffice-demo"
DEMO_PIN = "123456"
DEMO_ORGAN_ID = "000.00.21.H99"
ORG = {"name": "Sở Văn hóa, Thể thao và Du lịch", "abbreviation": "SVHTTDL",
       "parent_name": "ỦY BAN NHÂN DÂN TỈNH DEMO", "place_name": "Demo"}
DEPARTMENTS = [("Văn phòng", "VP"), ("Phòng Quản lý Văn hóa", "QLVH"),
               ("Phòng Quản lý Du lịch", "QLDL"), ("Phòng Quản lý Thể dục thể thao", "QLTDTT"),
               ("Phòng Xây dựng nếp sống văn hóa và Gia đình", "XDNSVHGD")]
# username, full name, title, department abbreviation, roles
PEOPLE = [
    ("vanthu", "Nguyễn Thị Thu", "Văn thư", "VP", ["clerk"]),
    ("chanhvanphong", "Trần Văn Chánh", "Chánh Văn phòng", "VP", ["office_head"]),
    ("giamdoc", "Lê Minh Đức", "Giám đốc", None, ["leader"]),
    ("phogiamdoc", "Phạm Thị Hạnh", "Phó Giám đốc", None, ["leader"]),
    ("truongphong.vh", "Hoàng Văn Hải", "Trưởng phòng Quản lý Văn hóa", "QLVH",
     ["department_head"]),
    ("chuyenvien.vh", "Đỗ Thị Lan", "Chuyên viên", "QLVH", ["specialist"]),
    ("truongphong.dl", "Vũ Quốc Dũng", "Trưởng phòng Quản lý Du lịch", "QLDL",
     ["department_head"]),
    ("chuyenvien.dl", "Bùi Thị Mai", "Chuyên viên", "QLDL", ["specialist"]),
    ("luutru", "Ngô Văn Lưu", "Lưu trữ viên", "VP", ["archivist"]),
    ("quantri", "Đặng Quản Trị", "Quản trị hệ thống", "VP", ["admin"]),
]
DOCUMENTS = [
    {"code_number": "125", "code_notation": "UBND-VX", "issuer_name": "Ủy ban nhân dân tỉnh Demo",
     "document_type": "CV", "subject": "V/v tổ chức các hoạt động văn hóa chào mừng Tết Nguyên đán",
     "signer_position": "Phó Chủ tịch", "signer_name": "Trần Quốc Bảo", "urgency": "urgent"},
    {"code_number": "45", "code_notation": "QĐ-BVHTTDL",
     "issuer_name": "Bộ Văn hóa, Thể thao và Du lịch", "document_type": "QD",
     "subject": "Quyết định về việc công nhận điểm du lịch cấp tỉnh",
     "signer_position": "Thứ trưởng", "signer_name": "Hồ An Phong"},
    {"code_number": "18", "code_notation": "KH-SNV", "issuer_name": "Sở Nội vụ tỉnh Demo",
     "document_type": "KH", "subject": "Kế hoạch kiểm tra công tác văn thư, lưu trữ năm 2026",
     "signer_position": "Giám đốc", "signer_name": "Lý Thị Nga", "urgency": "normal"},
]


def _sample_pdf(title: str, subject: str) -> bytes:
    """A one-page PDF standing in for a scanned document (Vietnamese text)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font = "DemoSerif"
    if font not in pdfmetrics.getRegisteredFontNames():
        for path in ("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
                     "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"):
            try:
                pdfmetrics.registerFont(TTFont(font, path))
                break
            except Exception:  # noqa: BLE001 - try the next font
                continue
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont(font, 13)
    c.drawString(72, 780, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    c.drawString(72, 760, "Độc lập - Tự do - Hạnh phúc")
    c.drawString(72, 720, title)
    c.drawString(72, 700, subject[:90])
    c.drawString(72, 660, "(Văn bản mẫu của dữ liệu trình diễn)")
    c.showPage()
    c.save()
    return buf.getvalue()


def _ensure_org(session: Session) -> Organization:
    org = session.scalar(select(Organization).where(Organization.organ_id == DEMO_ORGAN_ID))
    if org is None:
        org = directory.create_organization(session, Actor.system(), organ_id=DEMO_ORGAN_ID,
                                            **ORG)
    return org


def _ensure_departments(session: Session, org: Organization) -> dict[str, Department]:
    found = {d.abbreviation: d for d in session.scalars(
        select(Department).where(Department.organization_id == org.id))}
    for name, abbrev in DEPARTMENTS:
        if abbrev not in found:
            found[abbrev] = directory.create_department(
                session, Actor.system(org.id), organization_id=org.id, name=name,
                abbreviation=abbrev)
    return found


def _ensure_people(session: Session, org: Organization, depts: dict[str, Department]) -> None:
    for username, full_name, title, dept, roles in PEOPLE:
        if directory.find_staff(session, username) is None:
            directory.create_staff(
                session, Actor.system(org.id), organization_id=org.id, username=username,
                full_name=full_name, password=DEMO_PASSWORD, roles=roles,
                department_id=depts[dept].id if dept else None, position_title=title,
                signing_pin=DEMO_PIN if "leader" in roles or "clerk" in roles else None)


def _ensure_documents(session: Session, org: Organization, storage: BlobStorage,
                      limits: Limits, today: date, routing) -> int:
    have = session.scalar(select(func.count(Document.id)).where(
        Document.organization_id == org.id))
    if have:
        return 0
    clerk = Actor.of(directory.find_staff(session, "vanthu"))
    for i, fields in enumerate(DOCUMENTS):
        issued = today - timedelta(days=3 - i)
        pdf = _sample_pdf(f"Số: {fields['code_number']}/{fields['code_notation']}",
                          fields["subject"])
        incoming.register_incoming(
            session, clerk, storage, limits,
            {**fields, "issued_date": issued.isoformat(), "arrival_date": today.isoformat(),
             "channel": "paper"},
            [incoming.Upload(f"van-ban-{i + 1}.pdf", pdf)], today=today, routing=routing)
    return len(DOCUMENTS)


# The demo danh mục hồ sơ (numbered per heading): heading, code, [(title, retention
# code, người lập hồ sơ)]; "{year}" is the list's year.
DEMO_FILE_LIST = [
    ("Tổ chức cán bộ", "TCCB", [
        ("Kế hoạch, báo cáo công tác tổ chức cán bộ năm {year}", "VV-02", "chanhvanphong"),
        ("Hồ sơ tuyển dụng viên chức năm {year}", "70-01", "chanhvanphong"),
        ("Hồ sơ thi đua, khen thưởng năm {year}", "10-02", "chanhvanphong")]),
    ("Văn hóa", "VH", [
        ("Hồ sơ tổ chức các hoạt động văn hóa chào mừng Tết Nguyên đán", "10-02",
         "chuyenvien.vh"),
        ("Hồ sơ lễ hội văn hóa truyền thống năm {year}", "10-02", "chuyenvien.vh"),
        ("Công văn trao đổi về quản lý văn hóa năm {year}", "05-01", "truongphong.vh")]),
    ("Du lịch", "DL", [
        ("Hồ sơ công nhận điểm du lịch cấp tỉnh năm {year}", "VV-03", "chuyenvien.dl"),
        ("Kế hoạch phát triển du lịch năm {year}", "10-02", "truongphong.dl")]),
    ("Văn thư, lưu trữ", "VTLT", [
        ("Sổ đăng ký văn bản đến năm {year}", "20-02", "vanthu"),
        ("Tập lưu văn bản đi năm {year}", "50-01", "vanthu"),
        ("Hồ sơ kiểm tra công tác văn thư, lưu trữ năm {year}", "10-02", "luutru")]),
]


def ensure_demo_file_list(session: Session, year: int):
    """The demo agency's approved danh mục of ``year`` (left alone when the year
    already has a list), written and approved through the use cases."""
    from archive.filing_models import FileList, RetentionPeriod
    from workflows import file_lists, retention_catalogue
    retention_catalogue.ensure_seed(session)
    session.commit()
    org = session.scalar(select(Organization).where(Organization.organ_id == DEMO_ORGAN_ID))
    found = session.scalar(select(FileList).where(FileList.organization_id == org.id,
                                                  FileList.year == year))
    if found is not None:
        return found
    clerk = Actor.of(directory.find_staff(session, "vanthu"))
    periods = {p.code: p.id for p in session.scalars(select(RetentionPeriod))}
    fl = file_lists.create_list(session, clerk, year, numbering="heading")
    for title, suffix, entries in DEMO_FILE_LIST:
        heading = file_lists.add_heading(session, clerk, year, fl.version,
                                         {"title": title, "code_suffix": suffix})
        for entry_title, retention, username in entries:
            file_lists.add_entry(session, clerk, year, fl.version, {
                "heading_id": heading.id, "title": entry_title.format(year=year),
                "retention_id": periods[retention],
                "creator_id": directory.find_staff(session, username).id})
    leader = Actor.of(directory.find_staff(session, "giamdoc"))
    return file_lists.approve_list(session, leader, year, fl.version)


def load_demo(session: Session, storage: BlobStorage, limits: Limits,
              today: date | None = None, with_documents: bool = True, routing=None) -> dict:
    """Create (or complete) the demo agency; return what was loaded. With the
    documents (``flask demo``) comes the approved danh mục hồ sơ of the year, so
    files can be opened from it; the retention catalogue is always there."""
    from workflows import retention_catalogue
    directory.seed_document_types(session)
    retention_catalogue.ensure_seed(session)
    org = _ensure_org(session)
    depts = _ensure_departments(session, org)
    _ensure_people(session, org, depts)
    session.commit()
    today = today or incoming.vn_today()
    added = (_ensure_documents(session, org, storage, limits, today, routing)
             if with_documents else 0)
    session.commit()
    if with_documents:
        ensure_demo_file_list(session, today.year)
    return {"organization": org.name, "documents_added": added,
            "logins": [(p[0], p[2]) for p in PEOPLE], "password": DEMO_PASSWORD,
            "pin": DEMO_PIN}


# --- demo PKI and signing keys (issue 4) --------------------------------------------

SIGNERS = ("giamdoc", "phogiamdoc")  # leaders with personal certificates
SEAL_TOKEN = "eoffice-seal"          # PKCS#11 token label of the agency key (SoftHSM2 demo)


def build_demo_pki(directory, port: int):
    """The demo agency's PKI (root, issuing CA, TSA, OCSP), clearly marked untrusted."""
    from signing.pki import PkiInfo, build_pki
    from pathlib import Path
    if (Path(directory) / "pki.json").is_file():
        return PkiInfo.load(directory)
    people = [(u, name) for u, name, *_rest in PEOPLE if u in SIGNERS]
    return build_pki(directory, url_prefix=f"http://127.0.0.1:{port}", agency_name=ORG["name"],
                     people=[(label.replace(".", "-"), name) for label, name in people],
                     pin=DEMO_PIN, demo=True)


def provision_signing(session: Session, storage: BlobStorage, info, pin: str = DEMO_PIN,
                      seal_token: dict | None = None) -> int:
    """Give the demo leaders their PKCS#12 keys and the agency its seal key.

    ``seal_token`` (``{"token_label", "key_label"}``) puts the agency key on a
    PKCS#11 token (SoftHSM2 here, an HSM or the văn thư's USB token in real
    life); without it the seal is a PKCS#12 file unlocked by the clerk's PIN.
    Idempotent per run: a credential already present is replaced.
    """
    from signing.appearance import demo_seal_png, demo_signature_png
    from workflows import credentials
    org = session.scalar(select(Organization).where(Organization.organ_id == DEMO_ORGAN_ID))
    count = 0
    for username in SIGNERS:
        person = directory.find_staff(session, username)
        label = username.replace(".", "-")
        if person is None or label not in info.entities:
            continue
        credentials.add_pkcs12(session, storage, org.id, person.id, info.p12(label), pin,
                               image_png=demo_signature_png(person.full_name))
        count += 1
    seal_png = demo_seal_png(org.name)
    if seal_token:
        credentials.add_pkcs11(session, storage, org.id, None, info.cert_der("seal"),
                               info.chain_der(), token_label=seal_token["token_label"],
                               key_label=seal_token.get("key_label", "seal"),
                               image_png=seal_png)
    else:
        credentials.add_pkcs12(session, storage, org.id, None, info.p12("seal"), pin,
                               image_png=seal_png)
    session.commit()
    return count + 1

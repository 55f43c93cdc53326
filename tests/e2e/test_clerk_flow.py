"""The clerk's day in a real browser: log in, register a scanned incoming
document, find it in the register, read it in the pdf.js viewer, check the
register on a phone, and confirm a suspected duplicate.

Runs the real application (``live_server``, tests/e2e/conftest.py) on SQLite
and on PostgreSQL, driven by Debian's headless Chromium through Playwright
(never `playwright install`). Every browser console error fails the test;
Content-Security-Policy violations are reported there by Chromium.
"""
from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.e2e.chromium import CHROMIUM

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PDFJS = ROOT / "app" / "static" / "vendor" / "pdfjs" / "pdf.min.mjs"
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} not found: run scripts/setup.sh", allow_module_level=True)
if not PDFJS.is_file():
    pytest.skip("pdf.js not installed in app/static/vendor/pdfjs: run scripts/setup.sh",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright not installed: run scripts/setup.sh")
expect = sync_api.expect

PASSWORD = "eoffice-demo"
SUBJECT = "Quyết định về việc công nhận làng văn hóa"
ISSUER = "Ủy ban nhân dân tỉnh Demo"
FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
]
TIMEOUT_MS = 20_000


# --- a scanned document ---------------------------------------------------------

def _font(size: int):
    from PIL import ImageFont
    for path in FONT_CANDIDATES:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default()


def scanned_pdf(title: str, pages: int = 2) -> bytes:
    """An image-only PDF as a scanner makes it: one greyscale 100-dpi A4 PNG
    per page (text, a seal, a table drawn with Pillow), wrapped by img2pdf."""
    import img2pdf
    from PIL import Image, ImageDraw

    images = []
    for n in range(1, pages + 1):
        page = Image.new("L", (827, 1169), 250)  # off-white paper
        draw = ImageDraw.Draw(page)
        draw.text((80, 60), "ỦY BAN NHÂN DÂN TỈNH DEMO", fill=20, font=_font(20))
        draw.text((400, 60), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", fill=20, font=_font(16))
        draw.text((470, 90), "Độc lập - Tự do - Hạnh phúc", fill=20, font=_font(16))
        draw.text((80, 200), title, fill=10, font=_font(30))
        draw.text((80, 250), f"Trang {n} / {pages}", fill=60, font=_font(22))
        for i in range(12):  # body lines
            y = 330 + 38 * i
            draw.line((80, y, 747 - (i % 3) * 90, y), fill=90, width=4)
        draw.rectangle((80, 820, 747, 1000), outline=30, width=3)  # a table
        draw.line((300, 820, 300, 1000), fill=30, width=3)
        draw.ellipse((520, 880, 700, 1060), outline=40, width=8)  # the seal
        buf = io.BytesIO()
        page.save(buf, format="PNG", dpi=(100, 100))
        images.append(buf.getvalue())
    return img2pdf.convert(images)


# --- browser helpers ------------------------------------------------------------

def open_context(chromium, **context_args):
    """A browser context whose pages record console errors and page errors."""
    context = chromium.new_context(locale="vi-VN", **context_args)
    context.set_default_timeout(TIMEOUT_MS)
    context.console_errors = []

    def watch(page):
        page.on("console", lambda m: m.type == "error" and context.console_errors.append(
            f"{page.url}: {m.text} ({m.location.get('url', '')})"))
        page.on("pageerror", lambda e: context.console_errors.append(f"{page.url}: {e}"))

    context.on("page", watch)
    return context


def login(page, base: str, username: str = "vanthu") -> None:
    page.goto(base + "/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_label("Mật khẩu").press("Enter")
    expect(page.get_by_role("button", name="Đăng xuất", exact=True)).to_be_visible()


def nav_link(page, name: str):
    return page.get_by_role("navigation", name="Chức năng").get_by_role(
        "link", name=name, exact=True)


def fill_incoming_form(page, main_file: Path, number: str = "15") -> None:
    expect(page.get_by_role("heading", name="Vào sổ văn bản đến")).to_be_visible()
    page.get_by_label("Số", exact=True).fill(number)
    page.get_by_label("Ký hiệu", exact=True).fill("QĐ-UBND")
    page.get_by_label("Ngày văn bản").fill((date.today() - timedelta(days=12)).isoformat())
    page.get_by_label("Loại văn bản").select_option(label="Quyết định")
    page.get_by_label(re.compile(r"^Cơ quan ban hành")).fill(ISSUER)
    page.get_by_label("Trích yếu").fill(SUBJECT)
    page.get_by_label("Độ khẩn", exact=True).select_option(label="Khẩn")
    page.get_by_label("Tệp chính").set_input_files(main_file)


def submit(page) -> None:
    page.get_by_role("button", name="Vào sổ", exact=True).click()
    page.wait_for_load_state()


def register_first(page, base: str, tmp_path: Path) -> None:
    """Steps 1–3: log in, register the scanned decision, land on its page."""
    login(page, base)
    nav_link(page, "Vào sổ văn bản đến").click()
    scan = tmp_path / "QD-15-UBND-scan.pdf"
    scan.write_bytes(scanned_pdf("QUYẾT ĐỊNH số 15/QĐ-UBND"))
    fill_incoming_form(page, scan)
    submit(page)
    expect(page).to_have_url(re.compile(r"/documents/\d+$"))
    expect(page.locator("#arrival-number")).to_have_text("1")
    expect(page.get_by_role("heading", level=1)).to_contain_text(SUBJECT)
    expect(page.locator(".flash.success")).to_contain_text("số đến 1")


def canvas_stats(page) -> dict:
    return page.evaluate("""() => {
        const c = document.querySelector('.pdf-viewer canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let dark = 0;
        for (let k = 0; k < d.length; k += 4)
            if (d[k] < 200 || d[k + 1] < 200 || d[k + 2] < 200) dark++;
        return {w: c.width, h: c.height, dark};
    }""")


def no_horizontal_scroll(page) -> dict:
    return page.evaluate("""() => ({
        scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
        wide: Array.from(document.querySelectorAll('body *'))
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 5).map(e => e.tagName + '.' + e.className)})""")


# --- tests ----------------------------------------------------------------------

def test_clerk_registers_and_reads_a_scanned_document(chromium, live_server, tmp_path):
    context = open_context(chromium, viewport={"width": 1280, "height": 900})
    page = context.new_page()

    register_first(page, live_server, tmp_path)

    # 4. The register lists it, marked urgent.
    nav_link(page, "Sổ văn bản đến").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sổ văn bản đến")
    row = page.locator("table.register tbody tr").filter(has_text=SUBJECT)
    expect(row).to_have_count(1)
    expect(row.locator("td.num")).to_have_text("1")
    expect(row).to_have_class(re.compile(r"\burgent\b"))
    badge = row.locator(".badge.urgent")
    expect(badge).to_have_count(1)
    assert badge.text_content().strip() == "Khẩn"
    expect(row).to_contain_text("15/QĐ-UBND")
    expect(row).to_contain_text(ISSUER)

    # 5. Open it: the scan is drawn by pdf.js.
    row.get_by_role("link", name=SUBJECT).click()
    expect(page).to_have_url(re.compile(r"/documents/\d+$"))
    page.wait_for_selector(".pdf-viewer[data-state=rendered]", timeout=TIMEOUT_MS)
    assert page.locator(".pdf-viewer").get_attribute("data-pages") == "2"
    stats = canvas_stats(page)
    assert stats["w"] > 100 and stats["dark"] > 1000, stats
    page.screenshot(path="/tmp/e2e-document.png", full_page=True)

    # 6. The register on a phone: no sideways scrolling.
    phone = open_context(chromium, viewport={"width": 360, "height": 740},
                         device_scale_factor=2, is_mobile=True, has_touch=True,
                         storage_state=context.storage_state())
    mobile = phone.new_page()
    mobile.goto(live_server + "/incoming/")
    expect(mobile.get_by_role("heading", level=1)).to_contain_text("Sổ văn bản đến")
    expect(mobile.locator("table.register tbody tr").filter(has_text=SUBJECT)).to_be_visible()
    scroll = no_horizontal_scroll(mobile)
    assert scroll["scrollWidth"] <= scroll["innerWidth"] + 1, scroll
    mobile.screenshot(path="/tmp/e2e-phone.png", full_page=True)

    errors = context.console_errors + phone.console_errors
    phone.close()
    context.close()
    assert not errors, errors


def test_duplicate_warning_then_confirm_keeps_the_staged_file(chromium, live_server, tmp_path):
    context = open_context(chromium, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    register_first(page, live_server, tmp_path)

    # The same số/ký hiệu/issuer again, with another scan.
    nav_link(page, "Vào sổ văn bản đến").click()
    other = tmp_path / "QD-15-UBND-ban-sao.pdf"
    other.write_bytes(scanned_pdf("BẢN SAO — QUYẾT ĐỊNH số 15/QĐ-UBND", pages=1))
    fill_incoming_form(page, other)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        submit(page)
    assert posted.value.status == 409

    warning = page.locator("section.warning")
    expect(warning).to_be_visible()
    expect(warning.get_by_role("heading")).to_have_text("Có thể trùng văn bản đã vào sổ")
    earlier = warning.get_by_role("link")
    expect(earlier).to_have_count(1)
    expect(earlier).to_contain_text("Số đến 1")
    expect(earlier).to_contain_text(SUBJECT)
    expect(earlier).to_have_attribute("href", re.compile(r"/documents/\d+$"))
    # The form kept what was typed and the uploaded file.
    expect(page.get_by_label("Số", exact=True)).to_have_value("15")
    expect(page.get_by_label("Độ khẩn", exact=True)).to_have_value("urgent")
    expect(page.get_by_role("group", name="Tệp văn bản")).to_contain_text("QD-15-UBND-ban-sao.pdf")
    main_file = page.get_by_label("Tệp chính")
    assert main_file.evaluate("el => el.files.length") == 0
    assert main_file.get_attribute("required") is None

    page.get_by_label("vẫn vào sổ").check()
    submit(page)
    expect(page).to_have_url(re.compile(r"/documents/\d+$"))
    expect(page.locator("#arrival-number")).to_have_text("2")
    expect(page.locator("ul.files")).to_contain_text("QD-15-UBND-ban-sao.pdf")
    page.wait_for_selector(".pdf-viewer[data-state=rendered]", timeout=TIMEOUT_MS)
    assert page.locator(".pdf-viewer").get_attribute("data-pages") == "1"

    nav_link(page, "Sổ văn bản đến").click()
    numbers = page.locator("table.register tbody td.num").all_text_contents()
    assert sorted(n.strip() for n in numbers) == ["1", "2"]

    # The warning page is served with HTTP 409 on purpose (the API says the
    # same); Chromium logs any 4xx document as a console error: that one only.
    errors = [e for e in context.console_errors
              if not re.search(r"status of 409 \(CONFLICT\) \(http://[^)]+/incoming/new\)$", e)]
    context.close()
    assert len(errors) == len(context.console_errors) - 1, context.console_errors
    assert not errors, errors

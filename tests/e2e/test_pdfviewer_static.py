"""End-to-end check of the pdf.js viewer (app/static/js/pdfviewer.js) in real
headless Chromium, without Flask: a tiny static HTTP server on 127.0.0.1
serves a copy of app/static, an index page with the viewer div and a 3-page
PDF generated with reportlab.

The server sends a strict Content-Security-Policy (script-src 'self', no
inline script, no eval, no WebAssembly), the one the application will use,
so a CSP violation shows up here as a console error and fails the test.

Needs pdf.js installed by scripts/install_pdfjs.sh, Debian's
/usr/bin/chromium and the playwright Python package (never
`playwright install`: the browser comes from Debian).
"""

from __future__ import annotations

import html
import io
import mimetypes
import shutil
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.e2e.chromium import CHROMIUM

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "app" / "static"
PDFJS = STATIC / "vendor" / "pdfjs"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
       "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
       "worker-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
VI_TEXT = "Quyết định về việc đầu tư"
SESSION_COOKIE = "eoffice_session=test-cookie-123"
LINES = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Căn cứ Luật Đầu tư công; xét đề nghị của Sở Kế hoạch và Đầu tư,",
]
# TrueType fonts with Vietnamese glyphs from Debian packages that Chromium
# already pulls in (fonts-liberation2, fonts-dejavu-core via fontconfig).
# (Liberation 1.x, also the one in pdf.js standard_fonts/, lacks them.)
FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
]

if not (PDFJS / "pdf.min.mjs").is_file():
    pytest.skip("pdf.js not installed: run scripts/install_pdfjs.sh",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} not found (apt-get install chromium)",
                allow_module_level=True)

# Python's http.server may not know these; Flask must register the same.
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("application/wasm", ".wasm")
mimetypes.add_type("application/octet-stream", ".bcmap")
mimetypes.add_type("application/octet-stream", ".pfb")
mimetypes.add_type("application/vnd.iccprofile", ".icc")


def vietnamese_font() -> str:
    from reportlab.pdfbase.ttfonts import TTFontFile

    needed = {ord(ch) for ch in VI_TEXT + "".join(LINES) if not ch.isspace()}
    for path in FONT_CANDIDATES:
        if Path(path).is_file() and needed <= set(TTFontFile(path).charToGlyph):
            return path
    raise AssertionError("no TrueType font with Vietnamese glyphs found; "
                         "apt-get install fonts-liberation2 or fonts-dejavu-core")


def make_pdf() -> bytes:
    """A 3-page A4 PDF: Vietnamese text in an embedded TrueType font, plus a
    line in Helvetica (a standard font, not embedded)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("VNSans", vietnamese_font()))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    width, height = A4
    for n in range(1, 4):
        c.setFillColorRGB(0.1, 0.25, 0.6)
        c.rect(50, height - 120, width - 100, 60, fill=1, stroke=0)
        c.setFillColorRGB(1, 1, 1)
        c.setFont("VNSans", 22)
        c.drawString(65, height - 100, f"{VI_TEXT} – trang {n}")
        c.setFillColorRGB(0, 0, 0)
        c.setFont("VNSans", 13)
        for i, line in enumerate(LINES):
            c.drawString(65, height - 170 - 22 * i, line)
        c.setFont("Helvetica", 11)
        c.drawString(65, 60, f"Standard font (Helvetica) - page {n} of 3")
        c.showPage()
    c.save()
    return buf.getvalue()


def page_html(src: str, title: str = "PDF") -> str:
    attrs = {
        "data-src": src,
        "data-lib": "static/vendor/pdfjs/pdf.min.mjs",
        "data-worker": "static/vendor/pdfjs/pdf.worker.min.mjs",
        "data-cmaps": "static/vendor/pdfjs/cmaps/",
        "data-fonts": "static/vendor/pdfjs/standard_fonts/",
    }
    div = " ".join(f'{k}="{html.escape(v)}"' for k, v in attrs.items())
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="static/css/pdfviewer.css">
<script type="module" src="static/js/pdfviewer.js"></script>
</head><body>
<h1>{html.escape(title)}</h1>
<div class="pdf-viewer" {div}></div>
</body></html>"""


class Handler(SimpleHTTPRequestHandler):
    requests: list[tuple[str, str]]  # (path, Cookie header), set per server

    def end_headers(self):
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self):
        self.requests.append((self.path, self.headers.get("Cookie", "")))
        super().do_GET()

    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("pdfviewer-site")
    shutil.copytree(STATIC, root / "static")
    (root / "doc.pdf").write_bytes(make_pdf())
    (root / "index.html").write_text(page_html("doc.pdf", VI_TEXT), encoding="utf-8")
    (root / "missing.html").write_text(page_html("missing.pdf"), encoding="utf-8")
    (root / "scan.html").write_text(page_html("scan.pdf"), encoding="utf-8")
    handler = type("H", (Handler,), {"requests": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.root = root
    httpd.base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.requests = handler.requests
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def open_page(chromium, server, path, **context_args):
    context = chromium.new_context(**context_args)
    name, value = SESSION_COOKIE.split("=")
    context.add_cookies([{"name": name, "value": value, "url": server.base}])
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    page.goto(server.base + path)
    return page


def canvas_stats(page, index=0):
    """Size of a rendered canvas and whether it has a non-white pixel."""
    return page.evaluate("""(i) => {
        const c = document.querySelectorAll('.pdf-viewer canvas')[i];
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let dark = 0;
        for (let k = 0; k < d.length; k += 4)
            if (d[k] < 200 || d[k + 1] < 200 || d[k + 2] < 200) dark++;
        return {w: c.width, h: c.height, cssW: c.getBoundingClientRect().width, dark};
    }""", index)


def test_renders_pdf_lazily_with_toolbar(chromium, server):
    page = open_page(chromium, server, "index.html",
                     viewport={"width": 1000, "height": 800}, device_scale_factor=1)
    viewer = page.locator(".pdf-viewer")
    page.wait_for_selector(".pdf-viewer[data-state=rendered]", timeout=20_000)
    assert viewer.get_attribute("data-pages") == "3"
    assert page.locator(".pdf-viewer__count").inner_text() == "Trang 1 / 3"

    stats = canvas_stats(page)
    assert stats["dark"] > 1000, stats  # text and the blue band were drawn
    # Lazy: only the pages near the top have a canvas yet.
    assert page.locator(".pdf-viewer canvas").count() < 3

    # Same-origin fetch carried the session cookie.
    pdf_requests = [c for p, c in server.requests if p.endswith("/doc.pdf")]
    assert pdf_requests and all(SESSION_COOKIE in c for c in pdf_requests)

    page.screenshot(path="/tmp/pdfviewer.png")

    # Zoom buttons (Vietnamese aria-labels) and "fit width".
    width0 = page.locator(".pdf-viewer__page").first.bounding_box()["width"]
    page.get_by_role("button", name="Phóng to").click()
    page.wait_for_timeout(300)
    assert page.locator(".pdf-viewer__page").first.bounding_box()["width"] > width0 * 1.2
    page.get_by_role("button", name="Thu nhỏ").click()
    page.get_by_role("button", name="Thu nhỏ").click()
    page.wait_for_timeout(300)
    assert page.locator(".pdf-viewer__page").first.bounding_box()["width"] < width0 * 0.9
    page.get_by_role("button", name="Vừa chiều rộng").click()
    page.wait_for_timeout(300)
    assert abs(page.locator(".pdf-viewer__page").first.bounding_box()["width"] - width0) < 2
    for b in page.locator(".pdf-viewer button").all():
        assert b.get_attribute("type") == "button" and b.get_attribute("aria-label")

    # Scrolling to the end draws the last page and updates the counter.
    page.locator(".pdf-viewer__pages").evaluate("el => el.scrollTo(0, el.scrollHeight)")
    # (predicates as arrow functions: a bare expression string would be eval'ed,
    # which the page's CSP forbids)
    page.wait_for_function(
        "() => document.querySelectorAll('.pdf-viewer__page')[2].querySelector('canvas')")
    page.wait_for_function(
        "() => document.querySelector('.pdf-viewer__count').textContent === 'Trang 3 / 3'")
    assert canvas_stats(page, page.locator(".pdf-viewer canvas").count() - 1)["dark"] > 1000

    assert not page.console_errors, page.console_errors
    page.context.close()


def test_phone_width_and_hidpi(chromium, server):
    page = open_page(chromium, server, "index.html", viewport={"width": 360, "height": 740},
                     device_scale_factor=2, is_mobile=True, has_touch=True)
    page.wait_for_selector(".pdf-viewer[data-state=rendered]", timeout=20_000)
    stats = canvas_stats(page)
    assert stats["cssW"] <= 360
    assert stats["w"] >= 2 * stats["cssW"] - 2  # backing store at devicePixelRatio 2
    assert stats["dark"] > 1000
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path="/tmp/pdfviewer-phone.png")

    # Rotating to landscape re-renders at the new width (debounced resize).
    page.set_viewport_size({"width": 740, "height": 360})
    page.wait_for_function("""() => {
        const c = document.querySelector('.pdf-viewer canvas');
        return c.getBoundingClientRect().width > 600 && c.width >= 1200;
    }""")
    assert not page.console_errors, page.console_errors
    page.context.close()


def test_missing_pdf_shows_vietnamese_error(chromium, server):
    page = open_page(chromium, server, "missing.html")
    page.wait_for_selector(".pdf-viewer[data-state=error]", timeout=20_000)
    message = page.locator(".pdf-viewer [role=alert]").inner_text()
    assert message.startswith("Không hiển thị được tệp PDF:")
    assert "404" in message
    page.screenshot(path="/tmp/pdfviewer-error.png")
    page.context.close()


def test_jpeg2000_scan_under_strict_csp(chromium, server):
    """Scanned documents often hold JPEG 2000 images: pdf.js decodes them with
    wasm/openjpeg.wasm, or, when the CSP has no 'wasm-unsafe-eval' (as here),
    with wasm/openjpeg_nowasm_fallback.js. Both come from our static folder."""
    img2pdf = pytest.importorskip("img2pdf")
    from PIL import Image, ImageDraw, features

    if not features.check("jpg_2000"):
        pytest.skip("Pillow built without JPEG 2000 support")
    image = Image.new("RGB", (400, 300), (200, 30, 30))
    ImageDraw.Draw(image).rectangle((50, 50, 350, 250), fill=(20, 160, 40))
    jp2 = io.BytesIO()
    image.save(jp2, "JPEG2000")
    pdf = img2pdf.convert(jp2.getvalue())
    assert b"/JPXDecode" in pdf
    (server.root / "scan.pdf").write_bytes(pdf)

    page = open_page(chromium, server, "scan.html")
    page.wait_for_selector(".pdf-viewer[data-state=rendered]", timeout=20_000)
    centre, corner = page.evaluate("""() => {
        const c = document.querySelector('.pdf-viewer canvas'), g = c.getContext('2d');
        const px = (x, y) => Array.from(g.getImageData(x, y, 1, 1).data.slice(0, 3));
        return [px(c.width >> 1, c.height >> 1), px(4, 4)];
    }""")
    assert centre[1] > 120 and centre[0] < 80, centre   # green
    assert corner[0] > 150 and corner[1] < 80, corner   # red
    assert any(p.startswith("/static/vendor/pdfjs/wasm/openjpeg") for p, _ in server.requests)
    assert not page.console_errors, page.console_errors
    page.context.close()

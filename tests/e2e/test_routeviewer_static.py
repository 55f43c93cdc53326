"""End-to-end check of the route diagram viewer (app/static/js/routeviewer.js,
bpmn-js NavigatedViewer) in real headless Chromium, without Flask: a tiny
static HTTP server on 127.0.0.1 serves a copy of app/static, test pages with
the viewer div, a small BPMN diagram (with DI) and route.json files.

The server sends the application's Content-Security-Policy (the CSP constant
of app/security.py, read from the source without importing the app:
script-src 'self', style-src 'self', no inline script or style, no eval), so
a CSP violation shows up as a console error and fails.

Needs bpmn-js installed by scripts/install_bpmnjs.sh, Debian's
/usr/bin/chromium and the playwright Python package (never
`playwright install`: the browser comes from Debian).
"""

from __future__ import annotations

import ast
import html
import json
import shutil
import threading
import xml.etree.ElementTree as ET
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.e2e.chromium import CHROMIUM

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "app" / "static"
BPMNJS = STATIC / "vendor" / "bpmnjs"
REAL_BPMN = ROOT / "bpmn" / "incoming_document.bpmn"
SESSION_COOKIE = "eoffice_session=test-cookie-456"
# app/security.py's CSP when written (used if it can no longer be read as a literal)
FALLBACK_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                "img-src 'self' data: blob:; worker-src 'self' blob:; object-src 'none'; "
                "frame-ancestors 'self'; base-uri 'self'; form-action 'self'")


def app_csp() -> str:
    tree = ast.parse((ROOT / "app" / "security.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                and any(isinstance(t, ast.Name) and t.id == "CSP" for t in node.targets)):
            return node.value.value
    return FALLBACK_CSP


CSP = app_csp()

if not (BPMNJS / "bpmn-navigated-viewer.production.min.js").is_file():
    pytest.skip("bpmn-js not installed: run scripts/install_bpmnjs.sh",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} not found (apt-get install chromium)",
                allow_module_level=True)

# start -> Vào sổ -> Phân công -> Xử lý -> end, laid out left to right
# (about 800 px wide: wider than a phone, so fit-viewport has to shrink it).
SMALL_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
    xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
    id="Defs_1" targetNamespace="http://eoffice.example/bpmn">
  <bpmn:process id="Process_Test" isExecutable="false">
    <bpmn:startEvent id="Start" name="Nhận văn bản"/>
    <bpmn:userTask id="Register" name="Vào sổ"/>
    <bpmn:userTask id="Assign" name="Phân công"/>
    <bpmn:userTask id="Handle" name="Xử lý"/>
    <bpmn:endEvent id="End" name="Kết thúc"/>
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Register"/>
    <bpmn:sequenceFlow id="F2" sourceRef="Register" targetRef="Assign"/>
    <bpmn:sequenceFlow id="F3" sourceRef="Assign" targetRef="Handle"/>
    <bpmn:sequenceFlow id="F4" sourceRef="Handle" targetRef="End"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_1">
    <bpmndi:BPMNPlane id="Plane_1" bpmnElement="Process_Test">
      <bpmndi:BPMNShape id="Start_di" bpmnElement="Start">
        <dc:Bounds x="100" y="102" width="36" height="36"/>
        <bpmndi:BPMNLabel><dc:Bounds x="84" y="145" width="68" height="14"/></bpmndi:BPMNLabel>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Register_di" bpmnElement="Register">
        <dc:Bounds x="200" y="80" width="100" height="80"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Assign_di" bpmnElement="Assign">
        <dc:Bounds x="370" y="80" width="100" height="80"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Handle_di" bpmnElement="Handle">
        <dc:Bounds x="540" y="80" width="100" height="80"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="End_di" bpmnElement="End">
        <dc:Bounds x="712" y="102" width="36" height="36"/>
        <bpmndi:BPMNLabel><dc:Bounds x="705" y="145" width="50" height="14"/></bpmndi:BPMNLabel>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="F1_di" bpmnElement="F1">
        <di:waypoint x="136" y="120"/><di:waypoint x="200" y="120"/>
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="F2_di" bpmnElement="F2">
        <di:waypoint x="300" y="120"/><di:waypoint x="370" y="120"/>
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="F3_di" bpmnElement="F3">
        <di:waypoint x="470" y="120"/><di:waypoint x="540" y="120"/>
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="F4_di" bpmnElement="F4">
        <di:waypoint x="640" y="120"/><di:waypoint x="712" y="120"/>
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""

SMALL_ROUTE = {
    "xml": SMALL_BPMN,
    # "Gone" is a stale id (no longer in the diagram): ignored, not counted.
    "completed": ["Start", "F1", "Register", "F2", "Gone"],
    "active": ["Assign"],
    "returned": [],
}
RETURNED_ROUTE = {
    "xml": SMALL_BPMN,
    "completed": ["Start", "F1"],
    "active": ["Register"],
    "returned": ["Assign", "F2"],
}
BROKEN_ROUTE = {"xml": SMALL_BPMN[:600] + "<bpmn:userTask id=", "completed": [], "active": []}

VENDOR_CSS = ["static/vendor/bpmnjs/diagram-js.css", "static/vendor/bpmnjs/bpmn-js.css"]
VENDOR_JS = "static/vendor/bpmnjs/bpmn-navigated-viewer.production.min.js"


def page_html(route_url: str, title: str = "Sơ đồ quy trình", preload: bool = True,
              collapsed: bool = False) -> str:
    """The markup the document template uses; with preload=False the library
    is not in a <script> tag and routeviewer.js loads it from data-lib; with
    collapsed=True the viewer sits in a hidden section (a closed tab, say)."""
    links = "\n".join(f'<link rel="stylesheet" href="{href}">'
                      for href in VENDOR_CSS + ["static/css/routeviewer.css"])
    lib_tag = f'<script defer src="{VENDOR_JS}"></script>' if preload else ""
    data_lib = "" if preload else f' data-lib="{VENDOR_JS}"'
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="icon" href="data:,">
{links}
{lib_tag}
<script defer src="static/js/routeviewer.js"></script>
</head><body>
<h1>{html.escape(title)}</h1>
<section id="route"{" hidden" if collapsed else ""}>
<h2>Quy trình xử lý</h2>
<div class="route-viewer" data-route-url="{html.escape(route_url)}"{data_lib}>
  <p>Đang tải sơ đồ quy trình…</p>
</div>
</section>
</body></html>"""


def real_route() -> dict:
    """route.json for bpmn/incoming_document.bpmn: the start event(s) done,
    the first task after them current."""
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
          "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
    xml = REAL_BPMN.read_text(encoding="utf-8")
    tree = ET.fromstring(xml)
    drawn = {s.get("bpmnElement") for s in tree.iterfind(".//bpmndi:BPMNShape", ns)}
    drawn |= {e.get("bpmnElement") for e in tree.iterfind(".//bpmndi:BPMNEdge", ns)}
    process = tree.find("bpmn:process", ns)
    starts = [e.get("id") for e in process.iterfind("bpmn:startEvent", ns)
              if e.get("id") in drawn]
    flows = [f for f in process.iterfind("bpmn:sequenceFlow", ns)
             if f.get("sourceRef") in starts and f.get("id") in drawn]
    nexts = [f.get("targetRef") for f in flows if f.get("targetRef") in drawn]
    assert starts and nexts, "incoming_document.bpmn: no drawn start event and next step"
    return {"xml": xml, "completed": starts + [f.get("id") for f in flows],
            "active": nexts[:1], "returned": []}


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
    root = tmp_path_factory.mktemp("routeviewer-site")
    shutil.copytree(STATIC, root / "static")
    for name, route in [("route", SMALL_ROUTE), ("returned", RETURNED_ROUTE),
                        ("broken", BROKEN_ROUTE)]:
        (root / f"{name}.json").write_text(json.dumps(route), encoding="utf-8")
    (root / "index.html").write_text(page_html("route.json"), encoding="utf-8")
    (root / "lazy.html").write_text(page_html("route.json", preload=False), encoding="utf-8")
    (root / "collapsed.html").write_text(page_html("route.json", collapsed=True),
                                         encoding="utf-8")
    (root / "returned.html").write_text(page_html("returned.json"), encoding="utf-8")
    (root / "broken.html").write_text(page_html("broken.json"), encoding="utf-8")
    (root / "missing.html").write_text(page_html("missing.json"), encoding="utf-8")
    if REAL_BPMN.is_file():
        (root / "real.json").write_text(json.dumps(real_route()), encoding="utf-8")
        (root / "real.html").write_text(page_html("real.json"), encoding="utf-8")
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


def marked(page, cls):
    """data-element-id of the SVG elements carrying marker class ``cls``."""
    return sorted(page.locator(f".route-viewer .djs-element.{cls}").evaluate_all(
        "els => els.map(e => e.getAttribute('data-element-id'))"))


def shape_style(page, element_id):
    """Computed fill / stroke / stroke-width of a shape's outline (rect, circle...)."""
    return page.evaluate("""(id) => {
        const v = document.querySelector(`.djs-element[data-element-id="${id}"] .djs-visual`);
        const s = getComputedStyle(v.firstElementChild);
        return {fill: s.fill, stroke: s.stroke, width: parseFloat(s.strokeWidth)};
    }""", element_id)


def drawn_box(page):
    """Union of the drawn shapes, connections and labels, in page pixels."""
    return page.evaluate("""() => {
        const r = [...document.querySelectorAll('.route-viewer .djs-visual')]
            .map(v => v.getBoundingClientRect()).filter(b => b.width || b.height);
        const x = Math.min(...r.map(b => b.left)), y = Math.min(...r.map(b => b.top));
        return {x, y, width: Math.max(...r.map(b => b.right)) - x,
                height: Math.max(...r.map(b => b.bottom)) - y};
    }""")


def inside(inner, outer, slack=1):
    return (inner["x"] >= outer["x"] - slack and inner["y"] >= outer["y"] - slack
            and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack)


def viewport_transform(page):
    return page.locator(".route-viewer svg g.viewport").first.get_attribute("transform")


def no_horizontal_scroll(page):
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_renders_route_with_markers(chromium, server):
    page = open_page(chromium, server, "index.html",
                     viewport={"width": 1000, "height": 800})
    page.wait_for_selector(".route-viewer[data-state=ready]", timeout=20_000)
    viewer = page.locator(".route-viewer")
    assert viewer.get_attribute("aria-busy") is None
    assert viewer.get_attribute("data-done-count") == "4"   # "Gone" ignored
    assert viewer.get_attribute("data-current-count") == "1"
    assert viewer.get_attribute("data-returned-count") == "0"

    assert marked(page, "route-done") == ["F1", "F2", "Register", "Start"]
    assert marked(page, "route-current") == ["Assign"]
    assert marked(page, "route-returned") == []

    # The marker CSS wins over bpmn-js's inline fill/stroke.
    done, current, todo = (shape_style(page, i) for i in ("Register", "Assign", "Handle"))
    assert done["fill"] == "rgb(211, 240, 217)", done
    assert current["fill"] == "rgb(255, 217, 120)", current
    assert current["width"] >= 4 > todo["width"], (current, todo)
    assert todo["fill"] == "rgb(255, 255, 255)", todo

    # Legend (no "returned" entry when nothing was returned), toolbar buttons.
    assert page.locator(".route-viewer__legend li").all_inner_texts() == ["Đã xong", "Đang xử lý"]
    for b in page.locator(".route-viewer button").all():
        assert b.get_attribute("type") == "button" and b.get_attribute("aria-label")
    summary = page.locator(".route-viewer__summary").inner_text()
    assert "Đang xử lý: Phân công." in summary
    assert "Đã xong: 2 bước." in summary  # flows are not steps

    # Fitted: the whole diagram is inside the canvas box.
    box = page.locator(".route-viewer__canvas").bounding_box()
    assert inside(drawn_box(page), box)
    assert 300 <= box["height"] <= 400

    # bpmn.io watermark (license) is shown, inside the canvas, not under the legend.
    logo = page.locator(".route-viewer .bjs-powered-by")
    assert logo.is_visible()
    lb = logo.bounding_box()
    assert box["y"] <= lb["y"] and lb["y"] + lb["height"] <= box["y"] + box["height"]
    logo.click()  # its notice box is styled through CSSOM only: no CSP violation
    page.wait_for_selector(".bjs-powered-by-lightbox", state="visible")
    page.locator(".bjs-powered-by-lightbox .backdrop").click(position={"x": 5, "y": 5})
    page.wait_for_selector(".bjs-powered-by-lightbox", state="hidden")

    # Zoom buttons change the viewport; "Vừa khung" fits again.
    fitted = viewport_transform(page)
    page.get_by_role("button", name="Phóng to").click()
    assert viewport_transform(page) != fitted
    page.get_by_role("button", name="Vừa khung").click()
    assert viewport_transform(page) == fitted

    # Same-origin fetch of route.json carried the session cookie.
    route_requests = [c for p, c in server.requests if p.endswith("/route.json")]
    assert route_requests and all(SESSION_COOKIE in c for c in route_requests)

    page.screenshot(path="/tmp/routeviewer.png")
    assert not page.console_errors, page.console_errors
    page.context.close()


def test_phone_width_touch_pan(chromium, server):
    page = open_page(chromium, server, "index.html", viewport={"width": 360, "height": 740},
                     device_scale_factor=2, is_mobile=True, has_touch=True)
    page.wait_for_selector(".route-viewer[data-state=ready]", timeout=20_000)
    assert no_horizontal_scroll(page)
    box = page.locator(".route-viewer__canvas").bounding_box()
    assert box["width"] <= 360 and 300 <= box["height"] <= 400
    # fit-viewport shrank the 650 px wide diagram into the phone-wide box
    assert inside(drawn_box(page), box)
    assert marked(page, "route-current") == ["Assign"]

    # One-finger drag pans the diagram (touch pointer events).
    before = viewport_transform(page)
    page.locator(".route-viewer__canvas").evaluate("""(el) => {
        const r = el.getBoundingClientRect(), x = r.left + 100, y = r.top + 100;
        const ev = (type, dx) => el.dispatchEvent(new PointerEvent(type, {
            pointerId: 7, pointerType: "touch", isPrimary: true, bubbles: true,
            clientX: x + dx, clientY: y + dx / 2}));
        ev("pointerdown", 0); ev("pointermove", 20); ev("pointermove", 60); ev("pointerup", 60);
    }""")
    after = viewport_transform(page)
    assert after != before
    # Two-finger pinch apart zooms in.
    scale = lambda t: float(t.split("(")[1].split(",")[0])  # noqa: E731  matrix(a,...)
    page.locator(".route-viewer__canvas").evaluate("""(el) => {
        const r = el.getBoundingClientRect(), cx = r.left + r.width / 2, cy = r.top + 150;
        const ev = (type, id, dx) => el.dispatchEvent(new PointerEvent(type, {
            pointerId: id, pointerType: "touch", bubbles: true, clientX: cx + dx, clientY: cy}));
        ev("pointerdown", 1, -20); ev("pointerdown", 2, 20);
        ev("pointermove", 1, -40); ev("pointermove", 2, 40);
        ev("pointerup", 1, -40); ev("pointerup", 2, 40);
    }""")
    assert scale(viewport_transform(page)) > scale(after) * 1.5
    assert no_horizontal_scroll(page)

    page.screenshot(path="/tmp/routeviewer-phone.png", full_page=True)
    assert not page.console_errors, page.console_errors
    page.context.close()


def test_returned_marker_and_legend(chromium, server):
    page = open_page(chromium, server, "returned.html", viewport={"width": 800, "height": 700})
    page.wait_for_selector(".route-viewer[data-state=ready]", timeout=20_000)
    viewer = page.locator(".route-viewer")
    assert (viewer.get_attribute("data-done-count"), viewer.get_attribute("data-current-count"),
            viewer.get_attribute("data-returned-count")) == ("2", "1", "2")
    assert marked(page, "route-returned") == ["Assign", "F2"]
    assert marked(page, "route-current") == ["Register"]
    assert page.locator(".route-viewer__legend li").all_inner_texts() == [
        "Đã xong", "Đang xử lý", "Bị trả lại"]
    assert shape_style(page, "Assign")["fill"] == "rgb(251, 213, 213)"
    assert not page.console_errors, page.console_errors
    page.context.close()


def test_loads_library_from_data_lib(chromium, server):
    page = open_page(chromium, server, "lazy.html")
    page.wait_for_selector(".route-viewer[data-state=ready]", timeout=20_000)
    assert marked(page, "route-current") == ["Assign"]
    assert not page.console_errors, page.console_errors
    page.context.close()


def test_fits_when_first_shown(chromium, server):
    """Rendered while hidden (zero-size box): fitted once shown."""
    page = open_page(chromium, server, "collapsed.html", viewport={"width": 360, "height": 740},
                     is_mobile=True, has_touch=True)
    page.wait_for_selector(".route-viewer[data-state=ready]", state="attached",
                           timeout=20_000)
    assert page.locator(".route-viewer__canvas").evaluate("el => el.clientWidth") == 0
    page.locator("#route").evaluate("el => { el.hidden = false; }")
    box = page.locator(".route-viewer__canvas").bounding_box()
    page.wait_for_function("""() => {
        const b = document.querySelector('.route-viewer__canvas').getBoundingClientRect();
        const r = [...document.querySelectorAll('.route-viewer .djs-visual')]
            .map(v => v.getBoundingClientRect()).filter(v => v.width || v.height);
        return r.length && r.every(v => v.left >= b.left - 1 && v.right <= b.right + 1
            && v.top >= b.top - 1 && v.bottom <= b.bottom + 1);
    }""", timeout=5_000)
    assert inside(drawn_box(page), box)
    assert no_horizontal_scroll(page)
    assert not page.console_errors, page.console_errors
    page.context.close()


@pytest.mark.parametrize("path", ["broken.html", "missing.html"])
def test_error_state(chromium, server, path):
    page = open_page(chromium, server, path)
    page.wait_for_selector(".route-viewer[data-state=error]", timeout=20_000)
    alert = page.locator(".route-viewer [role=alert]")
    assert alert.inner_text() == "Không hiển thị được sơ đồ quy trình."
    assert page.locator(".route-viewer svg").count() == 0
    assert page.locator(".route-viewer").get_attribute("aria-busy") is None
    # the only console errors are the viewer's own report (and the 404 itself),
    # never a CSP violation
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
    page.context.close()


@pytest.mark.skipif(not REAL_BPMN.is_file(), reason=f"{REAL_BPMN.name} not written yet")
def test_real_incoming_document_diagram(chromium, server):
    route = json.loads((server.root / "real.json").read_text(encoding="utf-8"))
    page = open_page(chromium, server, "real.html", viewport={"width": 360, "height": 740},
                     is_mobile=True, has_touch=True)
    page.wait_for_selector(".route-viewer[data-state=ready]", timeout=20_000)
    assert marked(page, "route-done") == sorted(route["completed"])
    assert marked(page, "route-current") == route["active"]
    assert inside(drawn_box(page), page.locator(".route-viewer__canvas").bounding_box())
    assert no_horizontal_scroll(page)
    page.screenshot(path="/tmp/routeviewer-real.png", full_page=True)
    assert not page.console_errors, page.console_errors
    page.context.close()

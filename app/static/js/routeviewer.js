// Route diagram of a document: its BPMN process drawn with bpmn-js
// (NavigatedViewer, served from our static folder, see scripts/install_bpmnjs.sh),
// with the steps already done and the current steps highlighted.
//
// Markup (progressive enhancement: whatever the div holds is the no-JS fallback):
//   <div class="route-viewer" data-route-url="/documents/123/route.json"
//        [data-lib=".../vendor/bpmnjs/bpmn-navigated-viewer.production.min.js"]></div>
// The library is normally loaded by its own <script defer> before this file
// (it defines window.BpmnJS); data-lib is only a fallback that loads it on demand.
//
// route.json: {"xml": "<bpmn:definitions ...>", "completed": [ids], "active": [ids],
//              "returned": [ids]}   (ids of BPMN elements: tasks, events, flows...)
// Markers: completed -> "route-done", active -> "route-current",
//          returned -> "route-returned" (classes on the SVG .djs-element groups).
// Sets data-state="loading" | "ready" (with data-done-count, data-current-count,
// data-returned-count: elements actually marked) | "error".
// Classic script (no import/export) so it works with <script defer> or type="module";
// no inline script or style attribute, no eval: runs under script-src/style-src 'self'.
(function () {
  "use strict";

  const ERROR_TEXT = "Không hiển thị được sơ đồ quy trình.";
  const ZOOM_STEP = 1.25, MIN_ZOOM = 0.2, MAX_ZOOM = 4;
  const MARKERS = [
    // [route.json key, marker class, dataset key, legend label]
    ["completed", "route-done", "doneCount", "Đã xong"],
    ["active", "route-current", "currentCount", "Đang xử lý"],
    ["returned", "route-returned", "returnedCount", "Bị trả lại"],
  ];

  function h(tag, props = {}, ...children) {
    const el = Object.assign(document.createElement(tag), props);
    el.append(...children);
    return el;
  }

  let libPromise = null;
  function loadLibrary(src) {
    if (window.BpmnJS) return Promise.resolve(window.BpmnJS);
    if (!src) return Promise.reject(new Error("bpmn-js not loaded (window.BpmnJS missing)"));
    libPromise = libPromise || new Promise((resolve, reject) => {
      const s = h("script", { src, async: true });
      s.addEventListener("load", () => (window.BpmnJS ? resolve(window.BpmnJS)
        : reject(new Error("bpmn-js did not define window.BpmnJS"))));
      s.addEventListener("error", () => reject(new Error(`cannot load ${src}`)));
      document.head.append(s);
    });
    return libPromise;
  }

  function ids(value) {
    return Array.isArray(value) ? value.filter((x) => typeof x === "string" && x) : [];
  }

  class RouteViewer {
    constructor(root) {
      this.root = root;
      this.url = new URL(root.dataset.routeUrl, document.baseURI).href;
      this.lib = root.dataset.lib ? new URL(root.dataset.lib, document.baseURI).href : "";
      this.viewer = null;
      this.userMoved = false; // keep the user's pan/zoom when the box is resized
      root.dataset.state = "loading";
      root.setAttribute("aria-busy", "true");
    }

    async open() {
      const res = await fetch(this.url, { credentials: "same-origin",
        headers: { Accept: "application/json" } });
      if (!res.ok) throw new Error(`${this.url}: HTTP ${res.status}`);
      const route = await res.json();
      if (!route || typeof route.xml !== "string" || !route.xml.trim()) {
        throw new Error(`${this.url}: no "xml" string`);
      }
      const BpmnJS = await loadLibrary(this.lib);
      this.buildUi(route);
      this.viewer = new BpmnJS({ container: this.canvasBox });
      const { warnings } = await this.viewer.importXML(route.xml);
      if (warnings && warnings.length) console.warn("route diagram:", warnings);
      this.canvas = this.viewer.get("canvas");
      this.registry = this.viewer.get("elementRegistry");
      this.fit();
      this.describe(this.mark(route));
      this.enableTouch();
      this.watchSize();
      this.root.dataset.state = "ready";
      this.root.removeAttribute("aria-busy");
    }

    buildUi(route) {
      const legend = h("ul", { className: "route-viewer__legend", ariaLabel: "Chú giải" },
        ...MARKERS.filter(([key]) => key !== "returned" || ids(route.returned).length)
          .map(([, cls, , label]) => h("li", {},
            h("span", { className: `route-viewer__swatch route-viewer__swatch--${cls}`,
              ariaHidden: "true" }), label)));
      const btn = (label, text, fn) => h("button", { type: "button",
        className: "route-viewer__btn", textContent: text, title: label, ariaLabel: label,
        onclick: () => { if (this.canvas) fn(); } });
      const tools = h("div", { className: "route-viewer__tools" },
        btn("Thu nhỏ", "−", () => { this.zoomBy(1 / ZOOM_STEP); this.userMoved = true; }),
        btn("Phóng to", "+", () => { this.zoomBy(ZOOM_STEP); this.userMoved = true; }),
        btn("Vừa khung", "Vừa khung", () => { this.fit(); this.userMoved = false; }));
      const toolbar = h("div", { className: "route-viewer__toolbar", role: "toolbar",
        ariaLabel: "Sơ đồ quy trình" }, legend, tools);
      this.canvasBox = h("div", { className: "route-viewer__canvas" });
      this.summary = h("p", { className: "route-viewer__summary" });
      this.root.replaceChildren(toolbar, this.canvasBox, this.summary);
    }

    // Adds the markers. data-*-count = ids of route.json found in the diagram
    // (shapes and flows alike). Returns {current: names of the current steps,
    // doneSteps: number of completed shapes} for the text summary.
    mark(route) {
      const current = [];
      let doneSteps = 0;
      for (const [key, cls, dataKey] of MARKERS) {
        let count = 0;
        for (const id of new Set(ids(route[key]))) {
          const el = this.registry.get(id);
          if (!el) continue; // stale id (diagram changed): ignore
          this.canvas.addMarker(el, cls);
          count++;
          if (el.waypoints) continue; // a sequence flow, not a step
          if (key === "active") current.push(el.businessObject?.name || id);
          if (key === "completed") doneSteps++;
        }
        this.root.dataset[dataKey] = String(count);
      }
      return { current, doneSteps };
    }

    describe({ current, doneSteps }) {
      this.summary.textContent = (current.length
        ? `Đang xử lý: ${current.join("; ")}. ` : "") + `Đã xong: ${doneSteps} bước.`;
      const svg = this.canvasBox.querySelector("svg");
      if (svg) svg.setAttribute("aria-label", `Sơ đồ quy trình. ${this.summary.textContent}`);
    }

    fit() {
      // hidden (display: none, collapsed section): watchSize() fits once shown
      if (!this.canvasBox.clientWidth || !this.canvasBox.clientHeight) return;
      this.canvas.zoom("fit-viewport", "auto");
    }

    zoomBy(factor, center) {
      const box = this.canvasBox.getBoundingClientRect();
      const scale = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, this.canvas.zoom() * factor));
      this.canvas.zoom(scale, center || { x: box.width / 2, y: box.height / 2 });
    }

    // The NavigatedViewer pans with the mouse and zooms with the wheel but has
    // no touch support: one finger pans, two fingers pan and pinch-zoom.
    enableTouch() {
      const box = this.canvasBox, pts = new Map();
      let last = null;
      const gesture = () => {
        const p = [...pts.values()];
        if (!p.length) return null;
        const x = p.reduce((s, q) => s + q.x, 0) / p.length;
        const y = p.reduce((s, q) => s + q.y, 0) / p.length;
        const dist = p.length > 1 ? Math.hypot(p[0].x - p[1].x, p[0].y - p[1].y) : 0;
        return { n: p.length, x, y, dist };
      };
      const update = (e) => { pts.set(e.pointerId, { x: e.clientX, y: e.clientY }); };
      box.addEventListener("pointerdown", (e) => {
        if (e.pointerType !== "touch") return; // mouse and pen: diagram-js handles them
        update(e);
        last = gesture();
      });
      box.addEventListener("pointermove", (e) => {
        if (!pts.has(e.pointerId)) return;
        update(e);
        const g = gesture();
        if (last && g.n === last.n) {
          const dx = g.x - last.x, dy = g.y - last.y;
          if (dx || dy) this.canvas.scroll({ dx, dy });
          if (g.n > 1 && last.dist > 0 && g.dist > 0 && g.dist !== last.dist) {
            const r = box.getBoundingClientRect();
            this.zoomBy(g.dist / last.dist, { x: g.x - r.left, y: g.y - r.top });
          }
          this.userMoved = true;
        }
        last = g;
      });
      const end = (e) => { pts.delete(e.pointerId); last = gesture(); };
      box.addEventListener("pointerup", end);
      box.addEventListener("pointercancel", end);
      // Mouse: diagram-js's own drag and wheel also count as "moved by the user".
      box.addEventListener("wheel", () => { this.userMoved = true; }, { passive: true });
      box.addEventListener("mousedown", () => { this.userMoved = true; });
    }

    // Re-fit when the box changes size (phone rotated, viewer first shown in a
    // collapsed section) unless the user has moved the diagram.
    watchSize() {
      let w = this.canvasBox.clientWidth, hgt = this.canvasBox.clientHeight, t;
      new ResizeObserver(() => {
        clearTimeout(t);
        t = setTimeout(() => {
          const nw = this.canvasBox.clientWidth, nh = this.canvasBox.clientHeight;
          if (nw === w && nh === hgt) return;
          const wasHidden = !w || !hgt;
          w = nw; hgt = nh;
          this.canvas.resized();
          if (wasHidden || !this.userMoved) this.fit();
        }, 150);
      }).observe(this.canvasBox);
    }

    showError(err) {
      console.error("route diagram:", err);
      try { this.viewer?.destroy(); } catch (e) { /* ignore */ }
      this.viewer = this.canvas = null;
      this.root.dataset.state = "error";
      this.root.removeAttribute("aria-busy");
      this.root.replaceChildren(h("p", { className: "route-viewer__error", role: "alert",
        textContent: ERROR_TEXT }));
    }
  }

  function init() {
    const roots = document.querySelectorAll(".route-viewer[data-route-url]:not([data-state])");
    for (const root of roots) {
      const viewer = new RouteViewer(root);
      viewer.open().catch((err) => viewer.showError(err));
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

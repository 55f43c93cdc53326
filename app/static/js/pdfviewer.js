// PDF viewer built on Mozilla pdf.js (pdfjs-dist, served from our static folder).
//
// Markup (URLs come from the template, see scripts/install_pdfjs.sh):
//   <div class="pdf-viewer" data-src="PDF URL" data-lib=".../pdf.min.mjs"
//        data-worker=".../pdf.worker.min.mjs" [data-cmaps=".../cmaps/"]
//        [data-fonts=".../standard_fonts/"] [data-wasm=".../wasm/"] [data-iccs=".../iccs/"]></div>
// Sets data-state="loading" | "rendered" (first page drawn, data-pages=N) | "error".
// Pages are drawn lazily as they scroll into view; no inline script, no eval.
// Each drawn page dispatches "pdfviewer:pagerendered" on the root (bubbles), detail
// {el, page (1-based), pages, viewport (pdf.js PageViewport at scale 1)}, and keeps
// data-page on its .pdf-viewer__page and the viewport as el.pdfViewport, so overlays
// (fieldoverlay.js) can place boxes given in PDF points.

const ZOOM_STEP = 1.25, MIN_ZOOM = 0.25, MAX_ZOOM = 5;
const MAX_RENDERED = 10;          // canvases kept in memory (far-away pages are released)
const MAX_CANVAS_PIXELS = 2 ** 24; // cap for HiDPI x zoom

function h(tag, props = {}, ...children) {
  const el = Object.assign(document.createElement(tag), props);
  el.append(...children);
  return el;
}

function debounce(fn, ms) {
  let t;
  return () => { clearTimeout(t); t = setTimeout(fn, ms); };
}

function describeError(err) {
  const status = err?.status;
  if (err?.name === "ResponseException" || status) {
    if (status === 404) return "không tìm thấy tệp (404).";
    if (status === 401 || status === 403) return `không có quyền truy cập tệp (${status}).`;
    return `máy chủ trả lời lỗi (${status || "không rõ"}).`;
  }
  if (err?.name === "InvalidPDFException") return "tệp không đúng định dạng PDF hoặc đã bị hỏng.";
  if (err?.name === "PasswordException") return "tệp được bảo vệ bằng mật khẩu.";
  if (err?.name === "LibraryError") return "không tải được thư viện pdf.js.";
  return err?.message || String(err);
}

class PdfViewer {
  constructor(root) {
    this.root = root;
    const d = root.dataset;
    const abs = (u) => new URL(u, document.baseURI).href;
    this.lib = abs(d.lib);
    const dir = (name, own) => abs(own || new URL(`${name}/`, this.lib).href);
    this.opts = {
      url: abs(d.src),
      cMapUrl: dir("cmaps", d.cmaps), cMapPacked: true,
      standardFontDataUrl: dir("standard_fonts", d.fonts),
      wasmUrl: dir("wasm", d.wasm), iccUrl: dir("iccs", d.iccs),
      // Same-origin requests carry the session cookie by default
      // (fetch credentials "same-origin"); data-with-credentials opts in to
      // cookies for a cross-origin data-src.
      withCredentials: "withCredentials" in d,
    };
    this.worker = abs(d.worker);
    this.zoom = 1;          // 1 = fit width
    this.pages = [];        // {el, num, canvas, task, width, visible}
    this.rendered = [];     // LRU of rendered page records
    this.buildUi();
  }

  buildUi() {
    const btn = (label, text, fn) =>
      h("button", { type: "button", className: "pdf-viewer__btn", textContent: text,
        title: label, ariaLabel: label, onclick: fn, disabled: true });
    this.counter = h("span", { className: "pdf-viewer__count", ariaLive: "polite" }, "Trang – / –");
    this.zoomLabel = h("span", { className: "pdf-viewer__zoom" }, "100%");
    this.buttons = [
      btn("Thu nhỏ", "−", () => this.setZoom(this.zoom / ZOOM_STEP)),
      btn("Phóng to", "+", () => this.setZoom(this.zoom * ZOOM_STEP)),
      btn("Vừa chiều rộng", "↔", () => this.setZoom(1)),
    ];
    const toolbar = h("div", { className: "pdf-viewer__toolbar", role: "toolbar",
      ariaLabel: "Công cụ xem tệp PDF" }, this.counter, ...this.buttons.slice(0, 2),
      this.zoomLabel, this.buttons[2]);
    this.scroller = h("div", { className: "pdf-viewer__pages", tabIndex: 0 });
    this.root.replaceChildren(toolbar, this.scroller);
    this.root.dataset.state = "loading";
    this.root.setAttribute("aria-busy", "true");
  }

  async open() {
    let pdfjs;
    try {
      pdfjs = await import(this.lib);
    } catch (e) {
      throw Object.assign(new Error(e.message), { name: "LibraryError" });
    }
    pdfjs.GlobalWorkerOptions.workerSrc = this.worker;
    this.task = pdfjs.getDocument(this.opts);
    this.pdf = await this.task.promise;
    const first = await this.pdf.getPage(1);
    const { width, height } = first.getViewport({ scale: 1 }); // placeholder size until drawn
    const ratio = width / height;
    for (let num = 1; num <= this.pdf.numPages; num++) {
      const el = h("div", { className: "pdf-viewer__page", role: "img",
        ariaLabel: `Trang ${num} / ${this.pdf.numPages}` });
      el.style.aspectRatio = String(ratio);
      this.pages.push({ el, num, canvas: null, task: null, width: 0, visible: false });
    }
    this.scroller.append(...this.pages.map((p) => p.el));
    this.buttons.forEach((b) => { b.disabled = false; });
    this.layout();
    this.observer = new IntersectionObserver((entries) => this.onIntersect(entries),
      { root: this.scroller, rootMargin: "300px 0px" });
    this.pages.forEach((p) => this.observer.observe(p.el));
    this.scroller.addEventListener("scroll", () => this.updateCounter(), { passive: true });
    let lastWidth = this.scroller.clientWidth;
    new ResizeObserver(debounce(() => {
      if (this.scroller.clientWidth !== lastWidth) { lastWidth = this.scroller.clientWidth; this.relayout(); }
    }, 150)).observe(this.scroller);
  }

  pageWidth() {
    const cs = getComputedStyle(this.scroller);
    const avail = this.scroller.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    return Math.max(100, Math.floor(avail * this.zoom));
  }

  layout() {
    const w = this.pageWidth();
    this.pages.forEach((p) => { p.el.style.width = `${w}px`; });
    this.zoomLabel.textContent = `${Math.round(this.zoom * 100)}%`;
    this.updateCounter();
  }

  relayout() {
    const ratio = this.scroller.scrollTop / Math.max(1, this.scroller.scrollHeight);
    this.layout();
    this.scroller.scrollTop = ratio * this.scroller.scrollHeight;
    this.pages.filter((p) => p.visible).forEach((p) => this.renderPage(p));
  }

  setZoom(z) {
    this.zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z));
    this.relayout();
  }

  onIntersect(entries) {
    for (const e of entries) {
      const p = this.pages.find((x) => x.el === e.target);
      p.visible = e.isIntersecting;
      if (p.visible) this.renderPage(p);
    }
  }

  updateCounter() {
    const top = this.scroller.scrollTop + this.scroller.clientHeight / 3;
    const cur = this.pages.find((p) => p.el.offsetTop + p.el.offsetHeight > top) || this.pages.at(-1);
    this.counter.textContent = `Trang ${cur ? cur.num : "–"} / ${this.pages.length}`;
  }

  async renderPage(p) {
    const width = this.pageWidth();
    if (p.width === width) return; // drawn, or being drawn, at this width
    p.task?.cancel();
    p.width = width;
    const canvas = h("canvas", { className: "pdf-viewer__canvas" });
    let page;
    try {
      page = await this.pdf.getPage(p.num);
      if (p.width !== width) return; // superseded while waiting
      const base = page.getViewport({ scale: 1 });
      p.el.style.aspectRatio = `${base.width / base.height}`;
      const viewport = page.getViewport({ scale: width / base.width });
      const dpr = Math.min(window.devicePixelRatio || 1,
        Math.sqrt(MAX_CANVAS_PIXELS / (viewport.width * viewport.height)));
      canvas.width = Math.floor(viewport.width * dpr);
      canvas.height = Math.floor(viewport.height * dpr);
      const transform = dpr !== 1 ? [dpr, 0, 0, dpr, 0, 0] : null;
      p.task = page.render({ canvas, viewport, transform });
      await p.task.promise;
      p.task = null;
    } catch (e) {
      if (e?.name === "RenderingCancelledException") return;
      p.width = 0;
      p.task = null;
      if (this.root.dataset.state === "loading") this.showError(e); else console.error(e);
      return;
    }
    if (p.canvas) p.canvas.replaceWith(canvas); else p.el.append(canvas);
    p.canvas = canvas;
    this.remember(p);
    this.announce(p, page);
    if (this.root.dataset.state !== "rendered") {
      this.root.dataset.pages = String(this.pages.length);
      this.root.dataset.state = "rendered";
      this.root.removeAttribute("aria-busy");
    }
  }

  announce(p, page) {
    const viewport = page.getViewport({ scale: 1 });
    p.el.dataset.page = String(p.num);
    p.el.pdfViewport = viewport;
    this.root.dispatchEvent(new CustomEvent("pdfviewer:pagerendered", { bubbles: true,
      detail: { el: p.el, page: p.num, pages: this.pages.length, viewport } }));
  }

  remember(p) {
    this.rendered = this.rendered.filter((x) => x !== p).concat(p);
    while (this.rendered.length > MAX_RENDERED) {
      const old = this.rendered.find((x) => !x.visible);
      if (!old) break;
      this.rendered = this.rendered.filter((x) => x !== old);
      old.canvas.width = old.canvas.height = 0; // free the bitmap now, not at GC
      old.canvas.remove();
      old.canvas = null;
      old.width = 0;
    }
  }

  showError(err) {
    console.error(err);
    this.root.dataset.state = "error";
    this.root.removeAttribute("aria-busy");
    this.root.replaceChildren(h("p", { className: "pdf-viewer__error", role: "alert",
      textContent: `Không hiển thị được tệp PDF: ${describeError(err)}` }));
  }
}

function init() {
  for (const root of document.querySelectorAll(".pdf-viewer:not([data-state])")) {
    const viewer = new PdfViewer(root);
    viewer.open().catch((err) => viewer.showError(err));
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();

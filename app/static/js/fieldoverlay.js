// Where the number, the date and the signatures will go, drawn over the pages of
// the pdf.js viewer (pdfviewer.js) as translucent boxes.
//
// Markup: the viewer root carries the boxes of the draft version's layout, in PDF
// points (origin bottom-left; page 0-based, -1 = the last page):
//   <div class="pdf-viewer" data-src="..." ...
//        data-field-boxes='{"leader": {"page": 0, "x1": .., "y1": .., "x2": .., "y2": ..}, ...}'>
// and, optionally, a legend right after it that toggles the boxes:
//   <div class="field-legend" data-for="VIEWER ID"><input type="checkbox" ...></div>
// Each box is <div class="field-box field-box--KEY" data-field="KEY"> inside the
// page (.pdf-viewer__page), positioned in percent, so zooming needs no redraw.
// Listens to "pdfviewer:pagerendered"; no inline script or style attribute other
// than the box position (CSSOM, allowed by style-src 'self').
const LABELS = {
  number: "Số, ký hiệu (văn thư điền khi cấp số)",
  date: "Ngày ban hành (văn thư điền khi cấp số)",
  leader: "Chữ ký số của người có thẩm quyền",
  seal: "Dấu, chữ ký số của cơ quan",
};
const SHORT = { number: "Số, ký hiệu", date: "Ngày ban hành", leader: "Chữ ký lãnh đạo",
  seal: "Dấu cơ quan" };
const ORDER = ["seal", "leader", "number", "date"]; // the leader's box above the seal's

function boxesOf(root) {
  if (root.fieldBoxes !== undefined) return root.fieldBoxes;
  let boxes = null;
  try {
    boxes = JSON.parse(root.dataset.fieldBoxes || "null");
  } catch (e) {
    console.warn("fieldoverlay: bad data-field-boxes", e);
  }
  root.fieldBoxes = boxes && typeof boxes === "object" ? boxes : null;
  return root.fieldBoxes;
}

// PDF user space -> viewport CSS pixels (handles the crop box offset and /Rotate):
// the viewport's affine transform [a, b, c, d, e, f].
function toView(viewport, x, y) {
  const [a, b, c, d, e, f] = viewport.transform;
  return [a * x + c * y + e, b * x + d * y + f];
}

function place(el, page, pages, viewport, boxes) {
  if (el.querySelector(".field-box")) return; // already drawn (pages are redrawn on zoom)
  for (const key of ORDER) {
    const b = boxes[key];
    if (!b) continue;
    const target = b.page < 0 ? pages + b.page : b.page; // -1 = last page
    if (target !== page - 1) continue;
    const [ax, ay] = toView(viewport, b.x1, b.y1);
    const [bx, by] = toView(viewport, b.x2, b.y2);
    const box = document.createElement("div");
    box.className = `field-box field-box--${key}`;
    box.dataset.field = key;
    box.title = LABELS[key] || key;
    box.setAttribute("aria-hidden", "true");
    const label = document.createElement("span");
    label.className = "field-box__label";
    label.textContent = SHORT[key] || key;
    box.append(label);
    const pct = (v, whole) => `${(100 * v / whole).toFixed(3)}%`;
    box.style.left = pct(Math.min(ax, bx), viewport.width);
    box.style.top = pct(Math.min(ay, by), viewport.height);
    box.style.width = pct(Math.abs(bx - ax), viewport.width);
    box.style.height = pct(Math.abs(by - ay), viewport.height);
    el.append(box);
  }
  el.classList.add("has-field-boxes");
}

function onRendered(event) {
  const root = event.target.closest?.(".pdf-viewer");
  const boxes = root && boxesOf(root);
  if (!boxes) return;
  const { el, page, pages, viewport } = event.detail;
  place(el, page, pages, viewport, boxes);
  root.dataset.fieldBoxesDrawn = String(root.querySelectorAll(".field-box").length);
}

function initLegends() {
  for (const legend of document.querySelectorAll(".field-legend[data-for]")) {
    const root = document.getElementById(legend.dataset.for);
    const toggle = legend.querySelector("input[type=checkbox]");
    if (!root || !toggle) continue;
    const apply = () => root.classList.toggle("field-boxes-hidden", !toggle.checked);
    toggle.addEventListener("change", apply);
    apply();
  }
}

function init() {
  // Pages drawn before this module ran (unlikely: pdf.js loads asynchronously).
  for (const el of document.querySelectorAll(".pdf-viewer__page[data-page]")) {
    const root = el.closest(".pdf-viewer");
    const boxes = root && boxesOf(root);
    if (boxes && el.pdfViewport) {
      place(el, Number(el.dataset.page), Number(root.dataset.pages) ||
        root.querySelectorAll(".pdf-viewer__page").length, el.pdfViewport, boxes);
    }
  }
  initLegends();
}

document.addEventListener("pdfviewer:pagerendered", onRendered);
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();

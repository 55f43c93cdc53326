/* Bar charts of the leaders' dashboard, drawn as SVG from the figure tables.
 *
 * Each <table data-chart="bar"> (label in <th>, count as a drill-down link in
 * <td>) gets a horizontal bar chart inserted before it. Every bar carries its
 * number as text and a distinct fill pattern, so the chart reads without
 * colour; bars are links to the same drill-down list as the table's number.
 * The table stays in the page (numbers for screen readers and for printing).
 */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var PATTERNS = ["solid", "hatch", "dots", "cross", "vertical", "solid"];

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function defs(svg, id) {
    var d = el("defs", {}, svg);
    var p;
    p = el("pattern", {id: id + "-hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse",
                       patternTransform: "rotate(45)"}, d);
    el("rect", {width: 6, height: 6, "class": "bg"}, p);
    el("line", {x1: 0, y1: 0, x2: 0, y2: 6, "class": "ink", "stroke-width": 3}, p);
    p = el("pattern", {id: id + "-dots", width: 5, height: 5, patternUnits: "userSpaceOnUse"}, d);
    el("rect", {width: 5, height: 5, "class": "bg"}, p);
    el("circle", {cx: 2.5, cy: 2.5, r: 1.5, "class": "ink-fill"}, p);
    p = el("pattern", {id: id + "-cross", width: 6, height: 6, patternUnits: "userSpaceOnUse"}, d);
    el("rect", {width: 6, height: 6, "class": "bg"}, p);
    el("path", {d: "M0 3H6M3 0V6", "class": "ink", "stroke-width": 1.5}, p);
    p = el("pattern", {id: id + "-vertical", width: 4, height: 4, patternUnits: "userSpaceOnUse"}, d);
    el("rect", {width: 4, height: 4, "class": "bg"}, p);
    el("line", {x1: 1, y1: 0, x2: 1, y2: 4, "class": "ink", "stroke-width": 2}, p);
  }

  function draw(table, index) {
    var rows = Array.prototype.slice.call(table.tBodies[0].rows).map(function (tr) {
      var link = tr.cells[0].querySelector("a") || tr.querySelector("td a");
      var td = tr.querySelector("td");
      return {label: tr.querySelector("th").textContent.trim(),
              value: parseInt(td.textContent.replace(/\D/g, ""), 10) || 0,
              href: link ? link.getAttribute("href") : null,
              figure: link ? link.getAttribute("data-figure") : null};
    });
    if (!rows.length) { return; }
    var id = "chart" + index;
    var max = Math.max.apply(null, rows.map(function (r) { return r.value; })) || 1;
    var rowH = 34, labelH = 16, width = 600, barMax = width - 60;
    var height = rows.length * (rowH + labelH) + 4;
    var caption = table.caption ? table.caption.textContent.trim() : "";
    var svg = el("svg", {viewBox: "0 0 " + width + " " + height, role: "img",
                         "class": "bar-chart", "aria-label": caption, id: id + "-svg"});
    el("title", {}, svg).textContent = caption;
    defs(svg, id);
    rows.forEach(function (r, i) {
      var y = i * (rowH + labelH);
      var w = Math.max(2, Math.round(barMax * r.value / max));
      var pattern = PATTERNS[i % PATTERNS.length];
      var g = r.href ? el("a", {href: r.href, "data-figure": r.figure || ""}, svg) : svg;
      var label = el("text", {x: 0, y: y + 12, "class": "bar-label"}, g);
      label.textContent = r.label;
      el("rect", {x: 0, y: y + labelH, width: r.value ? w : 2, height: rowH - 10,
                  "class": "bar bar-" + pattern,
                  fill: pattern === "solid" ? "" : "url(#" + id + "-" + pattern + ")"}, g);
      var num = el("text", {x: (r.value ? w : 2) + 6, y: y + labelH + (rowH - 10) / 2 + 5,
                            "class": "bar-value"}, g);
      num.textContent = String(r.value);
    });
    table.parentNode.insertBefore(svg, table);
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll('table[data-chart="bar"]'), draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else { init(); }
}());

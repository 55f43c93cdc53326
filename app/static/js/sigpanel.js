// Signature panel: every digital signature in a document's PDFs, validated by the
// server when asked (GET /documents/<id>/signatures.json, session cookie).
//
// Markup (whatever the element holds is the no-JS fallback):
//   <section class="sig-panel" data-sig-url="/documents/123/signatures.json"
//            [data-empty="text shown when there is no PDF"]></section>
// Sets data-state="loading" | "ready" (data-files=N, data-signatures=N) | "error".
// Each file: <article class="sig-file" data-file-status="none|valid|untrusted|modified|invalid">
// each signature: <li class="sig-item" data-sig-status="valid|untrusted|modified|invalid">.
// No inline script, no eval: runs under script-src 'self'.

const STATUS = {
  valid: "Hợp lệ",
  invalid: "Không hợp lệ",
  modified: "Đã bị sửa đổi sau khi ký",
  untrusted: "Chưa xác thực được chứng thư",
  none: "Không có chữ ký số",
};
const ROLES = {
  main: "Tệp chính", attachment: "Phụ lục, tệp kèm theo",
  signed_draft: "Bản đã ký, chờ cấp số", draft_attachment: "Tệp kèm dự thảo",
};
// Form fields a later signer may fill without breaking the earlier signature.
const FIELDS = {
  so_ky_hieu: "số, ký hiệu", ngay_ban_hanh: "ngày ban hành",
  SigLeader: "chữ ký của người có thẩm quyền", SigSeal: "chữ ký số của cơ quan",
};
// The signature fields eOffice prepares (signing/model.py).
const ROLE_OF_FIELD = {
  SigLeader: "Người có thẩm quyền ký ban hành",
  SigSeal: "Chữ ký số của cơ quan (văn thư cấp số, đóng dấu)",
};
const REVOCATION = {
  good: "chứng thư còn hiệu lực (đã kiểm tra thu hồi)",
  revoked: "chứng thư đã bị thu hồi",
  unknown: "chưa kiểm tra được tình trạng thu hồi",
  not_checked: "không kiểm tra tình trạng thu hồi",
};

function h(tag, props = {}, ...children) {
  const el = Object.assign(document.createElement(tag), props);
  el.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

// "2026-11-23T14:07:33+07:00" -> "23/11/2026 14:07:33 (UTC+07:00)"; shown as the
// server wrote it (Vietnam time), never converted to the browser's zone.
function vnTime(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?/
    .exec(iso || "");
  if (!m) return iso || "";
  const zone = m[7] ? ` (UTC${m[7] === "Z" ? "+00:00" : m[7]})` : "";
  return `${m[3]}/${m[2]}/${m[1]} ${m[4]}:${m[5]}:${m[6]}${zone}`;
}

// "CN=eOffice Issuing CA,O=...,C=VN" -> "eOffice Issuing CA" (full subject in the title).
function commonName(subject) {
  const m = /(?:^|,)\s*CN=((?:\\,|[^,])+)/.exec(subject || "");
  return m ? m[1].replace(/\\,/g, ",").trim() : subject;
}

function badge(status, extra = "") {
  return h("span", { className: `sig-badge sig-badge--${STATUS[status] ? status : "invalid"}${extra}`,
    textContent: STATUS[status] || STATUS.invalid });
}

function row(label, ...value) {
  return [h("dt", { textContent: label }), h("dd", {}, ...value)];
}

function signatureItem(sig) {
  const status = sig.status || "invalid";
  const item = h("li", { className: `sig-item sig-item--${status}` });
  item.dataset.sigStatus = status;
  if (sig.field) item.dataset.field = sig.field;
  const who = sig.kind === "doc_timestamp" ? "Dấu thời gian tài liệu"
    : (sig.signer || "Không rõ người ký");
  item.append(h("div", { className: "sig-item__head" },
    h("strong", { className: "sig-signer", textContent: who }), " ", badge(status)));
  const facts = [];
  if (sig.signing_time) facts.push(...row("Thời điểm ký", vnTime(sig.signing_time)));
  if (sig.timestamp) {
    const ok = sig.timestamp_valid === false ? " — dấu thời gian không hợp lệ" : "";
    facts.push(...row("Dấu thời gian", `${vnTime(sig.timestamp)}${ok}`));
  } else if (sig.kind !== "doc_timestamp") {
    facts.push(...row("Dấu thời gian", "không có (thời điểm ký do máy người ký ghi)"));
  }
  if (sig.level) facts.push(...row("Mức chữ ký", `PAdES ${sig.level}`));
  if (ROLE_OF_FIELD[sig.field]) facts.push(...row("Vai trò", ROLE_OF_FIELD[sig.field]));
  if (sig.kind !== "doc_timestamp") {
    facts.push(...row("Loại chữ ký", sig.certified
      ? "Chữ ký chứng nhận tài liệu (chỉ cho phép điền số, ngày và chữ ký cơ quan)"
      : "Chữ ký thông thường"));
  }
  if (sig.issuer) {
    facts.push(...row("Cơ quan cấp chứng thư", h("span", { title: sig.issuer,
      textContent: commonName(sig.issuer) })));
  }
  if (sig.revocation) facts.push(...row("Thu hồi", REVOCATION[sig.revocation] || sig.revocation));
  const known = Object.keys(FIELDS);
  const rank = (f) => (known.includes(f) ? known.indexOf(f) : known.length);
  const changed = [...(sig.changed_fields || [])].sort((a, b) => rank(a) - rank(b))
    .map((f) => FIELDS[f] || f);
  if (changed.length) {
    facts.push(...row("Điền sau khi ký", h("span", { className: "sig-changed",
      textContent: changed.join("; ") })));
  }
  if (facts.length) item.append(h("dl", { className: "sig-facts" }, ...facts));
  if (sig.demo_root) {
    item.append(h("p", { className: "sig-demo", textContent: "Chứng thư thử nghiệm (không dùng thật)" }));
  }
  const reasons = sig.reasons || [];
  if (reasons.length) {
    item.append(h("ul", { className: "sig-reasons" },
      ...reasons.map((r) => h("li", { textContent: r }))));
  }
  return item;
}

function fileBlock(file) {
  const status = file.status || "none";
  const block = h("article", { className: `sig-file sig-file--${status}` });
  block.dataset.fileStatus = status;
  if (file.file_id !== null && file.file_id !== undefined) block.dataset.fileId = String(file.file_id);
  const sigs = file.signatures || [];
  block.append(h("h3", { className: "sig-file__name" },
    h("span", { textContent: file.name || "" }),
    file.role && ROLES[file.role] ? h("small", { textContent: ` — ${ROLES[file.role]}` }) : null,
    " ", badge(status, " sig-badge--file")));
  if (!sigs.length) {
    block.append(h("p", { className: "sig-none", textContent: "Tệp không có chữ ký số." }));
  } else {
    block.append(h("ol", { className: "sig-list" }, ...sigs.map(signatureItem)));
  }
  return block;
}

class SignaturePanel {
  constructor(root) {
    this.root = root;
    this.url = new URL(root.dataset.sigUrl, document.baseURI).href;
    this.body = h("div", { className: "sig-panel__body", ariaLive: "polite" });
    this.retry = h("button", { type: "button", className: "sig-panel__retry",
      textContent: "Kiểm tra lại", onclick: () => this.load() });
    root.replaceChildren(h("div", { className: "sig-panel__bar" },
      h("h2", { textContent: "Chữ ký số" }), this.retry), this.body);
  }

  setState(state) {
    this.root.dataset.state = state;
    if (state === "loading") this.root.setAttribute("aria-busy", "true");
    else this.root.removeAttribute("aria-busy");
    this.retry.disabled = state === "loading";
  }

  async load() {
    this.setState("loading");
    this.body.replaceChildren(h("p", { className: "sig-loading",
      textContent: "Đang kiểm tra chữ ký số…" }));
    try {
      const res = await fetch(this.url, { credentials: "same-origin",
        headers: { Accept: "application/json" } });
      let data = null;
      try { data = await res.json(); } catch (e) { data = null; }
      if (!res.ok || !data || !Array.isArray(data.files)) {
        throw new Error(data?.message || `máy chủ trả lời lỗi (${res.status}).`);
      }
      this.show(data.files);
    } catch (err) {
      console.warn("signature panel:", err);
      this.setState("error");
      this.body.replaceChildren(h("p", { className: "sig-error", role: "alert",
        textContent: `Không kiểm tra được chữ ký số: ${err.message || err}` }));
    }
  }

  show(files) {
    const count = files.reduce((n, f) => n + (f.signatures || []).length, 0);
    this.body.replaceChildren(files.length
      ? h("div", { className: "sig-files" }, ...files.map(fileBlock))
      : h("p", { className: "sig-none",
        textContent: this.root.dataset.empty || "Văn bản chưa có tệp PDF." }));
    this.root.dataset.files = String(files.length);
    this.root.dataset.signatures = String(count);
    this.setState("ready");
  }
}

function init() {
  for (const root of document.querySelectorAll(".sig-panel[data-sig-url]:not([data-state])")) {
    new SignaturePanel(root).load();
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();

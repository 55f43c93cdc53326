"""OCR (issue 5): seconds per page of our extraction pipeline against plain OCRmyPDF.

Why: scanned incoming documents are the common case in a Vietnamese agency,
and the text of a scan only becomes searchable after OCR, which costs seconds
per page on a small server. ``archive.extraction.extract`` wraps OCRmyPDF
(page triage, a killable child process, PDF/A derivative, text read back with
pypdf); this measures what the wrapping costs against a plain
``ocrmypdf -l vie --output-type pdfa IN OUT`` on the same file, in the same run,
and how much of the drawn text comes back.

The input is ``--pages`` (3) A4 pages drawn at 300 dpi with Pillow (Liberation
Serif, 13 pt; a two-column Decree 30 heading, số/ký hiệu, date, title and
body text from ``corpus.py``), lightly degraded like a scan (grey background,
blur, speckle), then packed as an image-only PDF with img2pdf (no text layer).
Both pipelines run ``--rounds`` (2) times, alternating, so load drift on the
shared machine hits both.

Accuracy: ``difflib.SequenceMatcher`` ratio between the drawn text and the
text read back (pypdf on the OCRmyPDF output; ``Extraction.text`` for ours),
whitespace collapsed, on the exact text and on the folded text (no
diacritics: what the default search mode compares).

    .venv/bin/python bench/bench_ocr.py
    .venv/bin/python bench/bench_ocr.py --pages 5 --rounds 3
"""
from __future__ import annotations

import argparse
import difflib
import io
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import corpus  # noqa: E402

SECTION = "OCR (issue 5)"
FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf"
DPI = 300
A4 = (2480, 3508)          # pixels at 300 dpi
MARGIN_L, MARGIN_R, MARGIN_T = 354, 236, 236   # 3 cm / 2 cm / 2 cm (Decree 30)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pages", type=int, default=3)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--seed", type=int, default=corpus.SEED)
    p.add_argument("--no-results", action="store_true")
    return p.parse_args()


def _wrap(draw, text: str, font, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=font) <= width:
            line = trial
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def draw_pages(pages: int, seed: int) -> tuple[list, list[str]]:
    """``pages`` scan-like page images and the text drawn on each."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont
    rng = random.Random(seed)
    size = int(13 * DPI / 72)                      # 13 pt
    font, bold = ImageFont.truetype(FONT, size), ImageFont.truetype(FONT_BOLD, size)
    ctx = corpus.Context(1, {u: k for k, u in enumerate(
        ["vanthu", "chanhvanphong", "giamdoc", "phogiamdoc", "truongphong.vh",
         "chuyenvien.vh", "truongphong.dl", "chuyenvien.dl"], 1)},
        {a: k for k, a in enumerate(["VP", "QLVH", "QLDL", "QLTDTT", "XDNSVHGD"], 1)},
        {(d, y): 1 for y in range(corpus.START.year, corpus.END.year + 1)
         for d in ("incoming", "outgoing")}, seed)
    images, texts = [], []
    width = A4[0] - MARGIN_L - MARGIN_R
    line_h = int(size * 1.45)
    for p in range(pages):
        doc = corpus.raw_document(ctx, 1000 + p * 37, 10_000)
        img = Image.new("L", A4, 255)
        draw = ImageDraw.Draw(img)
        drawn: list[str] = []
        y = MARGIN_T
        left = ["ỦY BAN NHÂN DÂN TỈNH DEMO", "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH",
                f"Số: {doc.typed_number or '15/SVHTTDL-VP'}"]
        right = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                 f"Demo, ngày {rng.randint(1, 28):02d} tháng {rng.randint(1, 12):02d} "
                 f"năm {rng.randint(2019, 2026)}"]
        head = ImageFont.truetype(FONT_BOLD, int(11.5 * DPI / 72))
        for a, b in zip(left, right):
            draw.text((MARGIN_L - 60, y), a, font=head, fill=0)
            draw.text((MARGIN_L + width - draw.textlength(b, font=head) + 60, y), b, font=head,
                      fill=0)
            drawn += [a, b]
            y += line_h
        y += line_h
        title = doc.row["subject"]
        for line in _wrap(draw, title, bold, width):
            draw.text((MARGIN_L, y), line, font=bold, fill=0)
            drawn.append(line)
            y += line_h
        y += line_h // 2
        body = [ln for ln in doc.body.split("\n")[6:]]   # after the heading lines
        for paragraph in body:
            for line in _wrap(draw, paragraph, font, width):
                if y > A4[1] - MARGIN_T - line_h:
                    break
                draw.text((MARGIN_L, y), line, font=font, fill=0)
                drawn.append(line)
                y += line_h
        # a scan: grey paper, slight blur, speckle
        img = img.point(lambda v: 235 if v > 250 else v).filter(ImageFilter.GaussianBlur(0.6))
        px = img.load()
        for _ in range(6000):
            px[rng.randrange(A4[0]), rng.randrange(A4[1])] = rng.choice((0, 90, 170))
        images.append(img)
        texts.append("\n".join(drawn))
    return images, texts


def image_pdf(images) -> bytes:
    import img2pdf
    blobs = []
    for img in images:
        buf = io.BytesIO()
        img.save(buf, format="PNG", dpi=(DPI, DPI))
        blobs.append(buf.getvalue())
    return img2pdf.convert(blobs)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def accuracy(truth: str, got: str) -> tuple[float, float]:
    from archive.text import fold
    norm = lambda s: re.sub(r"\s+", " ", s).strip()  # noqa: E731
    exact = difflib.SequenceMatcher(None, norm(truth), norm(got), autojunk=False).ratio()
    folded = difflib.SequenceMatcher(None, norm(fold(truth)), norm(fold(got)),
                                     autojunk=False).ratio()
    return exact, folded


def run_plain(src: Path, out: Path) -> float:
    exe = Path(sys.executable).with_name("ocrmypdf")
    t0 = time.perf_counter()
    proc = subprocess.run([str(exe), "-l", "vie", "--output-type", "pdfa", str(src), str(out)],
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"ocrmypdf failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed


def run_ours(pdf: bytes):
    from archive.extraction import extract
    t0 = time.perf_counter()
    result = extract(pdf, languages=("vie",))
    return time.perf_counter() - t0, result


def main() -> int:
    args = parse_args()
    load_before = common.loadavg()
    images, texts = draw_pages(args.pages, args.seed)
    pdf = image_pdf(images)
    truth = "\n".join(texts)
    print(f"{args.pages} pages, image-only PDF {len(pdf) / 1e6:.1f} MB, "
          f"{len(truth)} characters drawn; load average {load_before}", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench_ocr-"))
    src = tmp / "scan.pdf"
    src.write_bytes(pdf)
    common.OUT_DIR.mkdir(exist_ok=True)
    (common.OUT_DIR / "ocr-truth.txt").write_text(truth, encoding="utf-8")
    runs: dict[str, list[float]] = {"plain": [], "ours": []}
    acc: dict[str, tuple[float, float]] = {}
    try:
        for r in range(args.rounds):
            order = ("plain", "ours") if r % 2 == 0 else ("ours", "plain")
            for which in order:
                if which == "plain":
                    out = tmp / f"plain-{r}.pdf"
                    secs = run_plain(src, out)
                    text = pdf_text(out.read_bytes())
                    extra = f"output {out.stat().st_size / 1e6:.1f} MB"
                else:
                    secs, result = run_ours(pdf)
                    text = result.text
                    extra = (f"method {result.method}, ocr_pages {result.ocr_pages}, derivative "
                             f"{len(result.derivative or b'') / 1e6:.1f} MB")
                runs[which].append(secs)
                acc[which] = accuracy(truth, text)
                (common.OUT_DIR / f"ocr-{which}.txt").write_text(text, encoding="utf-8")
                print(f"  round {r + 1} {which:<5} {secs:6.1f} s  {secs / args.pages:5.2f} s/page "
                      f" accuracy exact {acc[which][0]:.3f} folded {acc[which][1]:.3f}  {extra}  "
                      f"(load {common.loadavg()})", flush=True)
    finally:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
    load_after = common.loadavg()
    if args.no_results:
        return 0
    labels = {"plain": "plain `ocrmypdf -l vie --output-type pdfa` (jobs = all cores)",
              "ours": "`archive.extraction.extract(pdf)` (OCRmyPDF child, optimize 1, "
                      "text read back with pypdf)"}
    rows = []
    for which in ("plain", "ours"):
        secs = runs[which]
        rows.append([common.today(), common.machine(), labels[which],
                     f"{args.pages} × A4 300 dpi, image-only, {len(pdf) / 1e6:.1f} MB",
                     " / ".join(f"{s:.1f}" for s in secs),
                     f"{statistics.median(secs) / args.pages:.2f}",
                     f"{acc[which][0]:.4f}", f"{acc[which][1]:.4f}",
                     f"{load_before} / {load_after}"])
    common.update_results(
        SECTION, ["date", "machine", "pipeline", "input", "seconds per run (rounds)",
                  "s/page (median)", "char ratio exact", "char ratio folded",
                  "load avg 1 min (before/after)"], rows, key_columns=3)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Fonts and appearances: 1000-upem copies, demo images, physical sizes, seal geometry."""
from __future__ import annotations

import io
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from signing import appearance as ap
from signing import fonts
from signing.model import Box

ROOT = Path(__file__).resolve().parents[3]


def test_font_copies_are_1000_upem_and_cached(tmp_path):
    paths = {style: fonts.font_path(style, tmp_path) for style in fonts.STYLES}
    for path in paths.values():
        font = TTFont(str(path))
        assert font["head"].unitsPerEm == 1000
        assert "Liberation" in path.name or "DejaVu" in path.name
        assert ord("Đ") in font.getBestCmap() and ord("ệ") in font.getBestCmap()
    mtime = paths["regular"].stat().st_mtime_ns
    assert fonts.font_path("regular", tmp_path).stat().st_mtime_ns == mtime   # not rebuilt
    with pytest.raises(ValueError):
        fonts.font_path("oblique", tmp_path)


def test_font_cache_survives_concurrent_first_use(tmp_path):
    """Processes racing on an empty cache all end with one complete file, no temp left."""
    code = "import sys; from signing import fonts; print(fonts.font_path('regular', sys.argv[1]))"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE,
                              cwd=ROOT, text=True) for _ in range(3)]
    outputs = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert all(p.returncode == 0 for p in procs)
    assert len(outputs) == 1 and TTFont(outputs.pop())["head"].unitsPerEm == 1000
    assert not list(tmp_path.glob(".tmp-*"))


def test_demo_seal_has_actual_size_and_transparency():
    png = ap.demo_seal_png("Ủy ban nhân dân tỉnh Bắc Ninh", diameter_mm=36, dpi=300)
    w_mm, h_mm = ap.png_size_mm(png)
    assert w_mm == pytest.approx(36, abs=0.2) and h_mm == pytest.approx(36, abs=0.2)
    img = Image.open(io.BytesIO(png))
    assert img.mode == "RGBA"
    assert img.getpixel((0, 0))[3] == 0                          # transparent corner
    r, g, b, a = img.getpixel((img.width // 2, img.height // 2))  # the red star
    assert a > 200 and r > 150 and g < 80


def test_demo_signature_is_blue_and_transparent():
    png = ap.demo_signature_png("Nguyễn Văn An")
    img = Image.open(io.BytesIO(png)).convert("RGBA")
    opaque = [p for p in img.get_flattened_data() if p[3] > 200]
    assert opaque and all(p[2] > p[0] and p[2] > p[1] for p in opaque[:500])
    assert img.getpixel((0, 0))[3] == 0
    assert ap.png_size_mm(png)[0] == pytest.approx(45, abs=0.3)


def test_png_without_dpi_has_no_physical_size():
    out = io.BytesIO()
    Image.new("RGBA", (100, 50)).save(out, format="PNG")
    with pytest.raises(ValueError):
        ap.png_size_mm(out.getvalue())


def test_seal_box_overlaps_left_third_at_actual_size():
    leader = Box(-1, 300, 200, 450, 260)           # 150 pt wide, centred at y=230
    seal = ap.seal_box(leader, ap.demo_seal_png("UBND", diameter_mm=40, dpi=200))
    size = 40 * 72 / 25.4
    assert seal.page == -1
    assert seal.width == pytest.approx(size, rel=0.01) and seal.height == pytest.approx(size, rel=0.01)
    assert seal.x2 == pytest.approx(leader.x1 + leader.width / 3)
    assert (seal.y1 + seal.y2) / 2 == pytest.approx(230)


def test_seal_box_without_dpi_uses_default_diameter():
    out = io.BytesIO()
    Image.new("RGBA", (200, 200)).save(out, format="PNG")
    seal = ap.seal_box(Box(0, 100, 100, 250, 160), out.getvalue(), default_mm=30)
    assert seal.width == pytest.approx(30 * 72 / 25.4)


def test_iso_time_is_vietnam_time_with_offset():
    moment = datetime(2026, 11, 21, 7, 7, 33, 123456, tzinfo=timezone.utc)
    assert ap.iso_vn(moment) == "2026-11-21T14:07:33+07:00"


def test_attachment_box_is_top_right_and_fits_the_text():
    lines = ["15/QĐ-UBND", "2026-11-21T14:07:33+07:00"]
    box = ap.attachment_box(595.28, 841.89, lines)
    assert box.page == 0 and box.x2 == pytest.approx(595.28 - 15 * ap.MM)
    assert box.y2 == pytest.approx(841.89 - 5.5 * ap.MM) and box.y1 > 841.89 - 16 * ap.MM
    assert box.width >= ap.text_width(lines[1], 10)
    assert ap.text_width("Đ", 10) < 10            # 1000-upem metrics: under one em

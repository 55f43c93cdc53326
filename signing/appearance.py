"""What a visible signature looks like on the page (DOMAIN §2.8, Decree 30).

* leader (box 7c): the person's blue handwritten signature, a transparent PNG;
  without an image, a text stamp of ``Appearance.lines``;
* agency seal (box 8): the red seal PNG at its ACTUAL physical size, no text,
  overlapping about the left third of the leader's signature (:func:`seal_box`);
* agency signature on an attachment: text only, Times New Roman (Liberation
  Serif), size 10, black: the number/symbol and the ISO 8601 signing time with
  the +07:00 offset, at the top right of page 1 (:func:`attachment_box`).

Also demo PNGs (a scribbled signature, a round seal) for the demo agency, so
the demo looks like the real thing without anybody's real signature.
"""
from __future__ import annotations

import io
import math
from datetime import datetime, timedelta, timezone

from PIL import Image, ImageDraw, ImageFont
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.layout import AxisAlignment, InnerScaling, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import BaseStampStyle, StaticStampStyle, TextStampStyle

from . import fonts
from .model import Appearance, Box

__all__ = [
    "VN_TZ", "MM", "iso_vn", "png_dpi", "png_size_mm", "seal_box", "attachment_box",
    "text_width", "image_style", "leader_style", "seal_style", "text_style", "attachment_style",
    "demo_signature_png", "demo_seal_png",
]

VN_TZ = timezone(timedelta(hours=7), "ICT")
MM = 72 / 25.4                      # PDF points per millimetre
BLUE = (20, 45, 170)                # ballpoint blue of the demo signature
RED = (214, 0, 28)                  # seal red
ATTACHMENT_FONT_SIZE = 10


def iso_vn(moment: datetime) -> str:
    """ISO 8601 in Vietnam time with the offset, e.g. ``2026-11-21T14:07:33+07:00``.

    Naive datetimes are taken as UTC (what the server clock should run on).
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(VN_TZ).replace(microsecond=0).isoformat()


# --- physical sizes -------------------------------------------------------

def png_dpi(png: bytes) -> float | None:
    """The resolution recorded in the PNG (pHYs chunk), or None when absent."""
    with Image.open(io.BytesIO(png)) as img:
        dpi = img.info.get("dpi")
    if not dpi or not dpi[0] or float(dpi[0]) <= 1:
        return None
    return float(dpi[0])


def png_size_mm(png: bytes) -> tuple[float, float]:
    """Physical (width, height) in mm from the pixel size and the recorded DPI.

    Raises ValueError when the PNG records no DPI: the actual seal size
    cannot be known then, and guessing would print it at a wrong size.
    """
    dpi = png_dpi(png)
    if dpi is None:
        raise ValueError("PNG has no DPI (pHYs) information; its physical size is unknown")
    with Image.open(io.BytesIO(png)) as img:
        w_px, h_px = img.size
    return w_px / dpi * 25.4, h_px / dpi * 25.4


def seal_box(leader: Box, seal_png: bytes, default_mm: float = 36.0) -> Box:
    """Where the seal goes: actual size, covering the left third of the signature.

    Same page as the leader box, vertically centred on it; the seal's right
    edge sits at one third of the leader box width. Without DPI in the PNG
    the seal is ``default_mm`` wide (36 mm: the common round seal), keeping
    the PNG's aspect ratio.
    """
    try:
        w_mm, h_mm = png_size_mm(seal_png)
    except ValueError:
        with Image.open(io.BytesIO(seal_png)) as img:
            w_px, h_px = img.size
        w_mm, h_mm = default_mm, default_mm * h_px / w_px
    w, h = w_mm * MM, h_mm * MM
    right = leader.x1 + leader.width / 3
    middle = (leader.y1 + leader.y2) / 2
    return Box(leader.page, right - w, middle - h / 2, right, middle + h / 2)


def text_width(text: str, font_size: float, style: str = "regular") -> float:
    """Advance width in points of ``text`` in the 1000-upem appearance font.

    Used to size attachment boxes so nothing is shrunk or cut; ignores
    kerning, which only makes the box a hair wider than needed.
    """
    font = _ttfont(style)
    cmap, hmtx = font.getBestCmap(), font["hmtx"]
    units = sum(hmtx[cmap.get(ord(ch), ".notdef")][0] for ch in text)
    return units / 1000 * font_size


_ttfonts: dict = {}


def _ttfont(style: str):
    """Parsed font, cached: measuring is done often, parsing takes ~50 ms."""
    from fontTools.ttLib import TTFont

    path = fonts.font_path(style)
    if path not in _ttfonts:
        _ttfonts[path] = TTFont(str(path), lazy=True)
    return _ttfonts[path]


def attachment_box(page_width: float, page_height: float, lines: list[str],
                   font_size: float = ATTACHMENT_FONT_SIZE,
                   right_mm: float = 15.0, top_mm: float = 5.5) -> Box:
    """Top-right box on page 1 for an attachment signature, inside the top margin.

    Decree 30 margins are 20-25 mm at the top and 15-20 mm at the right; the
    first header line's capitals reach about 17 mm from the top, so a
    two-line size-10 block (about 9 mm) starting 5.5 mm from the top clears
    them and stays inside a printer's printable area.
    """
    leading = int(round(font_size * 1.2))
    width = max(text_width(line, font_size) for line in lines) + 4
    height = leading * len(lines) + 2
    x2, y2 = page_width - right_mm * MM, page_height - top_mm * MM
    return Box(0, x2 - width, y2 - height, x2, y2)


# --- stamp styles -----------------------------------------------------------

def _image_layout() -> SimpleBoxLayoutRule:
    """Centre an image in its box, scaled to fit either way, aspect kept."""
    return SimpleBoxLayoutRule(x_align=AxisAlignment.ALIGN_MID, y_align=AxisAlignment.ALIGN_MID,
                               margins=Margins(0, 0, 0, 0),
                               inner_content_scaling=InnerScaling.STRETCH_TO_FIT)


def image_style(png: bytes) -> StaticStampStyle:
    """A stamp that is just the (transparent) PNG filling its box, no border."""
    img = Image.open(io.BytesIO(png))
    img.load()
    return StaticStampStyle(background=PdfImage(img), background_opacity=1.0, border_width=0,
                            background_layout=_image_layout())


def text_style(lines: tuple[str, ...] | list[str], font_size: float = 9,
               color: tuple[float, float, float] = (0, 0, 0), align: str = "left",
               style: str = "regular") -> TextStampStyle:
    """A borderless text stamp in the 1000-upem Vietnamese font.

    ``%`` is escaped because pyHanko %-formats the stamp text.
    """
    size = int(round(font_size))
    x_align = {"left": AxisAlignment.ALIGN_MIN, "center": AxisAlignment.ALIGN_MID,
               "right": AxisAlignment.ALIGN_MAX}[align]
    box_rule = SimpleBoxLayoutRule(x_align=x_align, y_align=AxisAlignment.ALIGN_MID,
                                   margins=Margins(1, 1, 1, 1))
    tb_style = TextBoxStyle(font=GlyphAccumulatorFactory(str(fonts.font_path(style)), font_size=size),
                            font_size=size, leading=int(round(size * 1.2)), text_color=color,
                            box_layout_rule=box_rule)
    text = "\n".join(lines).replace("%", "%%")
    return TextStampStyle(stamp_text=text, text_box_style=tb_style, border_width=0,
                          background=None, inner_content_layout=box_rule)


def leader_style(appearance: Appearance) -> BaseStampStyle:
    """Leader's signature: the blue PNG when given, else its text lines."""
    if appearance.image:
        return image_style(appearance.image)
    lines = appearance.lines or ("Đã ký số",)
    return text_style(lines, appearance.font_size, color=(0, 0, 0), align="center")


def seal_style(seal_png: bytes) -> StaticStampStyle:
    """The agency's red seal, image only (its box already has the actual size)."""
    return image_style(seal_png)


def attachment_style(lines: list[str]) -> TextStampStyle:
    """Attachment signature text: size 10, black, upright (DOMAIN §2.8)."""
    return text_style(lines, ATTACHMENT_FONT_SIZE, color=(0, 0, 0), align="left")


# --- demo images ------------------------------------------------------------

def _png_bytes(img: Image.Image, dpi: float) -> bytes:
    """PNG bytes with the DPI recorded, so the physical size is known."""
    out = io.BytesIO()
    img.save(out, format="PNG", dpi=(dpi, dpi), optimize=True)
    return out.getvalue()


def _pil_font(size_px: int, style: str = "regular") -> ImageFont.FreeTypeFont:
    """Pillow font from the same family the PDF appearances use."""
    return ImageFont.truetype(str(fonts.font_path(style)), size_px)


def demo_signature_png(name: str, dpi: int = 300) -> bytes:
    """A blue handwriting-like scribble above the name, transparent (45 x 18 mm).

    Deterministic for a given name, so demo documents are reproducible.
    """
    w, h = int(45 / 25.4 * dpi), int(18 / 25.4 * dpi)
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    seed = sum(ord(c) for c in name) % 7
    stroke = max(3, dpi // 100)
    points = []
    loops = 5 + seed % 3
    for i in range(400):
        t = i / 399 * loops * 2 * math.pi            # prolate trochoid: cursive loops
        amp = h * (0.20 - 0.09 * i / 399)
        x = w * 0.08 + (w * 0.80) * i / 399 - amp * 0.55 * math.sin(t)
        y = h * 0.40 - amp * math.cos(t) + h * 0.06 * math.sin(t / loops + seed)
        points.append((x, y))
    draw.line(points, fill=BLUE + (255,), width=stroke, joint="curve")
    draw.line([(w * 0.15, h * 0.62), (w * 0.85, h * 0.52)], fill=BLUE + (255,), width=stroke)
    font = _pil_font(int(h * 0.2), "italic")
    tw = draw.textlength(name, font=font)
    draw.text(((w - tw) / 2, h * 0.72), name, font=font, fill=BLUE + (255,))
    return _png_bytes(img, dpi)


def demo_seal_png(agency_name: str, diameter_mm: float = 36, dpi: int = 300) -> bytes:
    """A red round seal: two rings, the agency name around, a star in the middle.

    Transparent background; DPI recorded so :func:`seal_box` prints it at
    ``diameter_mm``. Drawn 3x larger and downsampled for smooth edges.
    """
    scale = 3
    d = int(round(diameter_mm / 25.4 * dpi))
    big = d * scale
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    red = RED + (255,)
    ring = max(2, big // 45)
    draw.ellipse((ring, ring, big - ring, big - ring), outline=red, width=ring * 2)
    inner = big * 0.22
    draw.ellipse((inner, inner, big - inner, big - inner), outline=red, width=max(2, ring // 2))
    _draw_star(draw, big / 2, big / 2, big * 0.12, red)
    _draw_circular_text(img, agency_name.upper(), radius=big * 0.37, font_px=int(big * 0.085))
    small = img.resize((d, d), Image.LANCZOS)
    return _png_bytes(small, dpi)


def _draw_star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, fill) -> None:
    """A filled five-pointed star centred on (cx, cy), point up."""
    pts = []
    for k in range(10):
        radius = r if k % 2 == 0 else r * 0.4
        angle = -math.pi / 2 + k * math.pi / 5
        pts.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    draw.polygon(pts, fill=fill)


def _draw_circular_text(img: Image.Image, text: str, radius: float, font_px: int) -> None:
    """Write ``text`` clockwise around the centre, letters upright to the rim."""
    font = _pil_font(font_px, "bold")
    measure = ImageDraw.Draw(img)
    widths = [measure.textlength(ch, font=font) for ch in text]
    total = sum(widths) * 1.1
    arc = min(total / radius, 2 * math.pi * 0.92)          # radians used by the text
    spacing = arc / max(total, 1)
    angle = -math.pi / 2 - arc / 2                          # start left of the top
    cx = cy = img.width / 2
    for ch, cw in zip(text, widths):
        step = cw * 1.1 * spacing
        mid = angle + step / 2
        _paste_rotated_char(img, ch, font, cx + radius * math.cos(mid),
                            cy + radius * math.sin(mid), math.degrees(mid) + 90)
        angle += step


def _paste_rotated_char(img: Image.Image, ch: str, font, x: float, y: float, degrees: float) -> None:
    """Draw one character centred at (x, y), rotated clockwise by ``degrees``."""
    size = int(font.size * 2)
    tile = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((size / 2, size / 2), ch, font=font, fill=RED + (255,), anchor="mm")
    tile = tile.rotate(-degrees, resample=Image.BICUBIC)
    img.alpha_composite(tile, (int(x - size / 2), int(y - size / 2)))

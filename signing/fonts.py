"""Vietnamese fonts for signature appearances and filled form fields.

pyHanko 0.38 writes raw glyph advances into the embedded CIDFont widths
without scaling them to 1/1000 em, so a TrueType font with 2048 units per em
(Liberation, DejaVu, Times New Roman) comes out letter-spaced about 2x
(STACK §2 pitfall 1). Every appearance therefore uses a copy of the font
rescaled once to 1000 units per em with fontTools, kept in a cache folder.

Liberation Serif has Times New Roman metrics (the font Decree 30 asks for) and
all Vietnamese glyphs; DejaVu Serif is the fallback when it is missing.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from pathlib import Path

__all__ = ["STYLES", "configure", "font_path"]

STYLES = ("regular", "bold", "italic")

_SOURCES = {
    "regular": ("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
                "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
                "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"),
    "bold": ("/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
             "/usr/share/fonts/truetype/liberation/LiberationSerif-Bold.ttf",
             "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"),
    "italic": ("/usr/share/fonts/truetype/liberation2/LiberationSerif-Italic.ttf",
               "/usr/share/fonts/truetype/liberation/LiberationSerif-Italic.ttf",
               "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf"),
}

_RECIPE = "upem1000-noFFTM-v1"      # bump when _scale_to_1000 changes
_DEFAULT_CACHE = Path.home() / ".cache" / "eoffice-fonts"
_cache_dir: Path | None = None
_lock = threading.Lock()
_memo: dict[tuple[str, Path], Path] = {}


def configure(cache_dir: str | Path | None) -> None:
    """Set the process-wide cache folder (config.py passes EOFFICE_FONT_CACHE).

    Domain code never reads the environment (DESIGN: only config.py does), so
    the wiring calls this once; ``None`` restores ``~/.cache/eoffice-fonts``.
    """
    global _cache_dir
    _cache_dir = Path(cache_dir) if cache_dir else None


def font_path(style: str = "regular", cache_dir: str | Path | None = None) -> Path:
    """Return a 1000-upem Liberation Serif (or DejaVu Serif) file for ``style``.

    Made on first use and reused afterwards; safe when threads or processes
    race, because the copy is written to a temporary file and renamed.
    """
    if style not in STYLES:
        raise ValueError(f"unknown font style {style!r}; expected one of {STYLES}")
    folder = Path(cache_dir) if cache_dir else (_cache_dir or _DEFAULT_CACHE)
    key = (style, folder)
    with _lock:
        if key not in _memo or not _memo[key].exists():
            _memo[key] = _ensure_scaled(_source_font(style), folder)
        return _memo[key]


def _source_font(style: str) -> Path:
    """The first installed candidate (Liberation Serif first, then DejaVu)."""
    for candidate in _SOURCES[style]:
        if Path(candidate).is_file():
            return Path(candidate)
    raise FileNotFoundError(
        "No Vietnamese serif font found; install fonts-liberation2 or fonts-dejavu "
        f"(looked for {', '.join(_SOURCES[style])})")


def _ensure_scaled(source: Path, folder: Path) -> Path:
    """Write the rescaled copy unless an identical one is already cached.

    The name carries a hash of the recipe and the source path, size and
    mtime, so an upgraded system font gets a fresh copy, not a stale one.
    """
    stat = source.stat()
    recipe = f"{_RECIPE}|{source}|{stat.st_size}|{stat.st_mtime_ns}"
    tag = hashlib.sha256(recipe.encode()).hexdigest()[:12]
    target = folder / f"{source.stem}-upem1000-{tag}.ttf"
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".ttf", dir=folder)
    os.close(fd)
    try:
        _scale_to_1000(source, Path(tmp))
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def _scale_to_1000(source: Path, target: Path) -> None:
    """Rescale the glyph coordinates and metrics of ``source`` to 1000 units per em."""
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    font = TTFont(str(source))
    if "FFTM" in font:                 # FontForge timestamps: fontTools cannot subset them
        del font["FFTM"]
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    font.save(str(target))

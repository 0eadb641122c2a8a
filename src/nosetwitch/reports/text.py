"""Fonts for the PDF and text that is safe to print with them.

The report uses DejaVu Sans from matplotlib's own data folder: matplotlib is
a pip dependency already, so no system font package is needed, and DejaVu
covers Latin, Greek and Cyrillic (people write notes in their language).
Characters the font lacks (emoji, CJK) become a visible placeholder instead
of an empty box or an error; control characters are dropped.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

FAMILY = "DejaVu"
PLACEHOLDER = "?"


def font_files() -> dict[str, Path]:
    """Style ("" regular, "B" bold, "I" italic) -> TTF path inside matplotlib."""
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return {"": folder / "DejaVuSans.ttf", "B": folder / "DejaVuSans-Bold.ttf", "I": folder / "DejaVuSans-Oblique.ttf"}


@lru_cache(maxsize=1)
def _covered() -> frozenset[int]:
    """Code points that every style of the font can draw."""
    from fontTools.ttLib import TTFont

    sets = []
    for path in font_files().values():
        with TTFont(path, lazy=True) as font:
            sets.append(set(font.getBestCmap()))
    return frozenset(set.intersection(*sets))


def printable(text: str, *, keep_newlines: bool = True) -> str:
    """`text` with only characters the report font can draw."""
    covered = _covered()
    out = []
    for char in unicodedata.normalize("NFC", text):
        if char == "\n" and keep_newlines:
            out.append(char)
        elif char in "\t\r\n":
            out.append(" ")
        elif unicodedata.category(char).startswith("C"):
            continue  # control and format characters (zero-width joiners, etc.)
        elif ord(char) in covered:
            out.append(char)
        elif unicodedata.category(char) in ("So", "Sk", "Mn"):
            continue  # emoji and other pictographs: dropping them keeps the words readable
        else:
            out.append(PLACEHOLDER)  # a letter we cannot draw: show that something was there
    return "".join(out)


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary when there is one, marked as shortened."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip() + " ... (shortened)"

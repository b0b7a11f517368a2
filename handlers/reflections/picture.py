"""The /power summary as a picture: one bar per indicator, from no power to full power.

Some people would rather look than read. The picture is drawn with Pillow, sized for a phone
(portrait, large type, high contrast), and always comes with the same facts as text for screen
readers and the console. With history on, each indicator shows two bars: then (lighter) and now.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 720
ROW = 118
TOP = 110
MARGIN = 36
INK = (33, 37, 41)
FAINT = (222, 226, 230)
NOW = (46, 125, 50)
THEN = (165, 214, 167)


@dataclass(frozen=True, slots=True)
class Bar:
    """One indicator: its name, the point chosen now and, with history, the one before
    (points count from 0, no power, to ``top``, full power)."""

    name: str
    now: int
    then: int | None = None


def draw(bars: Sequence[Bar], top: int, title: str, ends: tuple[str, str]) -> bytes:
    """A PNG of the bars; ``ends`` names the scale's two ends ("No power", "Full power")."""
    from PIL import Image, ImageDraw, ImageFont  # here: only a picture needs Pillow, not a start

    height = TOP + ROW * len(bars) + 60
    image = Image.new("RGB", (WIDTH, height), "white")
    pen = ImageDraw.Draw(image)
    big = ImageFont.load_default(size=34)
    text = ImageFont.load_default(size=26)
    small = ImageFont.load_default(size=22)
    pen.text((MARGIN, 30), title, fill=INK, font=big)
    full = WIDTH - 2 * MARGIN
    for row, bar in enumerate(bars):
        y = TOP + row * ROW
        pen.text((MARGIN, y), bar.name, fill=INK, font=text)
        lanes = [(bar.then, THEN), (bar.now, NOW)] if bar.then is not None else [(bar.now, NOW)]
        for lane, (point, colour) in enumerate(lanes):
            y0 = y + 38 + lane * 26
            thick = 22 if len(lanes) == 2 else 40
            pen.rectangle((MARGIN, y0, MARGIN + full, y0 + thick), fill=FAINT)
            share = (point or 0) / top if top else 0
            length = max(int(full * share), 8)  # "no power" still shows as a sliver
            pen.rectangle((MARGIN, y0, MARGIN + length, y0 + thick), fill=colour)
    y = TOP + ROW * len(bars) + 8
    pen.text((MARGIN, y), ends[0], fill=INK, font=small)
    right = pen.textlength(ends[1], font=small)
    pen.text((WIDTH - MARGIN - right, y), ends[1], fill=INK, font=small)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()

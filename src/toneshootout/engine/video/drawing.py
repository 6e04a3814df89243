"""Draw the still parts of a frame once, with Pillow: header, chain card, panels, strip.

Fonts are matplotlib's bundled DejaVu Sans, so every machine draws the same pixels (and the
arrows, accents and minus signs of real chain names have glyphs). Colours are the plots'
Okabe–Ito palette, with light grey in place of black on the dark background.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from toneshootout.engine.types import Float64Array
from toneshootout.engine.video.labels import ChainCard, chain_letter
from toneshootout.engine.video.layout import Box, Layout

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
BACKGROUND = (20, 24, 31)
PANEL = (32, 38, 48)
TEXT = (236, 238, 242)
MUTED = (160, 168, 180)
DIM = (72, 80, 94)
CHAIN_COLOURS = (
    (0x00, 0x72, 0xB2),
    (0xE6, 0x9F, 0x00),
    (0x00, 0x9E, 0x73),
    (0xD5, 0x5E, 0x00),
    (0xCC, 0x79, 0xA7),
    (0x56, 0xB4, 0xE9),
    (0xF0, 0xE4, 0x42),
    (0xBB, 0xBB, 0xBB),
)
Font = ImageFont.FreeTypeFont
RGB = tuple[int, int, int]


def chain_colour(index: int) -> RGB:
    return CHAIN_COLOURS[index % len(CHAIN_COLOURS)]


@functools.cache
def font(size: int, bold: bool = False) -> Font:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONT_DIR / name), size)


def fit(text: str, face: Font, width: int) -> str:
    """`text`, cut with an ellipsis where it would run past `width` pixels."""
    if face.getlength(text) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        mid = (low + high + 1) // 2
        if face.getlength(text[:mid].rstrip() + "…") <= width:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + "…"


def wrap(text: str, face: Font, width: int, max_lines: int) -> list[str]:
    """`text` in lines no wider than `width`, broken between words; the last one cut if needed."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and face.getlength(candidate.rstrip(" ·")) > width:
            lines.append(current.rstrip(" ·"))
            current = word
        else:
            current = candidate
    lines.append(current.rstrip())
    lines = [line for line in lines if line] or [""]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return [fit(line, face, width) for line in lines]


def blank(layout: Layout) -> Image.Image:
    return Image.new("RGB", (layout.width, layout.height), BACKGROUND)


def _text(
    draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, pen: tuple[Font, RGB], width: int
) -> None:
    """`text` in `pen` (face, colour), cut to `width` pixels."""
    face, fill = pen
    draw.text(xy, fit(text, face, width), font=face, fill=fill)


def draw_header(image: Image.Image, layout: Layout, title: str, subtitle: str, rule: str) -> None:
    draw = ImageDraw.Draw(image)
    box, f = layout.header, layout.fonts
    _text(draw, (box.x, box.y), title, (font(f.title, bold=True), TEXT), box.w)
    line = box.y + round(f.title * 1.35)
    _text(draw, (box.x, line), subtitle, (font(f.subtitle), MUTED), box.w)
    y, face = line + round(f.subtitle * 1.45), font(f.small)
    for part in wrap(rule, face, box.w, 2):
        _text(draw, (box.x, y), part, (face, MUTED), box.w)
        y += round(f.small * 1.3)


def draw_card(image: Image.Image, layout: Layout, card: ChainCard, count: int) -> None:
    """The playing chain: letter badge in its colour, name, blocks in order, level decision."""
    draw = ImageDraw.Draw(image)
    box, f = layout.card, layout.fonts
    colour = chain_colour(card.index)
    draw.rounded_rectangle((box.x, box.y, box.right, box.bottom), radius=f.small, fill=PANEL)
    bar = max(6, f.small // 2)
    draw.rectangle((box.x, box.y, box.x + bar, box.bottom), fill=colour)
    pad = f.block
    left, top = box.x + bar + pad, box.y + pad
    badge = round(f.name * 1.25)
    draw.rounded_rectangle((left, top, left + badge, top + badge), radius=f.small // 2, fill=colour)
    letter_face = font(round(f.name * 0.8), bold=True)
    draw.text(
        (left + badge // 2, top + badge // 2),
        card.letter,
        font=letter_face,
        fill=BACKGROUND,
        anchor="mm",
    )
    name_x = left + badge + pad
    name_width = box.right - pad - name_x
    _text(draw, (name_x, top), card.name, (font(f.name, bold=True), TEXT), name_width)
    _text(
        draw,
        (name_x, top + round(f.name * 1.15)),
        f"chain {card.index + 1} of {count}",
        (font(f.small), MUTED),
        name_width,
    )
    y = top + badge + pad
    width = box.right - pad - left
    level_face, level_step = font(f.level, bold=True), round(f.level * 1.3)
    level_lines = wrap(card.level_line, level_face, width, 2)
    level_y = box.bottom - pad - f.level - level_step * (len(level_lines) - 1)
    block_face, step = font(f.block), round(f.block * 1.4)
    room = max(1, (level_y - pad // 2 - y) // step)
    lines = [part for block in card.blocks for part in wrap(block, block_face, width, 2)]
    if len(lines) > room:
        lines = [*lines[: room - 1], "… and more (the description lists every block)"]
    for line in lines:
        _text(draw, (left, y), line, (block_face, TEXT), width)
        y += step
    for line in level_lines:
        _text(draw, (left, level_y), line, (level_face, colour), width)
        level_y += level_step


def draw_waveform(
    image: Image.Image, box: Box, envelope: Float64Array, window: tuple[int, int], colour: RGB
) -> None:
    """The DI's min/max envelope, one column per pixel; the window being played is lit."""
    draw = ImageDraw.Draw(image)
    draw.rectangle((box.x, box.y, box.right - 1, box.bottom - 1), fill=PANEL)
    lo, hi = window
    draw.rectangle((box.x + lo, box.y, box.x + hi - 1, box.bottom - 1), fill=(46, 54, 68))
    mid, half = box.y + box.h / 2, box.h / 2 - 4
    for x in range(box.w):
        top = round(mid - envelope[1, x] * half)
        bottom = round(mid - envelope[0, x] * half)
        fill = colour if lo <= x < hi else DIM
        draw.line((box.x + x, top, box.x + x, max(top, bottom)), fill=fill)


@dataclass(frozen=True)
class StripCell:
    x0: int  # pixel span inside the strip
    x1: int
    chain: int


def strip_cells_box(layout: Layout) -> Box:
    """The part of the strip under its caption where the cells (and the playhead) go."""
    box = layout.strip
    top = box.y + 2 * round(layout.fonts.small * 0.65)
    return Box(box.x, top, box.w, box.bottom - top)


def draw_strip(
    image: Image.Image, layout: Layout, cells: Sequence[StripCell], current: int
) -> None:
    """The montage's order as coloured cells; all but the current one dimmed."""
    draw = ImageDraw.Draw(image)
    box, f = layout.strip, layout.fonts
    cell_top = strip_cells_box(layout).y
    for i, cell in enumerate(cells):
        colour = chain_colour(cell.chain)
        if i != current:
            colour = (colour[0] // 3 + 20, colour[1] // 3 + 20, colour[2] // 3 + 20)
        x0, x1 = box.x + cell.x0, box.x + max(cell.x0 + 1, cell.x1 - 2)
        draw.rectangle((x0, cell_top, x1, box.bottom - 1), fill=colour)
        if i == current:
            draw.rectangle((x0, cell_top, x1, box.bottom - 1), outline=TEXT, width=2)
        if x1 - x0 > f.small * 1.6:
            draw.text(
                ((x0 + x1) // 2, (cell_top + box.bottom) // 2),
                chain_letter(cell.chain),
                font=font(f.small, bold=True),
                fill=BACKGROUND if i == current else MUTED,
                anchor="mm",
            )


def draw_strip_caption(image: Image.Image, layout: Layout, text: str) -> None:
    draw = ImageDraw.Draw(image)
    _text(
        draw,
        (layout.strip.x, layout.strip.y),
        text,
        (font(layout.fonts.small), MUTED),
        layout.strip.w,
    )


def draw_panel_text(
    image: Image.Image,
    layout: Layout,
    heading: str,
    lines: Sequence[str],
    footer: str | None = None,
) -> None:
    """A title or end card in the panel: a heading and as many lines as fit."""
    draw = ImageDraw.Draw(image)
    box, f = layout.panel, layout.fonts
    draw.rectangle((box.x, box.y, box.right - 1, box.bottom - 1), fill=PANEL)
    pad = f.small
    y = box.y + pad
    _text(draw, (box.x + pad, y), heading, (font(f.block, bold=True), TEXT), box.w - 2 * pad)
    y += round(f.block * 1.5)
    step = round(f.small * 1.35)
    bottom = box.bottom - pad - (step if footer else 0)
    shown = list(lines)
    room = max(1, (bottom - y) // step)
    if len(shown) > room:
        shown = [*shown[: room - 1], f"… and {len(shown) - room + 1} more (see the description)"]
    for line in shown:
        _text(draw, (box.x + pad, y), line, (font(f.small), MUTED), box.w - 2 * pad)
        y += step
    if footer:
        _text(
            draw,
            (box.x + pad, box.bottom - pad - f.small),
            footer,
            (font(f.small, bold=True), TEXT),
            box.w - 2 * pad,
        )


def envelope(samples: Float64Array, columns: int) -> Float64Array:
    """Min and max of `samples` over `columns` equal spans, scaled so the loudest reaches 1."""
    n = samples.shape[0]
    edges = np.linspace(0, n, columns + 1).astype(np.int64)
    out = np.zeros((2, columns))
    for x in range(columns):
        chunk = samples[edges[x] : max(edges[x + 1], edges[x] + 1)]
        if chunk.size:
            out[0, x], out[1, x] = chunk.min(), chunk.max()
    peak = float(np.max(np.abs(out))) or 1.0
    return out / peak


def draw_lineup(image: Image.Image, layout: Layout, cards: Sequence[ChainCard]) -> None:
    """Every chain with its letter and colour, for the poster: who is in this shootout."""
    draw = ImageDraw.Draw(image)
    box, f = layout.card, layout.fonts
    top, bottom = box.y, layout.strip.bottom
    draw.rounded_rectangle((box.x, top, box.right, bottom), radius=f.small, fill=PANEL)
    pad = f.block
    step = max(round(f.block * 2.6), (bottom - top - 2 * pad) // max(1, len(cards)))
    step = min(step, round(f.name * 1.6))
    room = max(1, (bottom - top - 2 * pad) // step)
    shown = list(cards)[:room]
    y = top + pad
    for card in shown:
        colour = chain_colour(card.index)
        badge = round(step * 0.7)
        draw.rounded_rectangle(
            (box.x + pad, y, box.x + pad + badge, y + badge), radius=f.small // 2, fill=colour
        )
        draw.text(
            (box.x + pad + badge // 2, y + badge // 2),
            card.letter,
            font=font(round(badge * 0.6), bold=True),
            fill=BACKGROUND,
            anchor="mm",
        )
        x = box.x + 2 * pad + badge
        _text(draw, (x, y), card.name, (font(f.block, bold=True), TEXT), box.right - pad - x)
        detail = "  →  ".join(
            line.split(":", 1)[-1].split("  ·  ")[0].strip() for line in card.blocks
        )
        _text(
            draw, (x, y + round(f.block * 1.3)), detail, (font(f.small), MUTED), box.right - pad - x
        )
        y += step
    if len(cards) > len(shown):
        _text(
            draw,
            (box.x + pad, y),
            f"… and {len(cards) - len(shown)} more chains",
            (font(f.small), MUTED),
            box.w - 2 * pad,
        )

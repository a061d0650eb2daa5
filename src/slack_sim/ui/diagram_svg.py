"""The teaching diagrams as SVG: a :class:`~slack_sim.ui.diagram_layout.Layout` drawn as a document.

Every label is escaped; each arrow carries a ``<title>`` naming its link, its sign and the
variables it stands for, so the page and a slide show the same drawing.
"""

from __future__ import annotations

import html
import math

from .diagram_layout import PALETTE, SVG_FONT_PX, Layout, Node

__all__ = ["LINK_COLOURS", "to_svg"]

#: Colours of positive and negative links (Okabe-Ito blue and vermillion) and of a link
#: with no sign in the run (grey).
LINK_COLOURS = {1: "#0072B2", -1: "#D55E00", 0: "#999999"}
_SIGN_TEXT = {1: "+", -1: "\u2212", 0: "?"}


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _box_exit(node: Node, tx: float, ty: float) -> tuple[float, float]:
    """Where the line from a node's centre toward (tx, ty) leaves its label box."""
    hw, hh = node.half
    dx, dy = tx - node.x, ty - node.y
    if dx == 0 and dy == 0:
        return node.x, node.y
    s = min(hw / abs(dx) if dx else math.inf, hh / abs(dy) if dy else math.inf)
    return node.x + dx * s, node.y + dy * s


def to_svg(layout: Layout) -> str:
    """Return the layout as a standalone SVG document (for the page and for slides).

    Labels are :data:`SVG_FONT_PX` px, text is escaped; each arrow has a ``<title>``
    naming its link and the variables it stands for.
    """
    fs = SVG_FONT_PX
    by = {nd.name: nd for nd in layout.nodes}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{layout.width:.0f}" '
        f'height="{layout.height:.0f}" viewBox="0 0 {layout.width:.0f} {layout.height:.0f}" '
        f'font-family="Helvetica, Arial, sans-serif" font-size="{fs}" role="img">',
        "<defs>",
    ]
    for sign, colour in LINK_COLOURS.items():
        out.append(f'<marker id="arrow{sign + 1}" viewBox="0 0 10 10" refX="9" refY="5" '
                   f'markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
                   f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>')
    out += ['<marker id="turn" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#333"/>'
            "</marker>", "</defs>",
            '<rect width="100%" height="100%" fill="white"/>']
    if layout.title:
        out.append(f'<text x="24" y="30" font-size="{fs + 4}" font-weight="bold" '
                   f'fill="#222">{_esc(layout.title)}</text>')
    for e in layout.edges:
        a, b = by.get(e.cause), by.get(e.effect)
        if a is None or b is None:
            continue
        mx, my = (a.x + b.x) / 2, (a.y + b.y) / 2
        dx, dy = b.x - a.x, b.y - a.y
        cx, cy = mx + dy * e.bend, my - dx * e.bend  # bend to the left of a -> b
        x0, y0 = _box_exit(a, cx, cy)
        x1, y1 = _box_exit(b, cx, cy)
        colour = "#009E73" if e.lever else LINK_COLOURS[e.sign]
        dash = ' stroke-dasharray="6 4"' if e.hidden else ""
        via = f" via {', '.join(e.hidden)}" if e.hidden else ""
        sign_word = {1: "+", -1: "-", 0: "no sign in this run"}[e.sign]
        out.append(
            f'<path d="M{x0:.1f},{y0:.1f} Q{cx:.1f},{cy:.1f} {x1:.1f},{y1:.1f}" fill="none" '
            f'stroke="{colour}" stroke-width="2"{dash} marker-end="url(#arrow{e.sign + 1})">'
            f"<title>{_esc(e.cause)} \u2192 {_esc(e.effect)} ({sign_word}){_esc(via)}</title>"
            "</path>")
        # the sign beside the arrowhead, on the outer side of the curve
        t = 0.8
        px = (1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t * t * x1
        py = (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t * t * y1
        norm = math.hypot(x1 - x0, y1 - y0) or 1.0
        ox, oy = (y1 - y0) / norm * 12, -(x1 - x0) / norm * 12
        out.append(f'<text x="{px + ox:.1f}" y="{py + oy + 6:.1f}" text-anchor="middle" '
                   f'font-size="{fs + 6}" font-weight="bold" fill="{LINK_COLOURS[e.sign]}">'
                   f"{_SIGN_TEXT[e.sign]}</text>")
    for nd in layout.nodes:
        hw, hh = nd.half
        colour = PALETTE.get(nd.kind, PALETTE["other"])
        rx = 2 if nd.kind == "stock" else hh
        width = 3 if nd.kind == "stock" else 1.5
        out.append(f'<g><title>{_esc(nd.name)}</title><rect x="{nd.x - hw:.1f}" '
                   f'y="{nd.y - hh:.1f}" width="{2 * hw:.1f}" height="{2 * hh:.1f}" '
                   f'rx="{min(rx, 18):.1f}" fill="white" stroke="{colour}" '
                   f'stroke-width="{width}"/>')
        top = nd.y - (len(nd.lines) - 1) * fs * 0.6 + fs * 0.35
        text_colour = colour if nd.kind != "other" else "#333333"
        for k, line in enumerate(nd.lines):
            out.append(f'<text x="{nd.x:.1f}" y="{top + k * fs * 1.2:.1f}" '
                       f'text-anchor="middle" fill="{text_colour}">{_esc(line)}</text>')
        out.append("</g>")
    for m in layout.markers:
        r = 26
        if m.clockwise:
            arc = (f"M{m.x - r * 0.7:.1f},{m.y + r * 0.7:.1f} A{r},{r} 0 1 1 "
                   f"{m.x + r * 0.7:.1f},{m.y + r * 0.7:.1f}")
        else:
            arc = (f"M{m.x + r * 0.7:.1f},{m.y + r * 0.7:.1f} A{r},{r} 0 1 0 "
                   f"{m.x - r * 0.7:.1f},{m.y + r * 0.7:.1f}")
        turn = "clockwise" if m.clockwise else "anticlockwise"
        out.append(f'<g><title>Loop {_esc(m.loop)} {_esc(m.name)} ({turn})</title>'
                   f'<path d="{arc}" fill="none" stroke="#333" stroke-width="2.5" '
                   f'marker-end="url(#turn)"/>'
                   f'<text x="{m.x:.1f}" y="{m.y + 7:.1f}" text-anchor="middle" '
                   f'font-size="{fs + 4}" font-weight="bold" fill="#222">{_esc(m.loop)}</text>'
                   + ("" if m.compact else
                      f'<text x="{m.x:.1f}" y="{m.y + r + fs + 4:.1f}" text-anchor="middle" '
                      f'fill="#222">{_esc(m.name)}</text>') + "</g>")
    out.append("</svg>")
    return "\n".join(out)

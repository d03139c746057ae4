"""Charts as SVG, drawn on the server with pygal, loading nothing and running nothing.

pygal writes a ``<style>`` and a ``<script>`` into every chart (and, by default, links its
tooltip script from kozea.github.io). Our pages allow neither inline styles nor inline
scripts (the CSP), and nothing from another host. So the chart is drawn with ``js=[]`` and
``css=[]``, then rewritten here: the script, the style, the hover tooltips and every
``style`` attribute go; what the style said (colours, strokes, text anchors and sizes) comes
back as plain SVG presentation attributes, and the text is set in our bundled fonts: the page's
``@font-face`` families, or the PDF's (``sanctuary.lib.pdf.FONT_FAMILY``). Burmese and Thai
labels therefore shape on a phone with no Myanmar font of its own.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from sanctuary.lib.figures import LINE, STACKED, FigureData

SVG = "http://www.w3.org/2000/svg"
# The page's families (sanctuary/static/css/sanctuary.css): Latin, then Myanmar, then Thai.
PAGE_FONTS = '"Noto Sans", "Noto Sans Myanmar", "Noto Sans Thai", sans-serif'
COLOURS = ("#1f5f8b", "#d9822b", "#3c8d5a", "#a23b72", "#6b5ca5", "#8c6d1f", "#2a9d8f", "#b5443a")
INK, MUTED, LINE_COLOUR = "#1d2327", "#5b6770", "#d5dbe0"


def _chart(data: FigureData, *, width: int, height: int, title: str) -> Any:
    import pygal
    from pygal.style import Style

    style = Style(colors=COLOURS, background="#fff", plot_background="#fff", font_family="sans-serif")
    options: dict[str, Any] = {
        "js": [],
        "css": [],
        "no_prefix": True,
        "disable_xml_declaration": True,
        "width": width,
        "height": height,
        "style": style,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 1,
        "show_legend": len(data.series) > 1,
        "x_label_rotation": 45 if len(data.x_labels) > 6 else 0,
        "truncate_label": -1,
        "truncate_legend": -1,
        "margin": 8,
        "spacing": 8,
        "print_values": False,
        "title": title or None,
        "no_data_text": "—",
        "min_scale": 3,
        "max_scale": 6,
    }
    kind = pygal.Line if data.kind == LINE else pygal.StackedBar if data.kind == STACKED else pygal.Bar
    chart = kind(**options)
    chart.x_labels = data.x_labels
    for label, values in data.series:
        chart.add(str(label), list(values))
    return chart


def _classes(element: Any) -> set[str]:
    return set((element.get("class") or "").split())


def _ancestors(element: Any) -> set[str]:
    found: set[str] = set()
    parent = element.getparent()
    while parent is not None:
        found |= _classes(parent)
        parent = parent.getparent()
    return found


def _colour(element: Any) -> str | None:
    """The series colour of an element inside ``color-N`` (or carrying it)."""
    node = element
    while node is not None:
        for name in _classes(node):
            if name.startswith("color-") and name[6:].isdigit():
                return COLOURS[int(name[6:]) % len(COLOURS)]
        node = node.getparent()
    return None


def sanitise(svg: str, fonts: str = PAGE_FONTS, label: str = "") -> str:
    """pygal's SVG without script, style or tooltips, styled by attributes, in ``fonts``."""
    root = etree.fromstring(svg.encode())
    for element in list(root.iter()):
        if not isinstance(element.tag, str):  # comments
            element.getparent().remove(element)
            continue
        tag = etree.QName(element).localname
        classes = _classes(element)
        if tag in ("script", "style", "desc") or "tooltip-overlay" in classes or "tooltip" in classes:
            element.getparent().remove(element)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        element.attrib.pop("style", None)
        _style(element)
    root.attrib.pop("id", None)
    for heading in root.findall(f"{{{SVG}}}title"):
        heading.text = label
    root.set("font-family", fonts)
    root.set("role", "img")
    root.set("width", "100%")
    return etree.tostring(root, encoding="unicode")


def _style(element: Any) -> None:
    tag = etree.QName(element).localname
    classes = _classes(element)
    above = _ancestors(element)
    colour = _colour(element)
    if tag == "rect" and "background" in classes:
        element.set("fill", "#fff")
    elif tag == "rect" and colour:
        element.set("fill", colour)
        element.set("fill-opacity", ".85")
    elif tag == "path" and "guide" in classes:
        element.set("fill", "none")
        element.set("stroke", LINE_COLOUR)
        element.set("stroke-width", "1")
    elif tag == "path" and ("axis" in classes or ("axis" in above and "line" in classes)):
        element.set("fill", "none")
        element.set("stroke", MUTED)
        element.set("stroke-width", "1")
    elif tag == "path" and "line" in classes and colour:
        element.set("fill", "none")
        element.set("stroke", colour)
        element.set("stroke-width", "2")
    elif tag == "circle" and colour:
        element.set("fill", colour)
    elif tag == "text":
        element.set("fill", INK if "title" in classes or "legends" in above else MUTED)
        if "title" in classes:
            element.set("font-size", "15")
            element.set("text-anchor", "middle")
            element.set("font-weight", "700")
        elif "legends" in above:
            element.set("font-size", "14")
        elif "axis" in above:
            element.set("font-size", "12")
            if "y" in above:
                element.set("text-anchor", "end")
            elif "x" in above:
                element.set("text-anchor", "start" if element.get("transform") else "middle")
        elif "no_data" in classes:
            element.set("text-anchor", "middle")
            element.set("font-size", "20")


def render(
    data: FigureData,
    *,
    width: int = 360,
    height: int = 320,
    title: str = "",
    label: str = "",
    fonts: str = PAGE_FONTS,
) -> str:
    """The figure as an inline ``<svg>`` element (for a page or a PDF)."""
    svg = _chart(data, width=width, height=height, title=title).render(is_unicode=True)
    return sanitise(svg, fonts, label=title or label)

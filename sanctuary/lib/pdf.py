"""PDFs made from HTML by WeasyPrint, set in our bundled Noto fonts and loading nothing else.

Burmese and Thai shape correctly only in a font that knows the script, and a server may have
none (or another version): every PDF we print embeds the files in ``sanctuary/static/fonts/``.
:func:`render_pdf` adds their ``@font-face`` rules under family names of our own
(:data:`FONT_FAMILY`), so no system font of the same name can stand in, and its URL fetcher
loads those font files and nothing else: no network, no other file, no ``data:`` URL. Images
go into the HTML inline (an ``<svg>`` element).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings

FONT_SUFFIXES = {".woff2"}

# (family, weight, file) of every bundled font.
BUNDLED_FONTS = (
    ("Bundled Noto Sans", 400, "noto-sans-latin-400-normal.woff2"),
    ("Bundled Noto Sans", 700, "noto-sans-latin-700-normal.woff2"),
    ("Bundled Noto Sans Myanmar", 400, "noto-sans-myanmar-myanmar-400-normal.woff2"),
    ("Bundled Noto Sans Myanmar", 700, "noto-sans-myanmar-myanmar-700-normal.woff2"),
    ("Bundled Noto Sans Thai", 400, "noto-sans-thai-thai-400-normal.woff2"),
    ("Bundled Noto Sans Thai", 700, "noto-sans-thai-thai-700-normal.woff2"),
)
# For templates' ``font-family``: Latin first, then the scripts it does not cover.
FONT_FAMILY = '"Bundled Noto Sans", "Bundled Noto Sans Myanmar", "Bundled Noto Sans Thai"'


def fonts_dir() -> Path:
    return Path(settings.BASE_DIR) / "sanctuary" / "static" / "fonts"


def fonts_uri() -> str:
    """The fonts folder as a ``file:`` URI, for a template that declares its own ``@font-face``."""
    return fonts_dir().as_uri()


def font_faces_css() -> str:
    """The ``@font-face`` rules of every bundled font."""
    base = fonts_uri()
    return "\n".join(
        f'@font-face {{ font-family: "{family}"; font-weight: {weight}; src: url("{base}/{name}"); }}'
        for family, weight, name in BUNDLED_FONTS
    )


def local_fonts_only() -> Any:
    """A WeasyPrint URL fetcher that loads nothing but our bundled font files.

    WeasyPrint 70 takes a ``URLFetcher`` (a plain function, as older versions took, makes every
    ``@font-face`` fail with "cannot be loaded" and the PDF fall back to system fonts).
    """
    from weasyprint.urls import URLFetcher

    fonts = fonts_dir().resolve()

    class LocalFontsOnly(URLFetcher):
        def fetch(self, url: str, headers: object = None) -> object:
            parts = urlsplit(url)
            path = Path(url2pathname(parts.path)).resolve()
            if parts.scheme != "file" or parts.netloc or path.parent != fonts or path.suffix not in FONT_SUFFIXES:
                raise ValueError(f"only bundled fonts are loaded, not {url}")
            return super().fetch(path.as_uri(), headers)

    return LocalFontsOnly(allowed_protocols={"file"}, allow_redirects=False)


def render_pdf(html: str, *, attachments: Mapping[str, bytes] | None = None) -> bytes:
    """The PDF of ``html``, in our bundled fonts. ``attachments`` (file name → content) are
    embedded as PDF file attachments (a certificate carries its signed text that way)."""
    from weasyprint import CSS, HTML, Attachment
    from weasyprint.text.fonts import FontConfiguration

    fetcher = local_fonts_only()
    font_config = FontConfiguration()
    base_url = str(fonts_dir())
    fonts = CSS(string=font_faces_css(), base_url=base_url, url_fetcher=fetcher, font_config=font_config)
    files = [Attachment(string=data, name=name) for name, data in (attachments or {}).items()]
    pdf: bytes = HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
        stylesheets=[fonts], font_config=font_config, attachments=files or None
    )
    return pdf

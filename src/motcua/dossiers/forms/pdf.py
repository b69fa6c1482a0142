"""HTML to PDF for the official forms, offline: WeasyPrint may read only this package's own
files (the stylesheet and the bundled Liberation Serif 2 fonts) and ``data:`` URLs (the QR
code); anything else stops the rendering instead of reaching the network or the disk."""

from __future__ import annotations

import functools
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from django.utils import translation
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher

FORMS_DIR = Path(__file__).resolve().parent
STYLESHEET = FORMS_DIR / "forms.css"
FONTS_DIR = FORMS_DIR / "fonts"


class OfflineFetcher(URLFetcher):
    """Only ``data:`` URLs and ``file:`` URLs inside this package."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("file", "data"), fail_on_errors=True)

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "file":
            path = Path(url2pathname(unquote(urlsplit(url).path))).resolve()
            if not path.is_relative_to(FORMS_DIR):
                raise FatalURLFetchingError(f"Mẫu in không được đọc tệp ngoài gói: {url}")
        elif scheme != "data":
            raise FatalURLFetchingError(f"Mẫu in không được tải tài nguyên từ mạng: {url[:80]}")
        return super().fetch(url, headers)


def html_to_pdf(html: str) -> bytes:
    """One PDF from the rendered form HTML, with the forms' stylesheet and fonts."""
    fetcher = OfflineFetcher()
    font_config = FontConfiguration()
    stylesheet = CSS(filename=str(STYLESHEET), font_config=font_config, url_fetcher=fetcher)
    document = HTML(string=html, base_url=FORMS_DIR.as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[stylesheet], font_config=font_config)


def in_vietnamese(render):
    """Official forms are Vietnamese documents whatever the page's language (labels of
    choices are translated lazily)."""

    @functools.wraps(render)
    def wrapped(*args, **kwargs):
        with translation.override("vi"):
            return render(*args, **kwargs)

    return wrapped

"""PDF documents (exports, reports, situation reports) laid out by WeasyPrint with no access to
any URL: fonts come from the system, styles and images from the HTML itself. A document that
asks for a file or a web address gets nothing, so a PDF cannot leak a request off the machine."""

from __future__ import annotations

from typing import Any


class ExternalResourceBlockedError(ValueError):
    """WeasyPrint asked for a URL; documents load nothing from anywhere."""


def blocked_url_fetcher() -> Any:
    """A WeasyPrint URL fetcher that refuses every URL (file:, http:, data: alike)."""

    def refuse(url: str, *_args: Any, **_kwargs: Any) -> Any:
        raise ExternalResourceBlockedError(f"documents load no external resources: {url}")

    try:
        from weasyprint.urls import URLFetcher  # recent WeasyPrint: a fetcher class
    except ImportError:  # older WeasyPrint: a plain function
        return refuse

    class BlockedURLFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            return refuse(url)

    return BlockedURLFetcher()


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML document."""
    import weasyprint  # heavy (Pango, fonts): loaded only when a PDF is made

    pdf = weasyprint.HTML(string=html, base_url=None, url_fetcher=blocked_url_fetcher()).write_pdf()
    if not isinstance(pdf, bytes):  # pragma: no cover (write_pdf without a target returns bytes)
        raise TypeError("WeasyPrint returned no PDF")
    return pdf

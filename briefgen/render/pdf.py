"""PDF from the brief's HTML through WeasyPrint, with a fetcher that reads nothing untrusted.

WeasyPrint is imported here only, so commands that write no PDF never pay its import cost.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from .templates import template_dirs

PDF_VARIANT = "pdf/ua-1"


class PdfError(Exception):
    """A PDF could not be produced (for example, the page budget was exceeded)."""


def _fetcher_class() -> Any:
    from weasyprint.urls import URLFetcher

    class AssetFetcher(URLFetcher):  # type: ignore[misc]
        """Serve only files inside the template folders; refuse every other URL."""

        def __init__(self, allowed: list[Path]) -> None:
            super().__init__(allowed_protocols=("file",), allow_redirects=False)
            self._allowed = [a.resolve() for a in allowed]
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            from urllib.parse import unquote, urlsplit

            from weasyprint.urls import URLFetcherResponse

            parts = urlsplit(url)
            if parts.scheme == "file" and not parts.netloc:
                path = Path(unquote(parts.path)).resolve()
                for base in self._allowed:
                    if path.is_relative_to(base) and path.is_file():
                        return URLFetcherResponse(url, path.read_bytes(), {})
            self.refused.append(url)
            raise ValueError(f"briefgen refuses to fetch {url[:200]}")

    return AssetFetcher


def render_pdf(html: str, *, root: Path | None, max_pages: int = 400) -> bytes:
    """Lay out and write one PDF; deterministic for the same HTML (dates come from <meta>)."""
    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    allowed = [d / "assets" for d in template_dirs(root)]
    fetcher = _fetcher_class()(allowed)
    base = allowed[0].as_uri() + "/" if allowed else None
    document = weasyprint.HTML(string=html, base_url=base, url_fetcher=fetcher).render(
        pdf_variant=PDF_VARIANT, pdf_tags=True
    )
    if len(document.pages) > max_pages:
        raise PdfError(f"{len(document.pages)} pages exceed the budget of {max_pages}")
    pdf: bytes = document.write_pdf(
        pdf_variant=PDF_VARIANT,
        pdf_tags=True,
        pdf_identifier=b"briefgen",
        attachments=[],
    )
    return pdf

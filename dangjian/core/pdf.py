"""Printable forms as PDF (DESIGN §2: WeasyPrint + the Noto CJK fonts the Makefile installs).

A form is an ordinary Django template that extends `pdf/base.html` (A4, the CJK fonts, print
styles) and is rendered to bytes by `render_pdf`. Nothing is fetched while rendering: the URL
fetcher refuses every URL except `data:` ones, so a form can never reach the network (CSP and
等保 alike) and never read a file by a crafted path.

`pdf_response` wraps the bytes in a download with a Chinese file name. Each view that returns
a PDF checks scope first and writes its own audit entry (a printed form is an export).
"""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse
from django.template.loader import render_to_string

PDF_CONTENT_TYPE = "application/pdf"


def local_only_fetcher():
    """WeasyPrint's fetcher limited to `data:` URLs: anything else is refused (and skipped)."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=("data",))


def html_to_pdf(html: str, **options) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=local_only_fetcher(), base_url="about:blank").write_pdf(
        **options
    )


def render_pdf(template_name: str, context: dict | None = None) -> bytes:
    """Render a template (extending `pdf/base.html`) to PDF bytes."""
    return html_to_pdf(render_to_string(template_name, context or {}))


def pdf_response(content: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    """A PDF response named `filename` (Chinese allowed, RFC 5987); inline opens it in the
    browser's viewer, which is where people print from."""
    response = HttpResponse(content, content_type=PDF_CONTENT_TYPE)
    disposition = "inline" if inline else "attachment"
    ascii_name = filename.encode("ascii", "ignore").decode() or "form.pdf"
    response["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response

"""The PDF helper: Chinese text comes out in the embedded CJK font, nothing is fetched."""

import re

import pytest
from django.template.loader import render_to_string

from dangjian.core import pdf


def _fonts(content: bytes) -> set[str]:
    return {name.decode() for name in re.findall(rb"/BaseFont /[A-Z]{6}\+([\w-]+)", content)}


@pytest.fixture
def probe_template(tmp_path, settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], str(tmp_path)]}
    ]
    (tmp_path / "pdf_probe.html").write_text(
        '{% extends "pdf/base.html" %}{% block body %}<h1>{{ title }}</h1>'
        '<p class="sans">{{ title }}</p>{% endblock %}',
        encoding="utf-8",
    )
    return "pdf_probe.html"


def test_render_pdf_makes_a_pdf(probe_template):
    assert pdf.render_pdf(probe_template, {"title": "入党积极分子备案表"}).startswith(b"%PDF-")


def test_chinese_text_is_set_in_the_noto_cjk_fonts(probe_template):
    html = render_to_string(probe_template, {"title": "入党积极分子备案表"})
    content = pdf.html_to_pdf(html, uncompressed_pdf=True)
    assert {"Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC"} <= _fonts(content)


def test_outside_resources_are_never_fetched(monkeypatch):
    from weasyprint.urls import URLFetcher

    asked = []
    real_fetch = URLFetcher.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(URLFetcher, "fetch", spy)
    monkeypatch.setattr(
        "urllib.request.urlopen",
        lambda *a, **k: pytest.fail("the PDF renderer opened a URL"),
    )
    content = pdf.html_to_pdf(
        '<img src="http://127.0.0.1:9/x.png"><link rel="stylesheet" href="file:///etc/passwd">'
        "<p>党建</p>"
    )
    assert content.startswith(b"%PDF-")
    assert asked  # the renderer asked, and the fetcher refused without opening anything


def test_pdf_response_names_the_file_in_chinese():
    response = pdf.pdf_response(b"%PDF-1.7", "公示.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''%E5%85%AC%E7%A4%BA.pdf" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("inline;")

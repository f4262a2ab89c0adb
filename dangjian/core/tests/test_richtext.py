"""The one rich-text sanitiser: real XSS payloads come out harmless, the editor's formatting
stays."""

import pytest

from dangjian.core.richtext import sanitize_html

PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">点我</a>',
    '<a href="JaVaScRiPt:alert(1)">点我</a>',
    '<iframe src="https://evil.example/"></iframe>',
    '<p onclick="alert(1)" style="background:url(javascript:alert(1))">文字</p>',
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_script_handlers_and_foreign_urls_are_removed(payload):
    clean = sanitize_html(payload).lower()
    for bad in ("<script", "onerror", "onclick", "javascript:", "<iframe", "style=", "data:"):
        assert bad not in clean


def test_the_editors_formatting_is_kept():
    html = (
        "<h2>会议议程</h2><p><strong>一、</strong><em>传达</em><u>精神</u></p>"
        '<ol><li data-list="bullet">发言</li></ol>'
        '<table><tbody><tr><td colspan="2">表格</td></tr></tbody></table>'
        '<p><a href="https://www.12371.cn/">共产党员网</a></p>'
    )
    clean = sanitize_html(html)
    for kept in ("<h2>", "<strong>", "<em>", "<u>", 'data-list="bullet"', 'colspan="2"'):
        assert kept in clean
    assert 'href="https://www.12371.cn/"' in clean
    assert 'rel="noopener noreferrer nofollow"' in clean

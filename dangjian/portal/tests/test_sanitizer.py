"""The article sanitiser (`core.richtext.sanitize_article_html`) against real XSS payloads (OWASP
cheat-sheet style), and the editor's output — a Word table, pictures and videos from the
platform's own media, alignment — surviving it. No database: the sanitiser is pure."""

import re

import pytest

from dangjian.core.richtext import sanitize_article_html, sanitize_html

KEY = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
LOCAL_IMG = f"/portal/media/{KEY}/800/"
LOCAL_VIDEO = f"/portal/media/{KEY}/"

PAYLOADS = [
    # script tags, plain and disguised
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<script/xss src="http://xss.rocks/xss.js"></script>',
    "<<script>alert(1);//<</script>",
    "<script>alert(String.fromCharCode(88,83,83))</script>",
    "</title><script>alert(1)</script>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
    # event handlers
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="javascript:alert(1)">',
    "<body onload=alert(1)>",
    '<p onmouseover="alert(1)">悬停</p>',
    "<div onclick=alert(1)>点我</div>",
    '<a href="https://www.12371.cn/" onclick="alert(1)">链接</a>',
    "<input autofocus onfocus=alert(1)>",
    '<details open ontoggle="alert(1)">',
    "<marquee onstart=alert(1)>走马灯</marquee>",
    '<video><source onerror="alert(1)"></video>',
    f'<video src="{LOCAL_VIDEO}" onloadstart="alert(1)" controls></video>',
    f'<img src="{LOCAL_IMG}" onload="alert(1)">',
    # javascript:, vbscript:, data: URLs in href and src
    '<a href="javascript:alert(1)">点我</a>',
    '<a href="JaVaScRiPt:alert(1)">点我</a>',
    '<a href=" javascript:alert(1)">前导空格</a>',
    '<a href="java\tscript:alert(1)">制表符</a>',
    '<a href="java&#x09;script:alert(1)">实体制表符</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">实体</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1)">十六进制</a>',
    '<a href="vbscript:msgbox(1)">vbs</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<img src="javascript:alert(1)">',
    "<img src=`javascript:alert(1)`>",
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<video src="javascript:alert(1)" controls></video>',
    f'<video src="{LOCAL_VIDEO}" poster="javascript:alert(1)" controls></video>',
    # foreign pictures and videos (tracking, mixed content, content from outside)
    '<img src="http://evil.example/x.png">',
    '<img src="https://evil.example/portal/media/x.png">',
    f'<img src="//evil.example{LOCAL_IMG}">',
    f'<img src="{LOCAL_IMG}../../../admin/">',
    '<video src="https://evil.example/v.mp4" controls></video>',
    # SVG and MathML vectors
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">CLICKME</math>',
    # iframe / object / embed / frames / base / meta / forms
    '<iframe src="https://evil.example/"></iframe>',
    f'<iframe src="{LOCAL_VIDEO}"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<frameset><frame src="javascript:alert(1)"></frameset>',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>提交</button></form>',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    # style: expression(), url(javascript:), @import, behaviours
    '<p style="width: expression(alert(1))">样式</p>',
    '<p style="background:url(javascript:alert(1))">背景</p>',
    "<style>@import 'javascript:alert(1)';</style>",
    '<div style="behavior: url(xss.htc)">行为</div>',
    '<span style="x:\\65xpression(alert(1))">转义</span>',
    # class smuggling: only the editor's alignment/indent classes stay
    '<p class="ql-align-center modal-backdrop position-fixed">类名</p>',
    # entity and encoding tricks, malformed and nested tags
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '<img """><script>alert(1)</script>">',
    "<img src=x onerror=" + "".join(f"&#{ord(c):07d}" for c in "javascript:alert('XSS')") + ">",
    '<a href="https://www.12371.cn/"><img src=x onerror=alert(1)//</a>',
    "<b><i><u onmouseover=alert(1)>嵌套</b></i></u>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<table background="javascript:alert(1)"><tr><td onclick="alert(1)">表</td></tr></table>',
    '<td colspan="2 onmouseover=alert(1)">单元格</td>',
    '<img alt="x" src="' + LOCAL_IMG + '" width="100 onerror=alert(1)">',
    '<img alt="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" src="' + LOCAL_IMG + '">',
]

DANGEROUS = re.compile(
    r"<\s*/?\s*(script|iframe|object|embed|svg|math|style|link|meta|base|form|input|frame|"
    r"frameset|template|marquee|details|body|noscript)\b"
    r"|\son[a-z]+\s*="
    r"|javascript:|vbscript:|data:|expression\(|style\s*="
    r"|\bsrc=\"(?!/portal/media/)"
    r"|\bposter=\"(?!/portal/media/)"
    r"|xlink:|srcdoc|\bclass=\"[^\"]*(modal|position)",
    re.IGNORECASE,
)


def test_the_payload_list_is_long_enough():
    assert len(PAYLOADS) >= 40


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_comes_out_harmless(payload):
    clean = sanitize_article_html(payload)
    assert not DANGEROUS.search(clean), clean
    # Whatever is left parses back to the same thing (no half-tags a browser might complete).
    assert sanitize_article_html(clean) == clean


def test_an_escaped_script_stays_text():
    clean = sanitize_article_html("&lt;script&gt;alert(1)&lt;/script&gt;")
    assert clean == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_script_content_is_dropped_not_shown():
    assert (
        sanitize_article_html("<p>前</p><script>alert(1)</script><p>后</p>") == "<p>前</p><p>后</p>"
    )


def test_pictures_from_elsewhere_disappear_entirely():
    clean = sanitize_article_html('<p>图：<img src="http://evil.example/x.png" alt="外链"></p>')
    assert clean == "<p>图：</p>"


def test_a_word_table_survives():
    """What Word puts on the clipboard for a small table (class/style/width/o:p noise)."""
    word = (
        "<table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0 "
        'style="border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt">'
        "<tr style='mso-yfti-irow:0'>"
        "<td width=189 valign=top style='width:142.0pt;border:solid windowtext 1.0pt'>"
        "<p class=MsoNormal><b><span lang=EN-US>序号</span></b><o:p></o:p></p></td>"
        "<td width=189 valign=top style='width:142.0pt'><p class=MsoNormal><b>支部</b></p></td>"
        "<td width=189 valign=top><p class=MsoNormal><b>党员人数</b></p></td></tr>"
        "<tr><td width=189><p class=MsoNormal>1</p></td>"
        "<td width=189><p class=MsoNormal>综采一队党支部</p></td>"
        "<td width=189><p class=MsoNormal>36</p></td></tr>"
        '<tr><td colspan=2 style="width:284pt"><p class=MsoNormal>合计</p></td>'
        "<td><p class=MsoNormal>36</p></td></tr></table>"
    )
    clean = sanitize_article_html(word)
    assert clean.startswith("<table><tbody><tr><td><p><b><span>序号</span></b></p></td>")
    assert clean.count("<tr>") == 3
    assert clean.count("<td") == 8
    assert '<td colspan="2"><p>合计</p></td>' in clean
    for noise in ("style", "class", "width", "mso", "o:p", "valign", "lang"):
        assert noise not in clean


def test_the_editors_output_is_kept():
    html = (
        '<h2 class="ql-align-center">标题</h2><p class="ql-indent-2">缩进 H<sub>2</sub>O'
        " x<sup>2</sup> <s>删除</s></p>"
        '<ol><li data-list="bullet">要点</li><li data-list="ordered" class="ql-indent-1">一</li>'
        "</ol><blockquote>引用</blockquote>"
        "<table><thead><tr><th>表头</th></tr></thead><tbody><tr>"
        '<td rowspan="2" class="ql-align-right">格</td></tr></tbody></table>'
        f'<figure><img src="{LOCAL_IMG}" alt="支部活动" width="800" height="600">'
        "<figcaption>图片说明</figcaption></figure>"
        f'<video controls src="{LOCAL_VIDEO}" poster="{LOCAL_IMG}"></video>'
        '<p><a href="/a/12/">站内</a> <a href="https://www.12371.cn/">共产党员网</a></p>'
    )
    clean = sanitize_article_html(html)
    for kept in (
        '<h2 class="ql-align-center">',
        '<p class="ql-indent-2">',
        "<sub>2</sub>",
        "<sup>2</sup>",
        "<s>删除</s>",
        '<li data-list="bullet">',
        '<li data-list="ordered" class="ql-indent-1">',
        "<blockquote>",
        "<thead><tr><th>表头</th>",
        '<td rowspan="2" class="ql-align-right">',
        f'<img src="{LOCAL_IMG}" alt="支部活动" width="800" height="600">',
        "<figcaption>图片说明</figcaption>",
        f'src="{LOCAL_VIDEO}"',
        f'poster="{LOCAL_IMG}"',
        'href="/a/12/"',
        'href="https://www.12371.cn/"',
        'rel="noopener noreferrer nofollow"',
    ):
        assert kept in clean, kept
    assert "<video controls" in clean


def test_the_minutes_profile_is_unchanged():
    """`sanitize_html` (minutes, guides) still drops pictures entirely."""
    assert "<img" not in sanitize_html(f'<p><img src="{LOCAL_IMG}"></p>')
    assert sanitize_html("<p><sub>2</sub></p>") == "<p>2</p>"


def test_empty_input():
    assert sanitize_article_html("") == ""
    assert sanitize_article_html(None) == ""

"""The one HTML sanitiser for text written in the rich-text editor (Quill) or pasted: nh3
(ammonia) with the formatting tags the editor produces, links to http(s) only. Everything else
— scripts, event handlers, styles, javascript: URLs, iframes — is removed on save, so templates
may print the stored HTML with `|safe`.

Two profiles: `sanitize_html` (meeting minutes, guides: text formatting and tables) and
`sanitize_article_html` (portal articles: also pictures and videos from the platform's own
media, figures, and the editor's alignment/indent classes)."""

import re

import nh3

TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "ol", "ul", "li", "h2", "h3", "h4",
    "blockquote", "table", "thead", "tbody", "tr", "th", "td", "a",
}  # fmt: skip
# Quill 2 writes bullet lists as <ol><li data-list="bullet">; keeping the marker keeps them bullets.
ATTRIBUTES = {
    "a": {"href"},
    "li": {"data-list"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html or "",
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer nofollow",
    ).strip()


# ---------------------------------------------------------------- articles of the portal

# The portal's article bodies (Quill 2 with tables, pictures and videos) may carry more than the
# minutes: sub/sup, figures, tables with a header, pictures and videos — but only those stored on
# the platform itself (`/portal/media/<key>/` or a rendition `/portal/media/<key>/<width>/`), so
# a body can never load anything from elsewhere, and the media view checks the reader's scope.
# Layout is kept through a closed set of Quill classes (alignment, indent); never `style`.
ARTICLE_TAGS = TAGS | {
    "sub", "sup", "span", "thead", "th", "img", "video", "figure", "figcaption",
}  # fmt: skip
ARTICLE_ATTRIBUTES = {
    "a": {"href"},
    "li": {"data-list"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "img": {"src", "alt", "width", "height"},
    "video": {"src", "controls", "poster"},
}
_ALIGN = {"ql-align-center", "ql-align-right", "ql-align-justify"}
_INDENT = {f"ql-indent-{n}" for n in range(1, 9)}
_LAYOUT_CLASSES = _ALIGN | _INDENT
ARTICLE_CLASSES = {
    tag: set(_LAYOUT_CLASSES) for tag in ("p", "span", "li", "h2", "h3", "h4", "blockquote")
} | {tag: set(_ALIGN) for tag in ("td", "th")}
LOCAL_MEDIA = re.compile(
    r"/portal/media/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/(?:[1-9][0-9]{0,3}/)?"
)
_SPAN = re.compile(r"[1-9][0-9]?")  # colspan / rowspan
_SIZE = re.compile(r"[1-9][0-9]{0,3}")  # width / height of a picture, in pixels
# After cleaning, attribute values hold no "<" or ">" (the filter below removes them from the
# free-text `alt`; every other value matches a pattern), so a tag ends at the first ">".
_IMG_WITHOUT_SRC = re.compile(r"<img\b(?![^>]*\ssrc=\"/portal/media/)[^>]*>")
_VIDEO_WITHOUT_SRC = re.compile(
    r"<video\b(?![^>]*\ssrc=\"/portal/media/)[^>]*>.*?</video>", re.DOTALL
)
_EMPTY_CLASS = re.compile(r'(<[a-z0-9]+(?: [a-z-]+="[^"<>]*")*) class=""')  # Word's MsoNormal


def _article_attribute(tag: str, name: str, value: str) -> str | None:
    if name in ("src", "poster"):
        return value if LOCAL_MEDIA.fullmatch(value.strip()) else None
    if name in ("colspan", "rowspan"):
        return value if _SPAN.fullmatch(value.strip()) else None
    if name in ("width", "height"):
        return value if _SIZE.fullmatch(value.strip()) else None
    if name == "controls":
        return "controls"
    if name == "alt":
        return value.replace("<", "").replace(">", "")[:200]
    if name == "lang":  # Word's lang="EN-US" on every run of text: noise
        return None
    if name == "data-list":
        return value if value in ("bullet", "ordered", "checked", "unchecked") else None
    return value


_ARTICLE_CLEANER = nh3.Cleaner(
    tags=ARTICLE_TAGS,
    clean_content_tags={"script", "style", "template", "iframe", "object", "embed", "noscript"},
    attributes=ARTICLE_ATTRIBUTES,
    attribute_filter=_article_attribute,
    allowed_classes=ARTICLE_CLASSES,
    url_schemes={"http", "https"},
    link_rel="noopener noreferrer nofollow",
)


def sanitize_article_html(html: str) -> str:
    """The body of a portal article, safe to print with `|safe`: the editor's formatting,
    tables (also pasted from Word), and pictures/videos from the platform's own media only.
    Scripts, event handlers, styles, iframes/objects, javascript:/vbscript:/data: URLs and
    pictures from other hosts are removed."""
    clean = _ARTICLE_CLEANER.clean(html or "")
    clean = _IMG_WITHOUT_SRC.sub("", clean)
    clean = _VIDEO_WITHOUT_SRC.sub("", clean)
    clean = _EMPTY_CLASS.sub(r"\1", clean)
    return clean.strip()

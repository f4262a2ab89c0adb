"""The one HTML sanitiser for text written in the rich-text editor (Quill) or pasted: nh3
(ammonia) with the formatting tags the editor produces, links to http(s) only. Everything else
— scripts, event handlers, styles, javascript: URLs, iframes — is removed on save, so templates
may print the stored HTML with `|safe`."""

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

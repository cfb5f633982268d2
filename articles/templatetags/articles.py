import re

from django import template
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .. import fragments
from ..cache import menu_sections
from ..context_processors import site_urls
from ..models import Section
from ..sanitize import clean_html

register = template.Library()

PARAGRAPH_END = re.compile(r"(?<=</p>)", re.IGNORECASE)

# A pull quote goes after this many paragraphs, and the next one as many again.
PULL_QUOTE_EVERY = 3


@register.filter
def media_url(name):
    """The public URL of a stored file's name, whatever the storage (local folder or object store)."""
    return default_storage.url(name) if name else ""


@register.simple_tag
def picture(image, *, sizes, alt=None, lazy=True):
    """
    A photo as ``<picture>``: WebP and JPEG renditions in ``srcset`` for the
    browser to choose from by ``sizes``, the width and height that keep the
    page from jumping, lazy loading unless it is at the top of the page. Falls
    back to the original file while renditions are not drawn yet. ``alt``
    defaults to the photo's own alt text (empty for a decorative photo).
    Built in Python, not a template: a front page shows dozens of these.
    """
    if alt is None:
        alt = "" if image.is_decorative else image.alt_text
    loading = ' loading="lazy"' if lazy else ""
    renditions = image.renditions.get("sizes") if image.renditions.get("source") == image.image.name else None
    if not renditions:
        return format_html(
            '<img src="{}" alt="{}" width="{}" height="{}"{} decoding="async">',
            image.image.url,
            alt,
            image.width,
            image.height,
            mark_safe(loading),
        )
    url = default_storage.url
    fallback = next((size for size in renditions if size["width"] >= 800), renditions[-1])
    return format_html(
        '<picture><source type="image/webp" srcset="{}" sizes="{}">'
        '<img src="{}" srcset="{}" sizes="{}" alt="{}" width="{}" height="{}"{} decoding="async"></picture>',
        ", ".join(f"{url(size['webp'])} {size['width']}w" for size in renditions),
        sizes,
        url(fallback["jpeg"]),
        ", ".join(f"{url(size['jpeg'])} {size['width']}w" for size in renditions),
        sizes,
        alt,
        image.width,
        image.height,
        mark_safe(loading),
    )


@register.simple_tag(takes_context=True)
def section_nav(context):
    """
    The sections menu, the current page marked: rendered once per change to
    the newsroom and page kind (home, a section, anything else), then kept.
    """
    request = context.get("request")
    section = context.get("section")
    if request is not None and request.resolver_match and request.resolver_match.url_name == "home":
        current = "home"
    elif isinstance(section, Section):
        current = section.pk
    else:
        current = None
    html, _ = fragments.remembered(
        f"section-nav:{current}",
        lambda: render_to_string(
            "articles/_section_nav.html",
            {"nav_sections": menu_sections(), "current": current, "home_url": site_urls()["home"]},
        ),
    )
    return mark_safe(html)


@register.simple_tag
def story_body(article):
    """
    The story's sanitised body with its pull quotes set between paragraphs.

    Reads ``article.pull_quotes`` as prefetched by ``for_detail``; no queries.
    """
    paragraphs = [part for part in PARAGRAPH_END.split(clean_html(article.body)) if part.strip()]
    quotes = list(article.pull_quotes)
    pieces = []
    for number, paragraph in enumerate(paragraphs, start=1):
        pieces.append(paragraph)
        if quotes and number % PULL_QUOTE_EVERY == 0 and number < len(paragraphs):
            pieces.append(render_to_string("articles/_pull_quote.html", {"quote": quotes.pop(0)}))
    pieces.extend(render_to_string("articles/_pull_quote.html", {"quote": quote}) for quote in quotes)
    return mark_safe("\n".join(pieces))

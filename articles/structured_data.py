"""
What search engines and social sites read about a page: schema.org JSON-LD and
the summary, image and dates that the meta tags share with it.

Pure functions over a story fetched with ``for_detail()`` (or ``for_listing()``)
and the request; they read only what those querysets prefetched, so they add
no queries. Nothing here touches quotes or sources: a confidential source's
identity has no way into this output.
"""

import json

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, to_locale

from .importers.records import html_to_text
from .models import Byline, Correction

# The publisher's logo for NewsArticle: a PNG (Google accepts no SVG logos),
# wide and short. Replace the file with your own masthead, same size.
LOGO = "articles/logo.png"
LOGO_WIDTH, LOGO_HEIGHT = 600, 60

SUMMARY_WORDS = 40

# Bylines that make someone an author of the story; editors are credited as
# editors, photographers through the picture's credit.
AUTHOR_ROLES = {Byline.Role.REPORTING, Byline.Role.ADDITIONAL_REPORTING, Byline.Role.ANALYSIS}

# Notes that correct the story; an "update" note only says it was added to.
CORRECTING_KINDS = {Correction.Kind.CORRECTION, Correction.Kind.CLARIFICATION}

# As Django's json_script: inside <script> these three could end the element
# or start markup, so they become JSON escapes that mean the same characters.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_ld(data):
    """``data`` as a ``<script type="application/ld+json">`` element that no value can break out of."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')


def iso(moment):
    """ISO 8601 in the newsroom's time zone, with its offset."""
    return timezone.localtime(moment).isoformat()


def modified_at(article):
    """When the story last changed as readers see it: never before it went out."""
    return max(article.updated_at, article.published_at)


def language_tag():
    """The BCP 47 tag of the site's language, e.g. ``en-GB``."""
    return to_locale(get_language() or settings.LANGUAGE_CODE).replace("_", "-")


def summary(article):
    """
    The standfirst, or the opening of the body when there is none, in at most 40 words: its
    text on one line, a space where one paragraph ends and the next begins.
    """
    text = article.standfirst.strip() or html_to_text(article.body)
    return Truncator(text).words(SUMMARY_WORDS)


def home_url(request):
    return request.build_absolute_uri(reverse("articles:home"))


def organization_id(request):
    return f"{home_url(request)}#organization"


def publisher(request):
    return {
        "@type": "NewsMediaOrganization",
        "@id": organization_id(request),
        "name": settings.NEWSROOM_NAME,
        "url": home_url(request),
        "logo": {
            "@type": "ImageObject",
            "url": request.build_absolute_uri(static(LOGO)),
            "width": LOGO_WIDTH,
            "height": LOGO_HEIGHT,
        },
    }


def image_object(image, request):
    url, width, height = image.share_copy
    data = {
        "@type": "ImageObject",
        "url": request.build_absolute_uri(url),
        "width": width,
        "height": height,
    }
    if image.caption:
        data["caption"] = image.caption
    if image.credit:
        data["creditText"] = image.credit
    return data


def person_or_organization(author, request):
    """A staff byline is a Person; one with no staff account (an agency) is an Organization."""
    data = {
        "@type": "Person" if author.is_staff_member else "Organization",
        "name": author.name,
        "url": request.build_absolute_uri(author.get_absolute_url()),
    }
    if author.is_staff_member and author.job_title:
        data["jobTitle"] = author.job_title
    return data


def _people(article, roles, request):
    authors = {}
    for byline in article.bylines.all():
        if byline.role in roles:
            authors.setdefault(byline.author_id, byline.author)
    return [person_or_organization(author, request) for author in authors.values()]


def news_article(article, request):
    """schema.org ``NewsArticle`` for the story page."""
    url = request.build_absolute_uri(article.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "@id": f"{url}#article",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": article.headline,
        "description": summary(article),
        "inLanguage": language_tag(),
        "isAccessibleForFree": True,
        "publisher": publisher(request),
    }
    if article.published_at:
        data["datePublished"] = iso(article.published_at)
        data["dateModified"] = iso(modified_at(article))
    if article.lead_image is not None:
        data["image"] = [image_object(article.lead_image, request)]
    authors = _people(article, AUTHOR_ROLES, request)
    if authors:
        data["author"] = authors
    editors = _people(article, {Byline.Role.EDITING}, request)
    if editors:
        data["editor"] = editors
    if article.section_id:
        data["articleSection"] = article.section.name
    keywords = [tag.name for tag in article.tags.all()]
    if keywords:
        data["keywords"] = keywords
    corrections = [
        {"@type": "CorrectionComment", "text": note.text, "datePublished": iso(note.published_at)}
        for note in article.public_corrections
        if note.kind in CORRECTING_KINDS
    ]
    if corrections:
        data["correction"] = corrections
    return data


def breadcrumbs(article, request):
    """schema.org ``BreadcrumbList``: Home › Section › headline."""
    trail = [("Home", reverse("articles:home"))]
    if article.section_id:
        trail.append((article.section.name, article.section.get_absolute_url()))
    trail.append((article.headline, article.get_absolute_url()))
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": number, "name": name, "item": request.build_absolute_uri(path)}
            for number, (name, path) in enumerate(trail, start=1)
        ],
    }


def website(request):
    """schema.org ``WebSite`` and its publisher, for the home page."""
    return {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "WebSite",
                "@id": f"{home_url(request)}#website",
                "name": settings.NEWSROOM_NAME,
                "description": settings.NEWSROOM_TAGLINE,
                "url": home_url(request),
                "inLanguage": language_tag(),
                "publisher": {"@id": organization_id(request)},
            },
            publisher(request),
        ],
    }

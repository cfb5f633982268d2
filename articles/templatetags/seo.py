"""
The head of a public page as search engines and social sites read it.

``{% page_meta title description %}`` on list and plain pages,
``{% article_meta article %}`` on the story page and ``{% site_json_ld %}``
on the front page. All URLs are absolute, built from the request; none of
the tags queries the database.
"""

from django import template
from django.conf import settings
from django.utils.translation import get_language, to_locale

from .. import structured_data

register = template.Library()


def _head(request, *, title, description, path, kind="website", image=None):
    """The context shared by every page's meta tags."""
    return {
        "site_name": settings.NEWSROOM_NAME,
        "locale": to_locale(get_language() or settings.LANGUAGE_CODE),
        "kind": kind,
        "title": title,
        "description": description,
        "url": request.build_absolute_uri(path),
        "image": image,
        "article": None,
        "json_ld": [],
    }


@register.inclusion_tag("seo/_meta.html", takes_context=True)
def page_meta(context, title, description, path=None, page=None):
    """
    Meta description, canonical URL, OpenGraph and Twitter tags for a page.

    ``path`` defaults to the request's path (without its query string);
    ``page`` above 1 is kept in the canonical URL of a paginated list.
    """
    request = context["request"]
    path = path or request.path
    if page and int(page) > 1:
        path = f"{path}?page={int(page)}"
    return _head(request, title=title, description=description, path=path)


@register.inclusion_tag("seo/_meta.html", takes_context=True)
def article_meta(context, article):
    """Everything the story page tells crawlers: meta tags, NewsArticle and BreadcrumbList."""
    request = context["request"]
    lead = article.lead_image
    image = None
    if lead is not None:
        url, width, height = lead.share_copy
        image = {
            "url": request.build_absolute_uri(url),
            "width": width,
            "height": height,
            "alt": "" if lead.is_decorative else lead.alt_text,
        }
    head = _head(
        request,
        title=article.headline,
        description=structured_data.summary(article),
        path=article.get_absolute_url(),
        kind="article",
        image=image,
    )
    news_article = structured_data.news_article(article, request)
    head["article"] = {
        "published_time": news_article.get("datePublished", ""),
        "modified_time": news_article.get("dateModified", ""),
        "section": news_article.get("articleSection", ""),
        "tags": news_article.get("keywords", []),
        "authors": [author["url"] for author in news_article.get("author", [])],
    }
    head["json_ld"] = [
        structured_data.json_ld(news_article),
        structured_data.json_ld(structured_data.breadcrumbs(article, request)),
    ]
    return head


@register.simple_tag(takes_context=True)
def site_json_ld(context):
    """The front page's ``WebSite`` and ``NewsMediaOrganization``."""
    return structured_data.json_ld(structured_data.website(context["request"]))

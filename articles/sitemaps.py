"""
Sitemaps, from django.contrib.sitemaps, listing only what readers can see.

The index at /sitemap.xml names one sitemap per kind of page (stories in pages
of 50,000, sections, topics, authors); /sitemap-news.xml is the Google News
sitemap of the last 48 hours. Stories come from ``Article.objects.live()``;
topics and authors appear only once a live story carries them. Each sitemap,
and the index, costs a fixed number of queries however many stories there are.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap
from django.core.paginator import Paginator
from django.db.models import Count, Exists, Max, OuterRef
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from taggit.models import Tag

from .models import Article, Author, Byline, Section
from .structured_data import modified_at

NEWS_WINDOW = timedelta(hours=48)


class ArticleSitemap(Sitemap):
    limit = 50000

    def items(self):
        return Article.objects.live().order_by("published_at", "pk").only("slug", "updated_at", "published_at")

    def lastmod(self, article):
        return modified_at(article)

    @cached_property
    def totals(self):
        """How many stories and when the last one changed, in one query (the index needs both)."""
        return Article.objects.live().aggregate(count=Count("pk"), latest=Max(Greatest("updated_at", "published_at")))

    @cached_property
    def paginator(self):
        paginator = Paginator(self.items(), self.limit)
        paginator.count = self.totals["count"]
        return paginator

    def get_latest_lastmod(self):
        return self.totals["latest"]


class SectionSitemap(Sitemap):
    def items(self):
        return Section.objects.order_by("position", "name")


class TagSitemap(Sitemap):
    def items(self):
        return Tag.objects.filter(article__in=Article.objects.live()).distinct().order_by("name")

    def location(self, tag):
        return reverse("articles:tag", kwargs={"slug": tag.slug})


class AuthorSitemap(Sitemap):
    def items(self):
        with_live_stories = Byline.objects.filter(author=OuterRef("pk"), article__in=Article.objects.live())
        return Author.objects.filter(Exists(with_live_stories)).order_by("name", "pk")


class NewsSitemap(Sitemap):
    """Stories published in the last 48 hours, newest first, at most 1,000 (Google News' limits)."""

    limit = 1000

    def items(self):
        since = timezone.now() - NEWS_WINDOW
        return (
            Article.objects.live()
            .filter(published_at__gte=since)
            .order_by("-published_at", "-pk")
            .only("slug", "headline", "published_at", "updated_at")
        )

    def lastmod(self, article):
        return modified_at(article)


SITEMAPS = {
    "articles": ArticleSitemap,
    "sections": SectionSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
}


def news_sitemap(request):
    """/sitemap-news.xml: Django's sitemap view with the news template and the publication's name."""
    response = sitemap(request, {"news": NewsSitemap}, section="news", template_name="sitemap_news.xml")
    response.context_data["publication_name"] = settings.NEWSROOM_NAME
    response.context_data["publication_language"] = settings.LANGUAGE_CODE.split("-")[0]
    return response

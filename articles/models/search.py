"""The search index's row for a story (PostgreSQL); SQLite keeps the same text in an FTS5 table."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models


class SearchEntry(models.Model):
    """
    What search knows of one story: its words (headline, standfirst, body, tags
    and the public names of its sources) and, on PostgreSQL, their weighted
    vector. Written by ``articles.search.index_articles``; readers only ever
    find stories that ``Article.objects.live()`` admits.
    """

    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, primary_key=True, related_name="search_entry"
    )
    document = models.TextField(blank=True)
    vector = SearchVectorField(null=True)

    class Meta:
        verbose_name_plural = "search entries"

    def __str__(self):
        return f"Search entry for story {self.article_id}"

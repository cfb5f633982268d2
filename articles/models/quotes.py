"""Who said what: a quotation in a story, attributed to a source."""

from django.db import models

from .sources import Source, link_consulted


class Quote(models.Model):
    # No index of its own: quote_article_position_idx leads with it.
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="quotes", db_index=False)
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="quotes",
        help_text="Who said it. A confidential source appears to readers under its public label.",
    )
    text = models.TextField(help_text="The quoted words, without quotation marks.")
    position = models.PositiveIntegerField(default=0, help_text="Order in which the quote appears in the story.")
    is_pull_quote = models.BooleanField(
        "pull quote",
        default=False,
        help_text="Show the quote set apart in large type within the story.",
    )
    context = models.CharField(
        max_length=255,
        blank=True,
        help_text="Where or how it was said, e.g. “speaking at a press conference”.",
    )

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["article", "position"], name="quote_article_position_idx")]

    def __str__(self):
        return f"{self.source.public_name}: “{self.text[:60]}”"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # Whoever a story quotes, it consulted: the source joins the story's sources consulted
        # (one INSERT that leaves an existing link alone). Bulk writers call
        # ``ArticleQuerySet.link_quoted_sources`` instead.
        link_consulted([(self.article_id, self.source_id)])

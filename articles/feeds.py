"""Feeds, from Django's syndication framework; every one reads live stories only."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy

from .models import Correction


class CorrectionsFeed(Feed):
    title = f"{settings.NEWSROOM_NAME}: corrections and clarifications"
    link = reverse_lazy("articles:corrections")
    description = "Every correction, clarification and update note added to our stories."

    def items(self):
        return Correction.objects.public().select_related("article")[:50]

    def item_title(self, item):
        return f"{item.get_kind_display()}: {item.article.headline}"

    def item_description(self, item):
        return item.text

    def item_link(self, item):
        return f"{item.article.get_absolute_url()}#corrections"

    def item_guid(self, item):
        return f"correction-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.published_at

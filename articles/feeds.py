"""
Feeds, from Django's syndication framework; every one reads live stories only.

Stories come as RSS 2.0 and Atom for the whole site, a section, a tag and an
author: the 50 newest live stories, each with its standfirst, dates, byline,
section and tags as categories, and the full-size lead photo as an enclosure.
A feed costs the same number of queries for one story as for fifty.
"""

import mimetypes

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse, reverse_lazy
from django.utils.feedgenerator import Atom1Feed, Enclosure
from django.utils.html import escape
from taggit.models import Tag

from .models import Article, Author, Correction, Section
from .structured_data import modified_at

FEED_LENGTH = 50


class StoryFeed(Feed):
    """The site's newest live stories, as RSS 2.0; subclasses narrow the stories to a section, tag or author."""

    title = settings.NEWSROOM_NAME
    link = reverse_lazy("articles:home")
    description = settings.NEWSROOM_TAGLINE
    subtitle = description  # Atom's name for it
    author_name = settings.NEWSROOM_NAME  # Atom needs an author for entries without a byline
    item_guid_is_permalink = True

    def stories(self, obj):
        return Article.objects.live()

    def items(self, obj):
        return self.stories(obj).for_feed()[:FEED_LENGTH]

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        # Enclosure URLs must be absolute; Django adds the domain to links only.
        for item in feed.items:
            for enclosure in item["enclosures"]:
                enclosure.url = request.build_absolute_uri(enclosure.url)
        return feed

    def item_title(self, item):
        # Plain text: Atom declares its titles text, and RSS readers mostly agree.
        return item.headline

    def item_description(self, item):
        # HTML in both formats (Atom says type="html"), so the plain standfirst is escaped.
        return escape(item.standfirst)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return modified_at(item)

    def item_author_name(self, item):
        return item.byline or None

    def item_categories(self, item):
        section = [item.section.name] if item.section_id else []
        return section + [tag.name for tag in item.tags.all()]

    def item_enclosures(self, item):
        """The full-size lead photo; skipped when its file can't be measured."""
        image = item.lead_image
        if image is None:
            return []
        try:
            length = image.image.size
        except OSError:
            return []
        mime_type = mimetypes.guess_type(image.image.name)[0] or "application/octet-stream"
        return [Enclosure(image.image.url, str(length), mime_type)]


class SectionFeed(StoryFeed):
    def get_object(self, request, slug):
        return Section.objects.get(slug=slug)

    def stories(self, section):
        return super().stories(section).filter(section=section)

    def title(self, section):
        return f"{settings.NEWSROOM_NAME}: {section.name}"

    def link(self, section):
        return section.get_absolute_url()

    def description(self, section):
        return section.description or f"The latest {section.name} stories from {settings.NEWSROOM_NAME}."

    subtitle = description


class TagFeed(StoryFeed):
    def get_object(self, request, slug):
        # Only a topic some live story carries: a tag on a draft or an
        # embargoed story may itself give the story away.
        return Tag.objects.filter(article__in=Article.objects.live()).distinct().get(slug=slug)

    def stories(self, tag):
        return super().stories(tag).filter(tags=tag)

    def title(self, tag):
        return f"{settings.NEWSROOM_NAME}: {tag.name}"

    def link(self, tag):
        return reverse("articles:tag", kwargs={"slug": tag.slug})

    def description(self, tag):
        return f"Stories about {tag.name} from {settings.NEWSROOM_NAME}."

    subtitle = description


class AuthorFeed(StoryFeed):
    def get_object(self, request, slug):
        return Author.objects.get(slug=slug)

    def stories(self, author):
        return super().stories(author).filter(bylines__author=author).distinct()

    def title(self, author):
        return f"{settings.NEWSROOM_NAME}: {author.name}"

    def link(self, author):
        return author.get_absolute_url()

    def description(self, author):
        return f"Stories by {author.name} in {settings.NEWSROOM_NAME}."

    subtitle = description


class AtomStoryFeed(StoryFeed):
    feed_type = Atom1Feed


class AtomSectionFeed(SectionFeed):
    feed_type = Atom1Feed


class AtomTagFeed(TagFeed):
    feed_type = Atom1Feed


class AtomAuthorFeed(AuthorFeed):
    feed_type = Atom1Feed


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

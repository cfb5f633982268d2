"""
Rendered pieces of the public pages, kept in the cache per story.

A page is assembled on every request, but most of what it shows is the same
from one request to the next: a story's card in a list, and the story page's
own content (its head for crawlers, its body, corrections and related
stories). Those pieces are rendered once and reused by every page and every
reader until public content changes. Their keys carry the site's generation
(``articles.cache``), so publishing, editing, correcting or withdrawing
anything retires every piece at once, across processes, exactly as it retires
cached pages.

What is *not* cached here is the choice of stories: each request still asks
``Article.objects.live()`` which stories a list shows and whether a story may
be read, with one indexed query that fetches primary keys. A withdrawn or
embargoed story therefore never reaches a reader through a fragment, and a
scheduled story appears the moment its time comes, even though the page cache
would have kept serving the page rendered before it.

Pieces are rendered from fully prefetched stories only for the stories missing
from the cache (one query per kind of related row, however many miss), so a
page costs the same number of queries cold or warm. ``FRAGMENT_CACHE_SECONDS``
(0 turns the cache off) bounds how long a relative time such as "5 minutes
ago" may stand still.
"""

import hashlib
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from .cache import generation

CARD_TEMPLATE = "articles/_story_card.html"
GRID_TEMPLATE = "articles/_story_grid.html"
STORY_TEMPLATES = {
    "meta": "articles/story/_meta.html",
    "feeds": "articles/story/_feeds.html",
    "story": "articles/story/_story.html",
    "related": "articles/story/_related.html",
}


def _seconds():
    return settings.FRAGMENT_CACHE_SECONDS


def cards(story_ids, *, show_section, lead_first=False):
    """
    The rendered cards of the live stories ``story_ids``, in that order; the
    first as the lead card when ``lead_first``. A story that stopped being live
    since the ids were read is left out.
    """
    wanted = [Card(pk, show_section, lead_first and index == 0) for index, pk in enumerate(story_ids)]
    rendered = render_cards(wanted)
    return [rendered[card] for card in wanted if card in rendered]


class Card(NamedTuple):
    """One story's card as a page shows it: with or without its section's name, as the lead or not."""

    pk: int
    show_section: bool
    lead: bool = False

    def key(self, generation_):
        variant = f"{'lead' if self.lead else 'card'}{'+section' if self.show_section else ''}"
        return f"articles:card:{generation_}:{variant}:{self.pk}"


def render_cards(wanted):
    """
    ``{card: html}`` for every ``Card`` in ``wanted`` whose story is live:
    one cache lookup for all of them, and one fetch of the stories missing.
    """
    current = generation()
    keys = {card: card.key(current) for card in wanted}
    found = cache.get_many(list(keys.values())) if _seconds() else {}
    missing = {card.pk for card in wanted if keys[card] not in found}
    if missing:
        from .models import Article

        stories = {story.pk: story for story in Article.objects.live().filter(pk__in=missing).for_listing()}
        rendered = {}
        for card in wanted:
            story = stories.get(card.pk)
            if story is not None and keys[card] not in found:
                context = {"article": story, "show_section": card.show_section, "lead": card.lead}
                rendered[keys[card]] = render_to_string(CARD_TEMPLATE, context)
        if _seconds():
            cache.set_many(rendered, _seconds())
        found |= rendered
    return {card: mark_safe(found[key]) for card, key in keys.items() if key in found}


def digest(value):
    """A short, stable name for a value made of lists, tuples, numbers and strings (such as story ids)."""
    return hashlib.sha256(repr(value).encode()).hexdigest()[:24]


def grid(story_ids, *, show_section):
    """
    The grid of the live stories ``story_ids``' cards ("" when none is live),
    kept as one fragment for as long as a page lists the same stories.
    """
    story_ids = list(story_ids)

    def render():
        shown = cards(story_ids, show_section=show_section)
        return render_to_string(GRID_TEMPLATE, {"cards": shown}) if shown else ""

    html, _ = remembered(f"grid:{int(show_section)}:{digest(story_ids)}", render)
    return mark_safe(html)


def remembered(name, compute):
    """
    ``(value, fresh)``: what ``compute()`` gave, kept under ``name`` until the
    next change; ``fresh`` says it was computed by this call.
    """
    key = f"articles:remembered:{generation()}:{name}"
    value = cache.get(key) if _seconds() else None
    if value is not None:
        return value, False
    value = compute()
    if _seconds():
        cache.set(key, value, _seconds())
    return value, True


class StoryPage(NamedTuple):
    """A live story's page as kept: its id and headline (for the page title) and its pieces."""

    pk: int
    headline: str
    parts: dict

    def safe_parts(self):
        return {name: mark_safe(html) for name, html in self.parts.items()}


def _story_key(slug, request):
    # The pieces hold absolute URLs, so the key carries the address the site is reached at.
    root = hashlib.sha256(request.build_absolute_uri("/").encode()).hexdigest()[:16]
    return f"articles:story:{generation()}:{root}:{slug}"


def kept_story(slug, request):
    """The ``StoryPage`` kept for the story at ``slug``, or None. Whether it is still live is for the caller."""
    return cache.get(_story_key(slug, request)) if _seconds() else None


def keep_story(slug, request, article, parts):
    """Keep the story page's rendered ``parts`` (safe HTML) for the live story ``article`` at ``slug``."""
    page = StoryPage(article.pk, article.headline, {name: str(html) for name, html in parts.items()})
    if _seconds():
        cache.set(_story_key(slug, request), page, _seconds())
    return page


def render_story_parts(context, request):
    """Render each of the story page's pieces from ``context`` (a prefetched story, corrections and related)."""
    return {
        name: SafeString(render_to_string(template, context, request)) for name, template in STORY_TEMPLATES.items()
    }

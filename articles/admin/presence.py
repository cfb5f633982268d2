"""
Who has a story open: each visit to its change page is remembered in the
shared cache for a while, so every app server can tell an editor that a
colleague is working on the same story.
"""

from django.core.cache import cache
from django.utils import timezone

PRESENCE_SECONDS = 10 * 60


def _key(article_pk):
    return f"articles:editing:{article_pk}"


def _display_name(user):
    return user.get_full_name() or user.get_username()


def mark_editing(article_pk, user, now=None):
    now = now or timezone.now()
    editors = {
        user_pk: entry
        for user_pk, entry in (cache.get(_key(article_pk)) or {}).items()
        if (now - entry["since"]).total_seconds() < PRESENCE_SECONDS
    }
    editors[user.pk] = {"name": _display_name(user), "since": now}
    cache.set(_key(article_pk), editors, PRESENCE_SECONDS)


def stop_editing(article_pk, user):
    editors = cache.get(_key(article_pk)) or {}
    if editors.pop(user.pk, None) is not None:
        cache.set(_key(article_pk), editors, PRESENCE_SECONDS)


def others_editing(article_pk, user, now=None):
    """[(name, since)] of the other people who opened the story recently."""
    now = now or timezone.now()
    return [
        (entry["name"], entry["since"])
        for user_pk, entry in (cache.get(_key(article_pk)) or {}).items()
        if user_pk != user.pk and (now - entry["since"]).total_seconds() < PRESENCE_SECONDS
    ]

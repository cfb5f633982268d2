"""
The public page cache and its invalidation.

Anonymous readers get pages from the shared cache (Redis in production,
local memory by default). Every cached page is keyed by the site's current
*generation*, a counter kept in the same cache: publishing, editing,
correcting or withdrawing anything bumps it once the change commits, and from
that moment every app server reading the shared counter misses the old pages.
One counter is deliberately coarse: a newsroom's pages overlap so much (home,
sections, tags, feeds) that tracking which page shows which story would cost
more than re-rendering.

A local-memory cache (no Redis) is not shared: each process has its own
counter. There the generation also carries the identity of a small file,
``PAGE_CHANGES_FILE``, that every change replaces, so a story an import
publishes, or one a gunicorn worker withdraws, retires the pages every other
process on the machine keeps, at once rather than when they expire.
"""

import contextlib
import functools
import hashlib
import logging
import os
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.cache import patch_cache_control, patch_vary_headers, set_response_etag
from django.utils.http import http_date

GENERATION_KEY = "articles:pages:generation"
CHANGED_AT_KEY = "articles:pages:changed-at"

logger = logging.getLogger(__name__)


def generation():
    """The current generation of public pages (created on first use)."""
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        cache.add(CHANGED_AT_KEY, time.time(), timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    changes = _changes_file()
    return value if changes is None else f"{value}-{changes.st_ino:x}-{changes.st_mtime_ns:x}"


def changed_at():
    """When public content last changed (epoch seconds): every page's Last-Modified."""
    changes = _changes_file()
    return max(cache.get(CHANGED_AT_KEY) or time.time(), changes.st_mtime if changes else 0)


def menu_sections():
    """The sections in the menu, in its order, cached until the next change (the menu and the front page share it)."""
    from .models import Section

    return cache.get_or_set(
        f"articles:sections:{generation()}", lambda: list(Section.objects.filter(in_navigation=True)), 3600
    )


def invalidate_now():
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not there yet (or evicted): start a new series
        cache.set(GENERATION_KEY, int(time.time()), timeout=None)
    cache.set(CHANGED_AT_KEY, time.time(), timeout=None)
    _replace_changes_file()


def _changes_file():
    """The ``os.stat`` of ``PAGE_CHANGES_FILE``; None when there is none (a shared cache needs none)."""
    if not settings.PAGE_CHANGES_FILE:
        return None
    try:
        return os.stat(settings.PAGE_CHANGES_FILE)
    except OSError:  # not written yet: the first change writes it
        return None


def _replace_changes_file():
    """
    Put a new ``PAGE_CHANGES_FILE`` in place of the old one: a new file, so its inode differs
    from the one it replaces even when the clock has not moved on. A failure to write it is
    logged, not raised: the change itself has been made, and only other processes' pages wait
    for their expiry.
    """
    path = settings.PAGE_CHANGES_FILE
    if not path:
        return
    draft = f"{path}.{secrets.token_hex(8)}"
    try:
        with open(draft, "x") as stream:
            stream.write(f"{time.time()}\n")
        os.replace(draft, path)
    except OSError as problem:
        logger.warning("could not tell other processes that pages changed (%s): %s", path, problem)
        with contextlib.suppress(OSError):
            os.unlink(draft)


def invalidate_pages():
    """Drop every cached public page once the current transaction commits."""
    transaction.on_commit(invalidate_now)


def page_key(request, generation_):
    path = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
    return f"articles:page:{generation_}:{path}"


def cached_page(request):
    """
    The page cached for this request, or None (always, when the page cache is
    off). Looked up once per request, whether the middleware or the view asks.
    """
    if not settings.PAGE_CACHE_SECONDS:
        return None
    if not hasattr(request, "page_cache_key"):
        request.page_cache_key = page_key(request, generation())
        request.cached_page = cache.get(request.page_cache_key)
    return request.cached_page


class PageCacheMiddleware:
    """
    Serve anonymous readers' GETs from the page cache before the rest of the
    middleware runs: sessions, authentication, CSRF, messages and login
    lockouts have nothing to do for a page that is already rendered. Pages get
    into the cache only through ``public_page``. A request with a session
    cookie always goes through to the view, which decides for itself (logged-in
    staff get a fresh page). Sits below the middleware that sets security
    headers, so a cached page leaves with the same headers as a fresh one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and (cached := cached_page(request)) is not None
        ):
            return cached
        return self.get_response(request)


def public_page(view):
    """
    Serve anonymous GETs from the page cache and mark every public response
    for browsers and CDNs: short max-age, longer s-maxage, stale-while-revalidate,
    and Last-Modified (ETag and 304s come from ConditionalGetMiddleware).
    Logged-in staff always get a fresh, private page.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_cache=True)
            return response
        cached = cached_page(request)
        if cached is not None:
            return cached  # stored with its headers: nothing has changed since it was rendered
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        if response.status_code in (200, 404, 410):
            response = _with_public_headers(response)
            set_response_etag(response)  # computed once, not on every hit
            if settings.PAGE_CACHE_SECONDS:
                cache.set(request.page_cache_key, response, settings.PAGE_CACHE_SECONDS)
        return response

    return wrapper


def _with_public_headers(response):
    patch_cache_control(
        response,
        public=True,
        max_age=settings.PAGE_BROWSER_SECONDS,
        s_maxage=settings.PAGE_CACHE_SECONDS,
        stale_while_revalidate=settings.PAGE_STALE_SECONDS,
    )
    patch_vary_headers(response, ["Cookie"])
    response["Last-Modified"] = http_date(changed_at())
    return response

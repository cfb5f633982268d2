import functools

from django.conf import settings
from django.urls import reverse


@functools.cache
def site_urls():
    """The addresses every page links to (feeds, search, corrections), worked out once per process."""
    names = ["home", "search", "corrections", "feed_rss", "feed_atom", "corrections_feed"]
    return {name: reverse(f"articles:{name}") for name in names}


def site(request):
    """The masthead and navigation every public page shows."""
    return {
        "site_name": settings.NEWSROOM_NAME,
        "site_tagline": settings.NEWSROOM_TAGLINE,
        "site_urls": site_urls(),
    }

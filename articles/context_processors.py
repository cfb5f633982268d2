from django.conf import settings

from .cache import sections


def site(request):
    """The masthead and navigation every public page shows."""
    return {
        "site_name": settings.NEWSROOM_NAME,
        "site_tagline": settings.NEWSROOM_TAGLINE,
        "nav_sections": sections(),
    }

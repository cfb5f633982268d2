from django.conf import settings
from django.core.cache import cache

from .cache import generation
from .models import Section


def site(request):
    """The masthead and navigation every public page shows (sections cached until the next change)."""
    sections = cache.get_or_set(f"articles:nav:{generation()}", lambda: list(Section.objects.all()), 3600)
    return {
        "site_name": settings.NEWSROOM_NAME,
        "site_tagline": settings.NEWSROOM_TAGLINE,
        "nav_sections": sections,
    }

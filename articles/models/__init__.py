from .articles import (
    TRANSITIONS,
    Article,
    ArticleQuerySet,
    Byline,
    Transition,
    TransitionRefused,
    TransitionResult,
    apply_transition,
    keep_revisions,
    update_values,
)
from .desk import ArticleEvent, ArticleRevision, Correction, ShareLink, SlugRedirect
from .media import ImageCaption
from .newsroom import Author, Section
from .quotes import Quote
from .search import SearchEntry
from .sources import Source

__all__ = [
    "TRANSITIONS",
    "Article",
    "ArticleEvent",
    "ArticleQuerySet",
    "ArticleRevision",
    "Author",
    "Byline",
    "Correction",
    "ImageCaption",
    "Quote",
    "SearchEntry",
    "Section",
    "ShareLink",
    "SlugRedirect",
    "Source",
    "Transition",
    "TransitionRefused",
    "TransitionResult",
    "apply_transition",
    "keep_revisions",
    "update_values",
]

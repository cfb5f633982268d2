from .articles import Article, ArticleQuerySet, Byline
from .media import ImageCaption
from .newsroom import Author, Section
from .quotes import Quote
from .sources import Source

__all__ = ["Article", "ArticleQuerySet", "Author", "Byline", "ImageCaption", "Quote", "Section", "Source"]

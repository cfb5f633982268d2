from django.urls import path

from . import feeds, views
from .cache import public_page

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("feed/rss/", public_page(feeds.StoryFeed()), name="feed_rss"),
    path("feed/atom/", public_page(feeds.AtomStoryFeed()), name="feed_atom"),
    path("story/<slug:slug>/", views.article_detail, name="detail"),
    path("section/<slug:slug>/", views.SectionView.as_view(), name="section"),
    path("section/<slug:slug>/feed/rss/", public_page(feeds.SectionFeed()), name="section_feed_rss"),
    path("section/<slug:slug>/feed/atom/", public_page(feeds.AtomSectionFeed()), name="section_feed_atom"),
    path("tag/<slug:slug>/", views.TagView.as_view(), name="tag"),
    path("tag/<slug:slug>/feed/rss/", public_page(feeds.TagFeed()), name="tag_feed_rss"),
    path("tag/<slug:slug>/feed/atom/", public_page(feeds.AtomTagFeed()), name="tag_feed_atom"),
    path("author/<slug:slug>/", views.AuthorView.as_view(), name="author"),
    path("author/<slug:slug>/feed/rss/", public_page(feeds.AuthorFeed()), name="author_feed_rss"),
    path("author/<slug:slug>/feed/atom/", public_page(feeds.AtomAuthorFeed()), name="author_feed_atom"),
    path("search/", views.search_view, name="search"),
    path("corrections/", views.CorrectionsView.as_view(), name="corrections"),
    path("corrections/feed/", public_page(feeds.CorrectionsFeed()), name="corrections_feed"),
    path("preview/<int:pk>/", views.preview, name="preview"),
    path("preview/shared/<str:signed>/", views.shared_preview, name="shared_preview"),
]

import re

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.utils.functional import lazy
from django.views.generic import RedirectView, TemplateView
from django.views.static import serve

from articles.cache import public_page
from articles.sitemaps import SITEMAPS, news_sitemap


def media(request, path):
    """Uploads from MEDIA_ROOT, for a single machine without a web server or object storage in front."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "favicon.ico",
        RedirectView.as_view(url=lazy(static, str)("articles/favicon.svg"), permanent=True),
    ),
    path("robots.txt", TemplateView.as_view(template_name="robots.txt", content_type="text/plain"), name="robots"),
    path(
        "sitemap.xml",
        public_page(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap"},
        name="sitemap_index",
    ),
    path("sitemap-news.xml", public_page(news_sitemap), name="sitemap_news"),
    path("sitemap-<section>.xml", public_page(sitemap_views.sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("", include("articles.urls")),
]

if settings.SERVE_MEDIA:
    media_prefix = re.escape(settings.MEDIA_URL.lstrip("/"))
    urlpatterns.append(re_path(rf"^{media_prefix}(?P<path>.+)$", media, name="media"))

"""The admin site of the newsroom, whose front page is the desk dashboard.

It lives outside ``articles.admin`` so that building the site never imports
the ModelAdmins that register themselves on it.
"""

from datetime import timedelta

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.db.models import Q
from django.urls import path
from django.utils import timezone

from .models import Article, ImageCaption

DASHBOARD_ROWS = 8


class NewsroomAdminSite(admin.AdminSite):
    """The admin, whose front page is the desk: what needs doing now."""

    site_header = f"{settings.NEWSROOM_NAME} — newsroom"
    site_title = "Newsroom"
    index_title = "The desk"
    index_template = "admin/desk_index.html"

    def admin_view(self, view, cacheable=False):
        # The rich-text editor styles itself with <style> elements it creates;
        # scripts stay as strict as on the public site.
        return csp_update({"style-src": [UNSAFE_INLINE]})(super().admin_view(view, cacheable))

    def index(self, request, extra_context=None):
        return super().index(request, {**desk_dashboard(request.user), **(extra_context or {})})

    def get_urls(self):
        # Imported here: the admin's modules are loaded (autodiscovered) by the time URLs are built.
        from .admin.reports import sourcing_report_view

        return [
            path(
                "articles/sourcing-report/",
                self.admin_view(sourcing_report_view),
                {"site": self},
                name="articles_sourcing_report",
            ),
            *super().get_urls(),
        ]


def desk_dashboard(user, now=None):
    """The desk's lists for ``user``; each one query, whatever the size of the newsroom."""
    if not user.has_perm("articles.view_article"):
        return {}
    now = now or timezone.now()
    stories = Article.objects.select_related("section").order_by("-updated_at")
    return {
        "my_drafts": stories.filter(created_by=user, status__in=[Article.Status.DRAFT, Article.Status.RETURNED])[
            :DASHBOARD_ROWS
        ],
        "waiting_for_review": stories.filter(status=Article.Status.IN_REVIEW).order_by("updated_at")[:DASHBOARD_ROWS],
        "scheduled_soon": stories.scheduled(now)
        .filter(published_at__lte=now + timedelta(hours=24))
        .order_by("published_at")[:DASHBOARD_ROWS],
        "recently_published": stories.live(now).order_by("-published_at")[:DASHBOARD_ROWS],
        "images_missing_details": ImageCaption.objects.select_related("article")
        .exclude(article__status=Article.Status.WITHDRAWN)
        .filter(Q(credit="") | Q(alt_text="", is_decorative=False))
        .order_by("-article__updated_at")[:DASHBOARD_ROWS],
        "can_review": user.has_perm("articles.review_article"),
    }

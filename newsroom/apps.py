from django.contrib.admin.apps import AdminConfig


class NewsroomAdminConfig(AdminConfig):
    """Django's admin, with the desk dashboard as its front page."""

    default_site = "articles.dashboard.NewsroomAdminSite"

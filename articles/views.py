"""
The public site. Every view takes its stories from ``Article.objects.live()``;
none filters on status itself.
"""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.generic import ListView
from taggit.models import Tag

from .models import Article, Author, Section


class LiveArticleListView(ListView):
    """A paginated list of live stories; subclasses narrow it."""

    paginate_by = settings.ARTICLES_PER_PAGE
    context_object_name = "articles"

    def get_queryset(self):
        return Article.objects.live().for_listing()


class HomeView(LiveArticleListView):
    template_name = "articles/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        stories = list(context["articles"])
        first_page = context["page_obj"].number == 1
        context["lead"] = stories[0] if stories and first_page else None
        context["latest"] = stories[1:] if context["lead"] else stories
        return context


class SectionView(LiveArticleListView):
    template_name = "articles/section.html"

    def get_queryset(self):
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        return super().get_queryset().filter(section=self.section)

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


class TagView(LiveArticleListView):
    template_name = "articles/tag.html"

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return super().get_queryset().filter(tags=self.tag)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class AuthorView(LiveArticleListView):
    template_name = "articles/author.html"

    def get_queryset(self):
        self.author = get_object_or_404(Author, slug=self.kwargs["slug"])
        return super().get_queryset().filter(bylines__author=self.author).distinct()

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


def article_detail(request, slug):
    article = Article.objects.live().for_detail().filter(slug=slug).first()
    if article is None:
        withdrawn = Article.objects.withdrawn().filter(slug=slug).only("withdrawal_notice").first()
        if withdrawn is None:
            raise Http404("No published story at this address.")
        return render(request, "articles/withdrawn.html", {"notice": withdrawn.withdrawal_notice}, status=410)
    return render(request, "articles/article.html", {"article": article})

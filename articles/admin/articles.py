"""
The story desk: the article list, the story form with its bylines, photos,
quotes, sources consulted and corrections, and the desk's own pages —
workflow moves, versions, comparison, restore and preview share links.
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from js_asset import Media as NoncedMedia

from .. import compare, registry
from ..models import (
    TRANSITIONS,
    Article,
    ArticleEvent,
    ArticleRevision,
    Byline,
    Correction,
    ImageCaption,
    Quote,
    ShareLink,
)
from . import presence
from .catalogue import thumbnail
from .forms import ArticleAdminForm, ImageCaptionForm, ShareLinkForm, TransitionForm


class FollowsStoryPermissions:
    """Inlines editable exactly when the story is editable by the user."""

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or obj.can_be_edited_by(request.user))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.can_be_edited_by(request.user))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.can_be_edited_by(request.user))


class BylineInline(FollowsStoryPermissions, admin.TabularInline):
    model = Byline
    extra = 0
    autocomplete_fields = ["author"]
    fields = ["author", "role", "position"]


class ImageCaptionInline(FollowsStoryPermissions, admin.StackedInline):
    model = ImageCaption
    form = ImageCaptionForm
    extra = 0
    readonly_fields = ["preview", "dimensions"]
    fieldsets = [
        (None, {"fields": [("image", "preview"), "caption", ("credit", "photographer"), "alt_text"]}),
        (None, {"fields": [("is_lead", "is_decorative", "position"), "usage_terms", "dimensions"]}),
    ]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 80})}}

    @admin.display(description="Preview")
    def preview(self, obj):
        return thumbnail(obj)

    @admin.display(description="Size")
    def dimensions(self, obj):
        if obj.width and obj.height:
            return f"{obj.width} × {obj.height} px"
        return "—"


class QuoteInline(FollowsStoryPermissions, admin.TabularInline):
    model = Quote
    extra = 0
    autocomplete_fields = ["source"]
    fields = ["text", "source", "context", "is_pull_quote", "position"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 60})}}


class CorrectionInline(admin.TabularInline):
    model = Correction
    extra = 0
    fields = ["kind", "text", "published_at"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 80})}}

    def has_add_permission(self, request, obj=None):
        # A correction is a note on a story readers have seen.
        return super().has_add_permission(request, obj) and obj is not None and obj.published_at is not None


class DeskFilter(admin.SimpleListFilter):
    title = "desk"
    parameter_name = "desk"

    def lookups(self, request, model_admin):
        choices = [("mine", "Mine")]
        if request.user.has_perm("articles.review_article"):
            choices.append(("review", "Waiting for my review"))
        return choices + [
            ("scheduled", "Scheduled"),
            ("embargoed", "Embargoed"),
            ("live", "Live on the site"),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "mine":
                return queryset.filter(created_by=request.user)
            case "review":
                return queryset.filter(status=Article.Status.IN_REVIEW).exclude(created_by=request.user)
            case "scheduled":
                return queryset.scheduled()
            case "embargoed":
                return queryset.embargoed()
            case "live":
                return queryset.live()
        return queryset


def transition_action(name):
    move = TRANSITIONS[name]

    def action(modeladmin, request, queryset):
        if move.needs_comment or move.asks_time:
            return modeladmin.confirm_bulk_transition(request, queryset, move)
        result = queryset.transition(name, request.user)
        modeladmin.report_transition(request, result)
        return None

    action.__name__ = f"{name}_selected"
    return admin.action(description=f"{move.label} (selected stories)", permissions=[name])(action)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = [
        "lead_thumbnail",
        "headline",
        "state_badge",
        "section",
        "bylines_display",
        "publication",
    ]
    list_display_links = ["headline"]
    list_filter = [DeskFilter, "status", "section", ("bylines__author", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["headline", "standfirst", "slug", "import_id"]
    date_hierarchy = "published_at"
    list_select_related = ["section"]
    # Sources are picked as in the quote list: through the source admin's search, which finds a
    # confidential source by its public label only for those who may not see who it is, and shows
    # every confidential source by its label.
    autocomplete_fields = ["section", "sources"]
    prepopulated_fields = {"slug": ["headline"]}
    readonly_fields = ["status", "created_by", "created_at", "updated_at", "import_origin", "import_id", "version"]
    fieldsets = [
        (None, {"fields": ["loaded_version", "headline", "slug", "standfirst", "body"]}),
        ("Filing", {"fields": ["section", "tags"]}),
        (
            "Sources consulted",
            {
                "fields": ["sources"],
                "description": "For the desk only: this list never appears on the site, in feeds or in search.",
            },
        ),
        ("Publication", {"fields": ["status", ("published_at", "embargo_until"), "withdrawal_notice"]}),
        (
            "Record",
            {
                "fields": [("created_by", "version"), ("created_at", "updated_at"), ("import_origin", "import_id")],
                "classes": ["collapse"],
            },
        ),
    ]
    inlines = [BylineInline, ImageCaptionInline, QuoteInline, CorrectionInline]
    actions = [
        *(
            transition_action(name)
            for name in (
                "submit",
                "approve",
                "return_to_reporter",
                "publish",
                "schedule",
                "unschedule",
                "withdraw",
                "restore",
            )
        ),
        "reextract_quotes",
    ]
    change_form_template = "admin/articles/article/desk_change_form.html"

    class Media:
        css = {"all": ["articles/desk.css"]}

    # Permissions: the story's own rules decide who edits it; each workflow
    # move needs its own permission (checked again when the move is made).

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.can_be_edited_by(request.user))

    def has_submit_permission(self, request):
        return request.user.has_perm("articles.change_article")

    def has_approve_permission(self, request):
        return request.user.has_perm("articles.review_article")

    has_return_to_reporter_permission = has_approve_permission

    def has_publish_permission(self, request):
        return request.user.has_perm("articles.publish_article")

    has_schedule_permission = has_unschedule_permission = has_publish_permission

    def has_withdraw_permission(self, request):
        return request.user.has_perm("articles.withdraw_article")

    def has_restore_permission(self, request):
        return request.user.has_perm("articles.restore_article")

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("articles.publish_article"):
            readonly += ["published_at", "embargo_until"]
        return readonly

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .with_bylines()
            .prefetch_related(
                Prefetch("images", queryset=ImageCaption.objects.filter(is_lead=True), to_attr="lead_images")
            )
        )

    @admin.action(description="Re-run quote extraction (selected stories)", permissions=["change"])
    def reextract_quotes(self, request, queryset):
        stories = [story for story in queryset if story.can_be_edited_by(request.user)]
        found = sum(len(registry.reextract(story, by=request.user)) for story in stories)
        skipped = queryset.count() - len(stories)
        self.message_user(
            request,
            f"Quotes extracted again for {len(stories)} stories ({found} quotes)."
            + (f" {skipped} stories you may not edit were left alone." if skipped else ""),
            messages.SUCCESS,
        )

    # Changelist columns

    @admin.display(description="")
    def lead_thumbnail(self, obj):
        return thumbnail(obj.lead_images[0] if obj.lead_images else None, width=72)

    @admin.display(description="Status", ordering="status")
    def state_badge(self, obj):
        return format_html(
            '<span class="desk-state desk-state--{}">{}</span>', obj.state_label.lower(), obj.state_label
        )

    @admin.display(description="Byline")
    def bylines_display(self, obj):
        return ", ".join(byline.author.name for byline in obj.bylines.all())

    @admin.display(description="Goes out", ordering="published_at")
    def publication(self, obj):
        if obj.published_at is None:
            return "—"
        when = date_format(timezone.localtime(obj.published_at), "j M Y, H:i")
        if obj.embargo_outlasts_schedule:
            embargo = date_format(timezone.localtime(obj.embargo_until), "j M, H:i")
            return format_html('{} <span class="desk-flag">embargoed until {}</span>', when, embargo)
        return when

    # Saving: stamp the reporter, keep a version of every save.

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The list as sent may leave out someone the story still quotes: whoever it quotes, it consulted.
        Article.objects.filter(pk=form.instance.pk).link_quoted_sources()
        for image in form.instance.images.all():
            image.ensure_renditions()
        form.instance.record_revision(by=request.user)

    def response_change(self, request, obj):
        if "_continue" not in request.POST:
            presence.stop_editing(obj.pk, request.user)
        return super().response_change(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, object_id)
        if article is None:
            return super().change_view(request, object_id, form_url, extra_context)
        others = presence.others_editing(article.pk, request.user)
        presence.mark_editing(article.pk, request.user)
        context = {
            "desk": article,
            "desk_moves": article.available_transitions(request.user),
            "desk_events": ArticleEvent.objects.filter(article=article).select_related("actor"),
            "desk_others_editing": others,
            "desk_share_links": ShareLink.objects.filter(article=article).usable(),
            "desk_can_share": request.user.has_perm("articles.add_sharelink"),
            "desk_can_reextract": article.can_be_edited_by(request.user),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context.get("adminform") and context["adminform"].form
        context["desk_conflict"] = getattr(form, "conflict", None)
        # The rich-text editor's import map is an inline script: it carries this request's CSP nonce.
        context["media"] = NoncedMedia.from_media(context["media"], nonce=request.csp_nonce)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # The desk's own pages

    def get_urls(self):
        desk = self.admin_site.admin_view
        return [
            path("<int:pk>/move/<str:name>/", desk(self.transition_view), name="articles_article_transition"),
            path("<int:pk>/versions/", desk(self.versions_view), name="articles_article_versions"),
            path("<int:pk>/versions/compare/", desk(self.compare_view), name="articles_article_compare"),
            path(
                "<int:pk>/versions/<int:number>/restore/",
                desk(self.restore_view),
                name="articles_article_restore",
            ),
            path("<int:pk>/share/", desk(self.share_view), name="articles_article_share"),
            path("<int:pk>/reextract/", desk(self.reextract_view), name="articles_article_reextract"),
            path(
                "<int:pk>/share/<int:link_pk>/revoke/",
                desk(self.revoke_share_view),
                name="articles_article_revoke_share",
            ),
            *super().get_urls(),
        ]

    def _story(self, request, pk):
        article = get_object_or_404(Article, pk=pk)
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        return article

    def _change_url(self, article):
        return reverse("admin:articles_article_change", args=[article.pk])

    def _context(self, request, article, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "article": article,
            **extra,
        }

    def transition_view(self, request, pk, name):
        """Confirm one workflow move on one story (GET), then make it (POST)."""
        article = self._story(request, pk)
        move = TRANSITIONS.get(name)
        if move is None:
            raise Http404("No such move.")
        form = TransitionForm(request.POST if request.method == "POST" else None, transition=move)
        if request.method == "POST" and form.is_valid():
            result = Article.objects.filter(pk=article.pk).transition(
                name, request.user, comment=form.cleaned_data["comment"], at=form.cleaned_data.get("at")
            )
            self.report_transition(request, result)
            if result.changed:
                return redirect(self._change_url(article))
        return TemplateResponse(
            request,
            "admin/articles/article/transition.html",
            self._context(request, article, move=move, form=form, title=f"{move.label}: {article}"),
        )

    def confirm_bulk_transition(self, request, queryset, move):
        """The intermediate page of a bulk move that needs a comment or a time."""
        form = TransitionForm(request.POST if "confirm" in request.POST else None, transition=move)
        if form.is_bound and form.is_valid():
            result = queryset.transition(
                move.name, request.user, comment=form.cleaned_data["comment"], at=form.cleaned_data.get("at")
            )
            self.report_transition(request, result)
            return None
        return TemplateResponse(
            request,
            "admin/articles/article/transition_bulk.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "move": move,
                "form": form,
                "stories": queryset,
                "action": request.POST["action"],
                "title": f"{move.label}: {queryset.count()} stories",
            },
        )

    def report_transition(self, request, result):
        move = result.transition
        if result.changed:
            names = ", ".join(f"“{story.headline}”" for story in result.changed[:5])
            more = f" and {len(result.changed) - 5} more" if len(result.changed) > 5 else ""
            count = len(result.changed)
            self.message_user(
                request,
                f"{move.label}: {count} {'story' if count == 1 else 'stories'} done — {names}{more}.",
                messages.SUCCESS,
            )
        for story, reason in result.refused:
            self.message_user(request, f"{move.label} refused for “{story.headline}”: {reason}.", messages.ERROR)

    def versions_view(self, request, pk):
        article = self._story(request, pk)
        revisions = ArticleRevision.objects.filter(article=article).select_related("created_by").defer("data")
        return TemplateResponse(
            request,
            "admin/articles/article/versions.html",
            self._context(
                request,
                article,
                revisions=revisions,
                can_restore=article.can_be_edited_by(request.user),
                title=f"Versions of “{article}”",
            ),
        )

    def compare_view(self, request, pk):
        article = self._story(request, pk)
        try:
            numbers = sorted({int(request.GET["from"]), int(request.GET["to"])})
        except (KeyError, ValueError):
            messages.error(request, "Choose two versions to compare.")
            return redirect("admin:articles_article_versions", pk=article.pk)
        revisions = {
            revision.number: revision
            for revision in ArticleRevision.objects.filter(article=article, number__in=numbers).select_related(
                "created_by"
            )
        }
        if len(revisions) != len(numbers) or len(numbers) != 2:
            raise Http404("No such versions.")
        old, new = revisions[numbers[0]], revisions[numbers[1]]
        return TemplateResponse(
            request,
            "admin/articles/article/compare.html",
            self._context(
                request,
                article,
                old=old,
                new=new,
                changes=compare.revisions(old.data, new.data),
                title=f"Version {old.number} and version {new.number} of “{article}”",
            ),
        )

    def restore_view(self, request, pk, number):
        article = self._story(request, pk)
        revision = get_object_or_404(ArticleRevision, article=article, number=number)
        if not article.can_be_edited_by(request.user):
            raise PermissionDenied
        if request.method == "POST":
            restored = article.restore_revision(revision, by=request.user)
            messages.success(request, f"Version {revision.number} restored as version {restored.number}.")
            return redirect(self._change_url(article))
        return TemplateResponse(
            request,
            "admin/articles/article/restore.html",
            self._context(request, article, revision=revision, title=f"Restore version {revision.number}?"),
        )

    def share_view(self, request, pk):
        article = self._story(request, pk)
        if not request.user.has_perm("articles.add_sharelink"):
            raise PermissionDenied
        form = ShareLinkForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            link = ShareLink.objects.create(
                article=article,
                created_by=request.user,
                expires_at=timezone.now() + timedelta(days=form.cleaned_data["days"]),
            )
            url = request.build_absolute_uri(link.get_absolute_url())
            messages.success(request, format_html("Share link created: <code class='desk-link'>{}</code>", url))
            return redirect(self._change_url(article))
        return TemplateResponse(
            request,
            "admin/articles/article/share.html",
            self._context(request, article, form=form, title=f"Share a preview of “{article}”"),
        )

    def reextract_view(self, request, pk):
        """Read the story's quotes again from its text; the desk checks them in the quote list."""
        article = self._story(request, pk)
        if request.method != "POST" or not article.can_be_edited_by(request.user):
            raise PermissionDenied
        found = registry.reextract(article, by=request.user)
        messages.success(request, f"Quotes extracted again: {len(found)} found. Check them in the quote list below.")
        return redirect(self._change_url(article))

    def revoke_share_view(self, request, pk, link_pk):
        article = self._story(request, pk)
        if request.method != "POST" or not request.user.has_perm("articles.change_sharelink"):
            raise PermissionDenied
        ShareLink.objects.filter(pk=link_pk, article=article).update(revoked_at=timezone.now())
        messages.success(request, "The share link no longer works.")
        return redirect(self._change_url(article))

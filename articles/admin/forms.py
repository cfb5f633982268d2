from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.formats import date_format
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import AdminProseEditorWidget

from ..images import ImageRejected, sanitise
from ..models import Article, ArticleRevision, ImageCaption, Transition
from ..sanitize import clean_html

# The editor offers what the sanitiser keeps: what a reporter types is what readers get.
BODY_EDITOR = {
    "extensions": {
        "Bold": True,
        "Italic": True,
        "Heading": {"levels": [2, 3]},
        "BulletList": True,
        "OrderedList": True,
        "ListItem": True,
        "Blockquote": True,
        "Link": {"enableTarget": False},
        "HardBreak": True,
        "HorizontalRule": True,
    }
}


class ArticleAdminForm(forms.ModelForm):
    """
    The story form. ``loaded_version`` is the version the editor opened; a
    save against a newer version is refused, keeping what they typed.
    """

    body = ProseEditorFormField(
        config=BODY_EDITOR,
        sanitize=clean_html,
        required=False,
        widget=AdminProseEditorWidget,
        help_text=Article._meta.get_field("body").help_text,
    )
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Article
        fields = [
            "headline",
            "slug",
            "standfirst",
            "body",
            "section",
            "tags",
            "sources",
            "published_at",
            "embargo_until",
            "withdrawal_notice",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["loaded_version"] = self.instance.version
        self.conflict = None

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            self._check_for_a_newer_version(cleaned.get("loaded_version"))
        return cleaned

    def _check_for_a_newer_version(self, loaded):
        # Lock the row until this save commits, so two saves can't both pass.
        current = Article.objects.select_for_update().values_list("version", flat=True).get(pk=self.instance.pk)
        if loaded is None or loaded >= current:
            return
        newer = (
            ArticleRevision.objects.select_related("created_by").filter(article=self.instance, number=current).first()
        )
        who = newer.author_name if newer else "Someone"
        when = date_format(timezone.localtime(newer.created_at), "j F Y, H:i:s") if newer else "meanwhile"
        self.conflict = {"loaded": loaded, "current": current, "who": who, "when": when}
        # Next time the form is sent, it is sent knowingly over the newer version.
        self.data = self.data.copy()
        self.data["loaded_version"] = current
        raise forms.ValidationError(
            f"{who} saved this story at {when}, after you opened it. Nothing has been saved and your text is "
            "still in the form below. Compare their version with yours, then save again to keep yours.",
            code="conflict",
        )


class ImageCaptionForm(forms.ModelForm):
    """Every uploaded photo goes through the one image gate: verified, re-encoded, metadata stripped."""

    class Meta:
        model = ImageCaption
        fields = [
            "article",
            "image",
            "caption",
            "credit",
            "alt_text",
            "is_decorative",
            "photographer",
            "usage_terms",
            "position",
            "is_lead",
        ]

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if not isinstance(upload, UploadedFile):
            return upload  # unchanged, cleared or empty
        upload.seek(0)
        try:
            return sanitise(upload.read(), upload.name)
        except ImageRejected as rejected:
            raise forms.ValidationError(f"This photo can't be used: {rejected}.", code="rejected") from rejected


class TransitionForm(forms.Form):
    """What a workflow move asks for: a comment, and a time for a schedule."""

    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    at = forms.SplitDateTimeField(
        label="Publish at",
        required=False,
        widget=forms.SplitDateTimeWidget(date_attrs={"type": "date"}, time_attrs={"type": "time", "step": "1"}),
    )

    def __init__(self, *args, transition: Transition, **kwargs):
        super().__init__(*args, **kwargs)
        self.transition = transition
        self.fields["comment"].required = transition.needs_comment
        if transition.needs_comment:
            self.fields["comment"].help_text = "Required: the reporter and the story's timeline will see it."
        if not transition.asks_time:
            del self.fields["at"]
        else:
            self.fields["at"].required = True


class ShareLinkForm(forms.Form):
    days = forms.IntegerField(min_value=1, max_value=30, initial=2, label="Valid for (days)")

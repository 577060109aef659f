"""Forms of the merchants' pages. Their checks are the API's own (merchant_api), not copies."""
from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from merchant_api.serializers import MetricsRangeSerializer
from merchant_api.uploads import check_evidence

ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def _messages(detail):
    """The plain messages of a DRF error detail (a list, or a string)."""
    return [str(m) for m in detail] if isinstance(detail, list) else [str(detail)]


class RangeForm(forms.Form):
    """A range of days within the last 3 months, validated by the metrics endpoint's serializer."""

    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        params = MetricsRangeSerializer(data={k: v for k, v in data.items() if v is not None})
        if not params.is_valid():
            for field, detail in params.errors.items():
                for message in _messages(detail):
                    self.add_error(field if field in self.fields else None, message)
            return data
        return params.validated_data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one <input type=file multiple> (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class AppealForm(forms.Form):
    """An appeal (申诉): a statement and up to 5 evidence files (PDF, JPEG or PNG, 10 MB each).

    The files are checked by merchant_api.uploads.check_evidence, before anything is stored."""

    statement = forms.CharField(label=_("Statement"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)
    files = MultipleFileField(
        label=_("Evidence files"), required=False,
        help_text=_("Up to 5 files: PDF, JPEG or PNG, at most 10 MB each."))
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, streamed_refusal=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.streamed_refusal = streamed_refusal  # files the upload handler cut short (too large, too many)

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        if self.streamed_refusal is not None:
            raise forms.ValidationError(str(self.streamed_refusal),
                                        code=self.streamed_refusal.context.get("code", "invalid"))
        try:
            return [upload for upload, _digest in check_evidence(files)]
        except serializers.ValidationError as exc:
            raise forms.ValidationError(_messages(exc.detail.get("files", exc.detail))) from None

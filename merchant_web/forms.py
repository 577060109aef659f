"""Forms of the merchants' pages. Their checks are the read model's and the domain's own rules
(portal.dates.checked_range, cases.evidence through portal.uploads), the same ones the API calls."""
from django import forms
from django.utils.translation import gettext_lazy as _

from cases.errors import EvidenceRejected
from portal.dates import RangeError, checked_range, platform_today
from portal.uploads import checked_evidence
from riskcase.lib.forms import MultipleFileField

ISO_DATE = {"type": "date"}
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class RangeForm(forms.Form):
    """A range of days within the last 3 months (portal.dates.checked_range, as the API checks it)."""

    # An <input type=date> takes only ISO days; the locale's format ("2026/10/31") would leave it empty.
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(ISO_DATE, format="%Y-%m-%d"))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(ISO_DATE, format="%Y-%m-%d"))
    # One of the merchant's products (its own days); kept across a change of range.
    product = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            start, end = checked_range(platform_today(), data.get("start"), data.get("end"))
        except RangeError as error:
            self.add_error(error.field, error.message)
            return data
        return {"start": start, "end": end}


class _EvidenceFilesMixin:
    """The files of an appeal or a rectification: checked by portal.uploads.checked_evidence before anything is
    stored; files the upload handler cut short are refused first."""

    def __init__(self, *args, streamed_refusal=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.streamed_refusal = streamed_refusal  # files the upload handler cut short (too large, too many)

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        if self.streamed_refusal is not None:
            raise forms.ValidationError(str(self.streamed_refusal),
                                        code=self.streamed_refusal.context.get("code", "invalid"))
        try:
            return [upload for upload, _digest in checked_evidence(files)]
        except EvidenceRejected as error:
            raise forms.ValidationError(str(error), code=error.context.get("code", "invalid")) from None


class RectificationForm(_EvidenceFilesMixin, forms.Form):
    """The merchant's answer to a warning (整改说明): a note and up to 5 files, once per warning
    (cases.services.warning_rectify, as the API's warnings/{id}/rectify/)."""

    note = forms.CharField(label=_("Rectification note"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000,
                           help_text=_("What you found and what you changed; the reviewers read it with the warning."))
    files = MultipleFileField(
        label=_("Files"), required=False, accept=ACCEPT,
        help_text=_("Up to 5 files: PDF, JPEG or PNG, at most 10 MB each."))
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class AppealForm(_EvidenceFilesMixin, forms.Form):
    """An appeal (申诉): a statement and up to 5 evidence files (PDF, JPEG or PNG, 10 MB each).

    The files are checked by portal.uploads.checked_evidence, before anything is stored."""

    statement = forms.CharField(label=_("Statement"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)
    files = MultipleFileField(
        label=_("Evidence files"), required=False, accept=ACCEPT,
        help_text=_("Up to 5 files: PDF, JPEG or PNG, at most 10 MB each."))
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

"""Reviewers write the guidance: each save publishes a new version; no version is edited or deleted."""
from django.contrib import admin

from .guidance import SECTIONS, guidance_publish
from .models import GuidanceVersion


@admin.register(GuidanceVersion)
class GuidanceVersionAdmin(admin.ModelAdmin):
    list_display = ("risk_point", "language", "version", "created_by", "created_at")
    list_filter = ("risk_point", "language")
    list_select_related = ("created_by",)
    fields = ("risk_point", "language", *SECTIONS)

    def has_change_permission(self, request, obj=None):
        return False  # the change page is read-only; "add" with the same risk point and language is the edit

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changeform_initial_data(self, request):
        """?risk_point=&language= starts from the latest version's text, so an edit is a small change."""
        initial = super().get_changeform_initial_data(request)
        latest = (GuidanceVersion.objects.filter(risk_point=initial.get("risk_point"),
                                                 language=initial.get("language")).order_by("-version").first())
        if latest is not None:
            initial.update({name: getattr(latest, name) for name in SECTIONS})
        return initial

    def save_model(self, request, obj, form, change):
        created = guidance_publish(author=request.user, **{k: form.cleaned_data[k] for k in
                                                            ("risk_point", "language", *SECTIONS)})
        obj.pk, obj.version = created.pk, created.version
        obj._state.adding = False

"""Labels of a model field's choices for many rows at once."""
from types import MappingProxyType

from django.utils.translation import get_language

_translated = {}  # (model, field name, language) -> its labels: the catalogues do not change while running


def display_labels(model, field_name):
    """{value: label} of `model.field_name`'s choices in the active language, exactly as get_<field>_display()
    gives them: `labels.get(value, value)`. get_<field>_display() translates every choice on each call (it
    hashes the lazy labels), which costs more than the rest of a row when a body has hundreds of them; here
    each language's labels are translated once per process (read-only)."""
    key = (model, field_name, get_language())
    labels = _translated.get(key)
    if labels is None:
        labels = _translated[key] = MappingProxyType(
            {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices})
    return labels

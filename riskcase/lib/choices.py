"""Labels of a model field's choices for many rows at once."""


def display_labels(model, field_name):
    """{value: label} of `model.field_name`'s choices in the active language, exactly as get_<field>_display()
    gives them: `labels.get(value, value)`. get_<field>_display() translates every choice on each call (it
    hashes the lazy labels), which costs more than the rest of a row when a body has hundreds of them."""
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}

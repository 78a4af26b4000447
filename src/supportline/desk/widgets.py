"""The desk forms' renderer (issue 15): the commonest widgets written in Python.

Django renders every widget through its templates — a `<select>` includes a template per
option and one for each element's attributes — and the desk pages render dozens of fields
(the queue's filters and bulk form, a ticket's action forms). `DeskFormRenderer` writes the
same markup as Django's templates for `<select>`, the `<input>` family and `<textarea>`, with
the same escaping, and leaves every other template (labels, errors, the form layouts, other
widgets, any value it does not know how to write) to Django's renderer.
tests/desk/test_form_renderer.py holds it to Django's output for every field of every desk form.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData

WIDGETS = "django/forms/widgets/"
SELECT_OPTION = WIDGETS + "select_option.html"


def esc(text: object) -> str:
    """`conditional_escape`, without its lazy-argument wrapper for a plain `str` (a page
    escapes thousands of them: issue 15); the same text either way."""
    if type(text) is str:
        return html.escape(text)
    return str(conditional_escape(text))  # type: ignore[arg-type]


class _Unsure(Exception):
    """A value the Python path does not render exactly as the template would."""


def _text(value: object) -> str:
    """`{{ value }}` of a text (escaped); anything else the template would localize."""
    if isinstance(value, str):
        return esc(value)
    if isinstance(value, Promise):
        return esc(str(value))
    raise _Unsure


def _formatted(value: object) -> str:
    """`{{ value|stringformat:'s' }}`: "%s" of the value, escaped unless it was safe."""
    if isinstance(value, tuple):
        value = str(value)
    try:
        text = "%s" % value  # noqa: UP031 - the filter's own formatting
    except (ValueError, TypeError):
        return ""
    return text if isinstance(value, SafeData) else esc(text)


def _attrs(attrs: Mapping[str, Any]) -> str:
    """django/forms/widgets/attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is not False:
            parts.append(" " + _text(name))
            if value is not True:
                parts.append(f'="{_formatted(value)}"')
    return "".join(parts)


def _input(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    shown = f' value="{_formatted(value)}"' if value is not None else ""
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{shown}'
        f"{_attrs(widget['attrs'])}>"
    )


def _textarea(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    body = _text(value) if value else ""
    return f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{body}</textarea>'


def _select(widget: Mapping[str, Any]) -> str:
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in options:
            if option["template_name"] != SELECT_OPTION:
                raise _Unsure
            parts.append(
                f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                # The option's template file ends with a newline, which the include keeps.
                f"{_text(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


# The templates written here: each is only `{% include "django/forms/widgets/input.html" %}`,
# or the select and the textarea.
FAST: dict[str, Callable[[Mapping[str, Any]], str]] = {
    **{
        f"{WIDGETS}{kind}.html": _input
        for kind in (
            "input",
            "text",
            "number",
            "email",
            "url",
            "password",
            "hidden",
            "date",
            "datetime",
            "time",
            "search",
            "tel",
            "color",
            "checkbox",
        )
    },
    WIDGETS + "select.html": _select,
    WIDGETS + "textarea.html": _textarea,
}


def _label(context: Mapping[str, Any]) -> str:
    """django/forms/label.html."""
    label = _text(context["label"])
    if not context["use_tag"]:
        return label
    tag = _text(context["tag"])
    return f"<{tag}{_attrs(context['attrs'] or {})}>{label}</{tag}>"


def _errors(context: Mapping[str, Any]) -> str:
    """django/forms/errors/list/default.html (ul.html) of no errors; others by the template."""
    if context["errors"]:
        raise _Unsure
    return ""


def _field(context: Mapping[str, Any]) -> str:
    """django/forms/field.html of a field without a fieldset."""
    field = context["field"]
    if field.use_fieldset:
        raise _Unsure
    label = field.label_tag() if field.label else ""
    helptext = ""
    if field.help_text:
        shown = f' id="{_text(field.auto_id)}_helptext"' if field.auto_id else ""
        helptext = f'<div class="helptext"{shown}>{field.help_text}</div>'
    errors = esc(field.errors)
    return f"\n  {label}\n\n{helptext}\n{errors}\n{esc(field)}\n"


def _div(context: Mapping[str, Any]) -> str:
    """django/forms/div.html: a form's fields, each in its `<div>`, hidden ones after the last."""
    errors, fields, hidden = context["errors"], context["fields"], context["hidden_fields"]
    hidden_html = "".join(esc(field) for field in hidden)
    parts = [esc(errors), "\n"]
    if errors and not fields:
        parts.append(f"\n  <div>{hidden_html}</div>\n")
    parts.append("\n")
    for n, (field, _field_errors) in enumerate(fields, start=1):
        classes = field.css_classes()
        shown = f' class="{esc(classes)}"' if classes else ""
        parts.append(f"\n  <div{shown}>\n    {esc(field.as_field_group())}\n    ")
        if n == len(fields):
            parts.append(f"\n      {hidden_html}\n    ")
        parts.append("\n</div>\n")
    parts.append("\n")
    if not fields and not errors:
        parts.append(f"\n  {hidden_html}\n")
    parts.append("\n")
    return "".join(parts)


# Templates whose whole context is written here (the field, its label, its empty errors).
FAST_CONTEXT: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "django/forms/label.html": _label,
    "django/forms/errors/list/default.html": _errors,
    "django/forms/errors/list/ul.html": _errors,
    "django/forms/field.html": _field,
    "django/forms/div.html": _div,
}


class DeskFormRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        fast = FAST.get(template_name)
        widget = context.get("widget")
        if fast is not None and isinstance(widget, Mapping):
            try:
                return fast(widget).strip()
            except (_Unsure, KeyError):
                pass
        whole = FAST_CONTEXT.get(template_name)
        if whole is not None:
            try:
                return whole(context).strip()
            except (_Unsure, KeyError):
                pass
        return str(super().render(template_name, context, request))


RENDERER = DeskFormRenderer()

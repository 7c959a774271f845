"""`{% select_options widget %}`: a select's options written in Python, not one template each.

Django renders every <option> through its own template include; the incident list's and the
board's filters (a hundred services, forty teams) spent more time there than on the rest of
the page. templates/django/forms/widgets/select.html calls this instead, for the same HTML.
"""

from django import template
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict) -> str:
    """Write attributes as django/forms/widgets/attrs.html does: True bare, False left out."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(parts)


def _option(option: dict) -> str:
    if option["template_name"] != OPTION_TEMPLATE:  # a widget with an option template of its own
        return render_to_string(option["template_name"], {"widget": option})
    value = conditional_escape(str(option["value"]))
    label = conditional_escape(option["label"])
    return f'<option value="{value}"{_attrs(option["attrs"])}>{label}</option>'


@register.simple_tag
def select_options(widget: dict) -> SafeString:
    """Return the <optgroup>s and <option>s of a select widget's context, as Django writes them
    but without the line and indentation before each (a hundred services: bytes on every page)."""
    parts = []
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'<optgroup label="{conditional_escape(group_name)}">')
        parts.extend(_option(option) for option in group_choices)
        if group_name:
            parts.append("</optgroup>")
    return mark_safe("".join(parts))  # every value above is escaped

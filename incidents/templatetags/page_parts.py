"""`{% cached_part key stored %}…{% endcached_part %}`: a page part from the page cache.

`stored` is the part the view found under `key` (core.page_cache); without it the part
is rendered, and stored when there is a key. The view looks first, so that it can leave out
the queries of a part it will not render.
"""

from django import template
from django.utils.safestring import mark_safe

from core import page_cache

register = template.Library()


class CachedPartNode(template.Node):
    def __init__(self, nodelist, key, stored):
        self.nodelist, self.key, self.stored = nodelist, key, stored

    def render(self, context) -> str:
        stored = self.stored.resolve(context)
        if stored:
            return mark_safe(stored)  # rendered (and escaped) by this template before
        html = self.nodelist.render(context)
        page_cache.put(self.key.resolve(context), html)
        return html


@register.tag
def cached_part(parser, token):
    bits = token.split_contents()
    if len(bits) != 3:
        raise template.TemplateSyntaxError("Use {% cached_part key stored %}.")
    nodelist = parser.parse(("endcached_part",))
    parser.delete_first_token()
    return CachedPartNode(nodelist, parser.compile_filter(bits[1]), parser.compile_filter(bits[2]))

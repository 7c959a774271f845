from django import template

from notifications.services import is_following

register = template.Library()


@register.inclusion_tag("notifications/_follow.html", takes_context=True)
def follow_button(context, incident):
    """Show Follow or Unfollow for the incident: `{% follow_button incident %}`."""
    request = context["request"]
    return {
        "incident": incident,
        "following": is_following(user=request.user, incident=incident),
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }

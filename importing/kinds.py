"""Kinds by the words of a text: a timeline entry's kind, a cause's category, an action item's
kind, each the first in its table whose pattern the text matches.
"""

import re

from incidents.models import ActionItem, Cause, TimelineEvent

EVENT_KINDS = [
    (
        TimelineEvent.Kind.RESOLUTION,
        r"fully restored|resolved|back to normal|returns? to normal|recovered|all clear|"
        r"closed the incident|service restored|resumed? at full",
    ),
    (
        TimelineEvent.Kind.MITIGATION,
        r"corrected|rolled back|roll(ed)? ?back|restart|mitigat|failover|failed over|reverted|fix(ed)? (was )?deployed|patched",
    ),
    (
        TimelineEvent.Kind.DETECTION,
        r"detect|alert(ed)? fired|alerts? fires?|paged|pager fires|pages? the|first alerts|"
        r"noticed|reported",
    ),
    (TimelineEvent.Kind.ESCALATION, r"escalat|paged in|called in|incident declared"),
    (TimelineEvent.Kind.HYPOTHESIS, r"assum|hypothes|suspect|thought|might be|could be"),
    (
        TimelineEvent.Kind.COMMUNICATION,
        r"status page|announce|communicat|customers were|notified|posted",
    ),
    (
        TimelineEvent.Kind.INVESTIGATION,
        r"investigat|debug|explor|analy|identified|looked|checked|examin",
    ),
]
EVENT_KIND_NAMES = {
    name: value
    for value, label in TimelineEvent.Kind.choices
    for name in (value, str(label).lower())
}
CAUSE_CATEGORIES = [
    (Cause.Category.CONFIGURATION, r"config|misconfig|setting"),
    (Cause.Category.CODE_CHANGE, r"deploy|release|code|bug|commit|migration"),
    (Cause.Category.CAPACITY, r"capacity|overload|traffic|load|exhaust|quota|limit"),
    (Cause.Category.DEPENDENCY, r"dependency|third[- ]party|vendor|upstream|provider|library"),
    (Cause.Category.INFRASTRUCTURE, r"network|server|disk|hardware|dns|certificate|host|cluster"),
    (Cause.Category.PROCESS, r"process|procedure|runbook|reminder|nobody owned"),
    (Cause.Category.HUMAN_FACTORS, r"human|manual|typo|mistake|operator"),
]
ACTION_KINDS = [
    (ActionItem.Kind.DETECT, r"monitor|alert|detect|dashboard|observab|page on|paging"),
    (ActionItem.Kind.DOCUMENTATION, r"document|knowledge|runbook|wiki|write[- ]up|share"),
    (ActionItem.Kind.PROCESS, r"process|protocol|training|review|roles|on-?call|policy"),
    (ActionItem.Kind.MITIGATE, r"mitigat|rollback|failover|circuit breaker|fallback"),
]


def classify(text: str, table, default):
    """Return the value of the first pattern in table that the text matches, else default."""
    lowered = text.lower()
    for value, pattern in table:
        if re.search(pattern, lowered):
            return value
    return default

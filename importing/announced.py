"""Action items a document announces outside its action item section: "Actions taken:" and
"Actions planned:" lists in a Resolution section, "Action:", "TODO:" or "Follow-up:" lines,
"We will ..." sentences in the lessons. Taken ones are done, the rest open.
"""

import difflib
import re

from importing.action_items import action_item_from_line
from importing.parsed import ParsedActionItem
from importing.structure import Section
from incidents.models import ActionItem

_LABEL = (
    r"(?P<label>(?:corrective |follow[- ]?up |remediation )?actions?(?: items?)?"
    r"(?: (?P<taken>taken|completed|done)| (?:planned|to take|remaining))?|"
    r"planned actions?|to-?dos?|follow[- ]?ups?|next steps?)"
)
# "Actions taken:", "**Action items:** ...", "TODO: ..." (the colon says it is a label).
LABEL = re.compile(
    r"^\s*(?:\*\*|__)?" + _LABEL + r"\s*(?::\s*(?:\*\*|__)?|(?:\*\*|__)\s*:)\s*(?P<rest>.*)$",
    re.I,
)
# A "### Actions taken" or "Follow-ups" heading inside another section.
LABEL_HEADING = re.compile(r"^\s*" + _LABEL + r"\s*:?\s*$", re.I)
# "We will add ...", "We'll add ...", "We are going to review ...", "We plan to ...".
PROMISE = re.compile(
    r"\b(?:we(?: will|'ll| are going to|'re going to| plan to| intend to))\s+(?:also\s+)?"
    r"(?P<text>[a-z][^.!?]*)",
    re.I,
)
# Promises about the write-up or the conversation, not the system.
NOT_AN_ACTION = re.compile(
    r"^(?:continue|keep|share|publish|post|provide|update|follow up with|be\b|reach out|"
    r"notify|communicate|let\b|not\b|learn|do (?:our|everything)|make sure (?:to|we) share)",
    re.I,
)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# Sections whose prose may promise work; a summary's "we will publish a report" does not.
PROMISING_SECTIONS = {
    None,
    "resolution",
    "root_cause_and_resolution",
    "root_cause",
    "contributing",
    "lessons",
    "went_wrong",
    "went_well",
    "got_lucky",
    "detection",
}


def _item(text: str, line: int, warnings: list[str], *, done: bool) -> ParsedActionItem:
    status = ActionItem.Status.DONE if done else None
    item = action_item_from_line(text, line, warnings, status=status, kind=None)
    item.title = item.title[:1].upper() + item.title[1:]
    return item


def announced_items(section: Section, warnings: list[str]) -> list[ParsedActionItem]:
    """Return the action items a section other than the action items announces."""
    items: list[ParsedActionItem] = []
    for block in section.blocks:
        heading = LABEL_HEADING.match(block.heading) if block is not section.blocks[0] else None
        # Under an "Actions taken" heading, or after an "Actions planned:" line, the list
        # items are the actions; any other line ends the list.
        listing = bool(heading.group("taken")) if heading else None
        paragraph: list[tuple[int, str]] = []
        lines = [line for line in block.body if line.text.strip()]
        for position, line in enumerate(lines):
            text = line.text.strip()
            if line.verbatim:
                listing = None if not heading else listing
                continue
            if line.kind == "item" and listing is not None:
                items.append(_item(text, line.number, warnings, done=listing))
                continue
            if line.kind == "cont" and listing is not None and items:
                continue
            label = LABEL.match(text) if line.kind == "text" else None
            if label and (label.group("rest") or _list_follows(lines, position)):
                if label.group("rest"):
                    items.append(
                        _item(label.group("rest"), line.number, warnings, done=bool(label["taken"]))
                    )
                    listing = None
                else:
                    listing = bool(label.group("taken"))
                continue
            if line.kind == "text":
                listing = None if not heading else listing
                if section.key in PROMISING_SECTIONS:
                    paragraph.append((line.number, text))
        items += _promises(paragraph, warnings)
    return items


def _list_follows(lines, position: int) -> bool:
    return position + 1 < len(lines) and lines[position + 1].kind == "item"


def _promises(paragraph: list[tuple[int, str]], warnings: list[str]) -> list[ParsedActionItem]:
    items = []
    for number, text in paragraph:
        for sentence in SENTENCE_END.split(text):
            match = PROMISE.search(sentence)
            if match and not NOT_AN_ACTION.match(match["text"]):
                items.append(_item(match["text"].strip(), number, warnings, done=False))
    return items


def _words(title: str) -> str:
    return " ".join(re.findall(r"\w+", title.lower()))


def new_items(
    announced: list[ParsedActionItem], listed: list[ParsedActionItem]
) -> list[ParsedActionItem]:
    """Return the announced items that no listed item (nor an earlier announced one) is."""
    kept: list[ParsedActionItem] = []
    for item in announced:
        words = _words(item.title)
        if not any(
            words in _words(other.title)
            or _words(other.title) in words
            or difflib.SequenceMatcher(None, words, _words(other.title)).ratio() >= 0.8
            for other in [*listed, *kept]
        ):
            kept.append(item)
    return kept

"""Action items of a document: headings, bullets, checkboxes or table rows, with the owner,
due date, status and tracker link each writes in its own way.
"""

import re
from datetime import date

from importing.errors import PostmortemImportError
from importing.kinds import ACTION_KINDS, classify
from importing.parsed import ParsedActionItem
from importing.structure import BULLET, Section, column, table_rows
from incidents.models import ActionItem

STATUS_WORDS = [
    (
        ActionItem.Status.DONE,
        r"^(✅\s*)?(done|complete[d]?|closed|fixed|finished|resolved|yes|✅)$",
    ),
    (ActionItem.Status.IN_PROGRESS, r"^(in[ -]?progress|wip|started|ongoing|doing)$"),
    (ActionItem.Status.WONT_DO, r"^(won'?t ?(do|fix)|wontfix|cancell?ed|dropped|rejected)$"),
    (ActionItem.Status.OPEN, r"^(open|to ?do|todo|not started|planned|pending|new|-|)$"),
]


def _status(text: str, line: int) -> str:
    cleaned = text.strip().strip("*_`").strip().lower()
    for value, pattern in STATUS_WORDS:
        if re.search(pattern, cleaned):
            return value
    raise PostmortemImportError(
        f"{text.strip()!r} is not a status (open, in progress, done, won't do)", line
    )


def _due(text: str, line: int) -> date | None:
    text = text.strip().strip("*_`")
    if not text or text in {"-", "—", "tbd", "TBD", "n/a"}:
        return None
    match = re.search(r"\d{4}-\d{1,2}-\d{1,2}", text)
    if not match:
        raise PostmortemImportError(f"{text!r} is not a due date; write it as YYYY-MM-DD", line)
    try:
        return date.fromisoformat("-".join(part.zfill(2) for part in match.group(0).split("-")))
    except ValueError:
        raise PostmortemImportError(f"{match.group(0)!r} is not a valid date", line) from None


OWNER = re.compile(
    r"\b(?:owner|assignee|assigned to|owned by)\b\s*[:=]?\s*@?([\w.@+-]+(?: [A-Z][\w-]+)?)", re.I
)
AT_MENTION = re.compile(r"(?<![\w.])@([\w.+-]+)")
DUE = re.compile(r"\b(?:due(?: date| by| on)?)\s*[:=]?\s*(\S+)", re.I)
STATUS_FIELD = re.compile(r"\bstatus\s*[:=]\s*([\w' -]+?)(?:[,;)]|$)", re.I)
CHECKBOX = re.compile(r"^\s*[-*+]\s+\[(?P<mark>[ xX✓])\]\s*(?P<text>.*)$")


TITLE_AND_TEXT = re.compile(r"^(?:\*\*|__)(?P<title>.+?)(?:\*\*|__)\s*[:.\-–—]?\s*(?P<text>.*)$")


def _lenient(read, text: str, line: int, default, warnings: list[str]):
    """Return read(text, line), or the default with a warning when the text is unreadable."""
    try:
        return read(text, line)
    except PostmortemImportError as error:
        warnings.append(f"{error}; left unset, the text is kept")
        return default


def _action_item(
    text: str, line: int, warnings: list[str], *, done: bool | None = None
) -> ParsedActionItem:
    details = text
    owner = ""
    if match := OWNER.search(details):
        owner = match.group(1).strip().rstrip(",;)")
    elif match := AT_MENTION.search(details):
        owner = match.group(1)
    due = None
    if match := DUE.search(details):
        due = _lenient(_due, match.group(1).rstrip(",;)"), line, None, warnings)
    status = ActionItem.Status.DONE if done else ActionItem.Status.OPEN
    if match := STATUS_FIELD.search(details):
        status = _lenient(_status, match.group(1), line, status, warnings)
    # What remains once the fields are taken out is the title and description.
    core = re.sub(r"\((?:[^()]*\b(?:owner|due|status|assignee)\b[^()]*)\)", "", details, flags=re.I)
    core = re.split(r"\s[—–-]\s(?=(?:owner|due|status)\b)", core, flags=re.I)[0]
    core = OWNER.sub("", core) if owner and OWNER.search(core) else core
    core = re.sub(r"\(\s*[,;]?\s*\)", "", DUE.sub("", AT_MENTION.sub("", core)))
    core = core.strip().rstrip(",;").strip()
    if match := TITLE_AND_TEXT.match(core):
        title, description = match["title"].strip(), match["text"].strip()
    elif re.search(r":(?!//)", core[:80]):
        title, description = (part.strip() for part in re.split(r":(?!//)", core, maxsplit=1))
    else:
        title, description = core, ""
    title = " ".join(MD_LINK.sub(r"\1", title).split()).rstrip(":.").strip()
    if not title:
        title = (description or text)[:80] or "(untitled action item)"
    return ParsedActionItem(
        title=title[:200],
        description=description,
        kind=classify(f"{title} {description}", ACTION_KINDS, ActionItem.Kind.PREVENT),
        owner=owner,
        due_date=due,
        status=status,
    )


GROUP_STATUS = [
    (ActionItem.Status.DONE, r"\b(?:done|completed?|finished|closed|taken|resolved)\b"),
    (ActionItem.Status.IN_PROGRESS, r"\bin[ -]progress|ongoing|underway\b"),
    (ActionItem.Status.WONT_DO, r"won'?t do|not doing|dropped|rejected"),
]
GROUP_KIND = [
    (ActionItem.Kind.MITIGATE, r"immediate|short[- ]term|mitigat"),
    (ActionItem.Kind.DETECT, r"detect|monitor|alert"),
    (ActionItem.Kind.PROCESS, r"process|people|communication"),
    (ActionItem.Kind.DOCUMENTATION, r"document"),
    (ActionItem.Kind.PREVENT, r"long[- ]term|prevent"),
]
DONE_MARK = re.compile(r"^(?:✅|✔️?|☑️?|\[[xX✓]\])\s*")
STRUCK = re.compile(r"^~~(?P<text>.+?)~~(?P<rest>.*)$")
STATUS_PREFIX = re.compile(
    r"^(?:\*\*|__)?(?P<word>DONE|TODO|WIP|IN PROGRESS|OPEN|CLOSED|COMPLETED?|PLANNED)"
    r"(?:\*\*|__)?\s*[:\-–—]\s*(?:\*\*|__)?\s*",
    re.I,
)
STATUS_NOTE = re.compile(
    r"\s*[\(\[](?P<word>done|completed?|in progress|wip|won'?t do)(?:[^)\]]*)[\)\]]\s*", re.I
)
TEAM_PREFIX = re.compile(r"^\[(?P<team>[A-Za-z][\w &/-]{1,30})\]\s*")
DASH_OWNER = re.compile(r"\s+[—–]\s+(?P<owner>@[\w.-]+|[A-Z][\w.-]*(?: [A-Z][\w.-]*)?)\s*$")
MD_LINK = re.compile(r"\[([^\]]+)\]\((?:https?://|/)[^)]*\)")
# "Rotate the keys : Dana Lee" (a colon with spaces before and after, a short name)
SPACED_COLON_OWNER = re.compile(r"\s+:\s+(?P<owner>@?[A-Za-z][\w.-]*(?: [A-Z][\w.-]*){0,2})\s*$")
URL = re.compile(r"https?://[^\s)>\]]+")
INLINE_ITEM = re.compile(r"^(?:\*\*|__)?action(?: item)?:?(?:\*\*|__)?\s*:?\s*(?P<text>.+)$", re.I)


def action_item_from_line(
    text: str, line: int, warnings: list[str], *, status: str | None, kind: str | None
) -> ParsedActionItem:
    """Read one action item in its usual shapes: [x], ✅, ~~struck~~, DONE:, (in progress),
    [TEAM], — owner, @handle, Owner: name, a tracker URL."""
    done = None
    if match := CHECKBOX.match(text):
        text, done = match["text"], match["mark"] != " "
    elif match := BULLET.match(text):
        text = match["text"]
    text = text.strip()
    if DONE_MARK.match(text):
        text, done = DONE_MARK.sub("", text, count=1), True
    if match := STRUCK.match(text):
        text, done = f"{match['text']}{match['rest']}", True
    found_status = None
    if match := STATUS_PREFIX.match(text):
        word = match["word"].lower()
        found_status = (
            "done"
            if word in {"done", "closed", "complete", "completed"}
            else "in_progress"
            if word in {"wip", "in progress"}
            else "open"
        )
        text = text[match.end() :]
    if match := STATUS_NOTE.search(text):
        word = match["word"].lower()
        found_status = (
            "done"
            if word.startswith(("done", "complete"))
            else "wont_do"
            if word.startswith("won")
            else "in_progress"
        )
        text = (text[: match.start()] + " " + text[match.end() :]).strip()
    owner = ""
    if match := TEAM_PREFIX.match(text):
        owner, text = match["team"], text[match.end() :]
    if not owner and (match := DASH_OWNER.search(text) or SPACED_COLON_OWNER.search(text)):
        owner, text = match["owner"].lstrip("@"), text[: match.start()]
    tracker = URL.search(text)
    text = MD_LINK.sub(r"\1", text)  # "[PROJ-42](https://…)": the key stays, the URL moves
    if tracker and URL.sub("", text).strip(" -—–:()[]"):
        text = URL.sub("", text)  # the link goes to the tracker field
    item = _action_item(text, line, warnings, done=done)
    if owner and not item.owner:
        item.owner = owner
    if found_status:  # "(won't do: …)" says more than a strikethrough
        item.status = found_status
    elif status and item.status == ActionItem.Status.OPEN and done is None:
        item.status = status
    if kind and item.kind == ActionItem.Kind.PREVENT:
        item.kind = kind
    if tracker:
        item.tracker_url = tracker.group(0)[:200]
    return item


def action_items(section: Section, warnings: list[str]) -> tuple[list[ParsedActionItem], list[str]]:
    """Return the items of an action item section and the text that is no item.

    A sub-heading followed by a list or table is a group ("Completed", "Long term") that
    sets its items' status or kind; a sub-heading followed by text is an item itself.
    """
    items: list[ParsedActionItem] = []
    leftovers: list[str] = []
    for block in section.blocks:
        body = [line for line in block.body if line.text.strip()]
        status = kind = None
        if block is not section.blocks[0]:
            first = body[0] if body else None
            if first is not None and first.kind in {"item", "table"}:
                heading = block.heading.lower()
                status = classify(heading, GROUP_STATUS, None)
                kind = classify(heading, GROUP_KIND, None)
            else:
                paragraph = []
                for line in body:
                    if line.kind != "text" or (paragraph and line.starts_paragraph):
                        break
                    paragraph.append(line.text.strip())
                items.append(
                    _action_item(f"**{block.heading}** {' '.join(paragraph)}", block.line, warnings)
                )
                body = body[len(paragraph) :]
        table = table_rows([line for line in body if line.kind == "table"])
        if table:
            items += _table_items(table, warnings, status=status, kind=kind)
        for line in body:
            text = line.text.strip()
            if line.kind in {"table", "hr"}:
                continue
            if line.verbatim:
                leftovers.append(line.text)
            elif line.kind == "item":
                items.append(
                    action_item_from_line(text, line.number, warnings, status=status, kind=kind)
                )
            elif line.kind == "cont" and items and items[-1] is not None:
                # Sub-bullets and wrapped lines belong to the item above.
                items[-1].description = f"{items[-1].description}\n{text}".strip()
            elif match := INLINE_ITEM.match(text):
                items.append(
                    action_item_from_line(
                        match["text"], line.number, warnings, status=status, kind=kind
                    )
                )
            else:
                leftovers.append(text)
    return items, leftovers


def _table_items(table, warnings: list[str], *, status, kind) -> list[ParsedActionItem]:
    header, rows = table
    title_col = column(header, "action", "title", "item", "task", "what", "measure", "description")
    owner_col = column(header, "owner", "assignee", "who", "responsible")
    due_col = column(header, "due", "deadline", "eta", "target")
    status_col = column(header, "status", "state", "done")
    kind_col = column(header, "type", "kind", "category")
    ticket_col = column(header, "ticket", "issue", "link", "tracker", "jira", "bug")
    items = []
    for line, cells in rows:

        def cell(index, cells=cells):
            return cells[index] if index is not None and index < len(cells) else ""

        title = cell(title_col) or cells[0]
        title_match = TITLE_AND_TEXT.match(title)
        struck = STRUCK.match(title.strip())
        row_status = _lenient(_status, cell(status_col), line.number, "open", warnings)
        if struck or DONE_MARK.match(cell(status_col)):
            row_status = ActionItem.Status.DONE
        elif status and not cell(status_col):
            row_status = status
        tracker = URL.search(cell(ticket_col)) or URL.search(title)
        item = ParsedActionItem(
            title=(title_match["title"] if title_match else title).strip("~ ")[:200],
            description=title_match["text"].strip() if title_match else "",
            kind=classify(
                f"{cell(kind_col)} {title}", ACTION_KINDS, kind or ActionItem.Kind.PREVENT
            ),
            owner=cell(owner_col).lstrip("@").strip("*_ "),
            due_date=_lenient(_due, cell(due_col), line.number, None, warnings),
            status=row_status,
            tracker_url=tracker.group(0)[:200] if tracker else "",
        )
        if cell(ticket_col) and not tracker:
            item.description = f"{item.description}\nTicket: {cell(ticket_col)}".strip()
        items.append(item)
    return items

"""Published versions: freeze the document when it is published, and compare two of them.

A version stores the document three ways, each as it was at publishing: the rendered HTML
(built from sanitized Markdown, so it is shown as it is), the JSON export (structured data)
and the Markdown export, whose marked headings let two versions be compared section by
section.
"""

import difflib
import re
from dataclasses import dataclass, field

from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from incidents.models import Incident, User
from incidents.selectors import incident_for_document
from postmortems.exporting import exporters
from postmortems.models import Postmortem, PublishedVersion
from postmortems.render import build_document


def _snapshot(incident: Incident) -> dict:
    # Loaded again with the document's prefetches: the caller's copy may lack them, or be
    # stale after the writes of the same transaction.
    incident = incident_for_document(None).get(pk=incident.pk)
    document = build_document(incident)
    return {
        "layout": document.style,
        "html": render_to_string("postmortems/_frozen_document.html", {"document": document}),
        "data": exporters.export_json(incident),
        "markdown": exporters.export_markdown(incident),
        "frozen_at": timezone.now(),
    }


def freeze_version(*, postmortem: Postmortem, actor: User | None) -> PublishedVersion:
    """Store the document as published now, as the postmortem's next version.

    Call it inside the publishing transaction, after the status changed.
    """
    last = postmortem.versions.aggregate(last=Max("number"))["last"] or 0
    return PublishedVersion.objects.create(
        postmortem=postmortem,
        number=last + 1,
        published_at=postmortem.published_at or timezone.now(),
        published_by=actor,
        **_snapshot(postmortem.incident),
    )


def fill_unfrozen_versions(postmortem: Postmortem) -> None:
    """Freeze the versions the migration made empty, from the still-published document.

    Call it before a published postmortem can change (reopening) and before showing one.
    """
    if not postmortem.is_published:
        return
    empty = postmortem.versions.filter(frozen_at__isnull=True)
    if empty.exists():
        empty.update(**_snapshot(postmortem.incident))


def latest_number(postmortem: Postmortem | None) -> int | None:
    """Return the number of the version a published postmortem shows, else None."""
    if postmortem is None or not postmortem.is_published:
        return None
    return postmortem.versions.aggregate(last=Max("number"))["last"]


def versions_of(postmortem: Postmortem | None) -> list[PublishedVersion]:
    """Return the postmortem's published versions for a list, without their stored bodies."""
    if postmortem is None:
        return []
    return list(
        postmortem.versions.select_related("published_by").defer("html", "data", "markdown")
    )


# --- Comparing two versions ---

_HEADING = re.compile(r"^(#{2,3}) (?P<title>.*?)\s*(?:<!-- pm:(?P<key>[\w-]+) -->)?\s*$")


@dataclass
class Line:
    op: str  # "same", "added" or "removed"
    text: str
    # For a changed line: its text in runs of ("same" | op, text), so the page marks the
    # words that changed rather than the whole line. Empty when the line is all new or gone.
    words: list[tuple[str, str]] = field(default_factory=list)


_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")
# Below this likeness two lines are a removal and an addition, not one line changed.
_SAME_LINE = 0.4


def _runs(pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    runs: list[tuple[str, str]] = []
    for op, text in pieces:
        if runs and runs[-1][0] == op:
            runs[-1] = (op, runs[-1][1] + text)
        else:
            runs.append((op, text))
    return runs


def _mark_words(removed: Line, added: Line) -> None:
    """Fill in the words that changed between a removed line and the added line after it."""
    old, new = _TOKENS.findall(removed.text), _TOKENS.findall(added.text)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if matcher.ratio() < _SAME_LINE:
        return
    old_pieces, new_pieces = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            old_pieces.append(("same", "".join(old[i1:i2])))
            new_pieces.append(("same", "".join(new[j1:j2])))
            continue
        if i2 > i1:
            old_pieces.append(("removed", "".join(old[i1:i2])))
        if j2 > j1:
            new_pieces.append(("added", "".join(new[j1:j2])))
    removed.words, added.words = _runs(old_pieces), _runs(new_pieces)


def _pair_changed_lines(lines: list[Line]) -> None:
    """Pair each run of removed lines with the run of added lines that follows it."""
    index = 0
    while index < len(lines):
        if lines[index].op != "removed":
            index += 1
            continue
        end = index
        while end < len(lines) and lines[end].op == "removed":
            end += 1
        after = end
        while after < len(lines) and lines[after].op == "added":
            after += 1
        for removed, added in zip(lines[index:end], lines[end:after], strict=False):
            _mark_words(removed, added)
        index = after


@dataclass
class SectionChange:
    title: str
    status: str  # "added", "removed", "changed" or "same"
    lines: list[Line] = field(default_factory=list)


@dataclass
class ItemChange:
    title: str
    status: str
    changes: list[str] = field(default_factory=list)


@dataclass
class VersionDiff:
    old: PublishedVersion
    new: PublishedVersion
    sections: list[SectionChange]
    action_items: list[ItemChange]

    @property
    def changed(self) -> bool:
        return any(s.status != "same" for s in self.sections) or bool(self.action_items)


def split_sections(markdown: str) -> dict[str, tuple[str, list[str]]]:
    """Return {section key: (heading, body lines)} of a Markdown export, in order.

    The export marks each heading with its key; a repeated key (one per cause) is numbered.
    """
    sections: dict[str, tuple[str, list[str]]] = {}
    current = None
    seen: dict[str, int] = {}
    for line in markdown.splitlines():
        heading = _HEADING.match(line)
        if heading:
            base = heading["key"] or heading["title"].lower()
            seen[base] = seen.get(base, 0) + 1
            current = base if seen[base] == 1 else f"{base}-{seen[base]}"
            sections[current] = (heading["title"], [])
        elif current is not None:
            sections[current][1].append(line)
    return {
        key: (title, [ln for ln in body if ln.strip()]) for key, (title, body) in sections.items()
    }


# Compared item by item from the structured data (ItemChange), not as table rows.
_COMPARED_AS_ITEMS = {"action_items"}


def _section_changes(old_md: str, new_md: str) -> list[SectionChange]:
    old, new = split_sections(old_md), split_sections(new_md)
    for key in _COMPARED_AS_ITEMS:
        old.pop(key, None)
        new.pop(key, None)
    result = []
    for key in [*new, *(k for k in old if k not in new)]:
        if key not in old:
            title, body = new[key]
            result.append(SectionChange(title, "added", [Line("added", t) for t in body]))
        elif key not in new:
            title, body = old[key]
            result.append(SectionChange(title, "removed", [Line("removed", t) for t in body]))
        else:
            lines = []
            for text in difflib.ndiff(old[key][1], new[key][1]):
                op = {"+ ": "added", "- ": "removed", "  ": "same"}.get(text[:2])
                if op:
                    lines.append(Line(op, text[2:]))
            _pair_changed_lines(lines)
            status = "same" if all(ln.op == "same" for ln in lines) else "changed"
            result.append(SectionChange(new[key][0], status, lines))
    return result


_ITEM_FIELDS = ("description", "kind", "priority", "owner", "due_date", "status")


def _item_changes(old_data: dict, new_data: dict) -> list[ItemChange]:
    old = {item["title"]: item for item in old_data.get("action_items", [])}
    new = {item["title"]: item for item in new_data.get("action_items", [])}
    result = []
    for title, item in new.items():
        if title not in old:
            result.append(ItemChange(title, "added"))
            continue
        changes = [
            f"{name.replace('_', ' ')}: {old[title].get(name) or '—'} → {item.get(name) or '—'}"
            for name in _ITEM_FIELDS
            if old[title].get(name) != item.get(name)
        ]
        if changes:
            result.append(ItemChange(title, "changed", changes))
    result += [ItemChange(title, "removed") for title in old if title not in new]
    return result


def compare(old: PublishedVersion, new: PublishedVersion) -> VersionDiff:
    """Return what changed from version old to version new, by section and action item."""
    return VersionDiff(
        old=old,
        new=new,
        sections=_section_changes(old.markdown, new.markdown),
        action_items=_item_changes(old.data, new.data),
    )


def frozen_html(version: PublishedVersion) -> SafeString:
    """Return the stored document; it was built from sanitized Markdown when frozen."""
    # Rendered by our own templates from sanitized Markdown when it was frozen.
    return mark_safe(version.html)

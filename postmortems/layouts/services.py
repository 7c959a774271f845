"""Writes to postmortem templates: create, edit, copy, retire, and each team's default.

Editing a template changes the drafts written in it (titles, order, prompts, what is
required); a postmortem in review or published keeps the sections it has, so its text and
shape never change under its readers.
"""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from incidents.models import Team, User
from postmortems.layouts import history
from postmortems.layouts.builtin_templates import BUILT_IN
from postmortems.layouts.sections import sync_sections
from postmortems.models import (
    Postmortem,
    PostmortemTemplate,
    SectionKind,
    TeamTemplateDefault,
    TemplateSection,
)
from postmortems.permissions import managed_team_ids

# Keys the Markdown export uses for parts drawn from the incident, or for its own marks.
RESERVED_KEYS = {"cause", "cause_resolution", "group", "template"} | {
    kind for kind in SectionKind.values if kind not in {"markdown", "resolution"}
}
BUILT_IN_IS_READ_ONLY = "Built-in templates cannot be changed; copy one and change the copy."


# A section titled like one of the built-in ones gets its key, so switching between the
# built-in templates and a team's keeps the text in that section.
KNOWN_KEYS = {
    spec.title.lower(): spec.key
    for _style, _description, specs in BUILT_IN.values()
    for spec in specs
    if spec.kind == "markdown"
}


def section_key(title: str, taken: set[str]) -> str:
    """Return a key for a new free-text section: its title as a slug, unique in the template."""
    known = KNOWN_KEYS.get(" ".join(title.split()).lower())
    if known and known not in taken:
        return known
    base = re.sub(r"[^a-z0-9_]", "", slugify(title).replace("-", "_"))[:40] or "section"
    if base in RESERVED_KEYS:
        base = f"{base}_notes"
    key, number = base, 2
    while key in taken:
        key, number = f"{base}_{number}", number + 1
    return key


def _check_name(name: str, template: PostmortemTemplate | None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Give the template a name."})
    clash = PostmortemTemplate.objects.filter(name__iexact=name)
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    if clash.exists():
        raise ValidationError({"name": f"A template named “{name}” exists; pick another name."})
    return name


def _save_sections(template: PostmortemTemplate, sections: list[dict[str, Any]]) -> None:
    """Make the template's sections these, in this order: by id when kept, new otherwise."""
    existing = {s.pk: s for s in template.sections.all()}
    kept_ids = {spec["id"] for spec in sections if spec.get("id") in existing}
    TemplateSection.objects.filter(template=template).exclude(pk__in=kept_ids).delete()
    taken = {existing[pk].key for pk in kept_ids}
    kinds_seen: set[str] = set()
    rows = []
    for position, spec in enumerate(sections):
        kind = spec.get("kind") or SectionKind.MARKDOWN
        if kind not in {"markdown", "resolution"}:
            if kind in kinds_seen:
                label = SectionKind(kind).label
                raise ValidationError(f"A template can show “{label}” once; remove the second.")
            kinds_seen.add(kind)
        row = existing.get(spec.get("id")) or TemplateSection(template=template)
        if row.pk is None:
            # Structured parts keep their kind as key: the export marks them so.
            row.key = kind if kind in RESERVED_KEYS else section_key(spec["title"], taken)
            taken.add(row.key)
        elif row.kind != kind and (kind in RESERVED_KEYS or row.key in RESERVED_KEYS):
            raise ValidationError(
                f"“{row.title}” cannot change between text and a part drawn from the "
                "incident; remove it and add a new section instead."
            )
        row.title = " ".join(spec["title"].split())[:100]
        row.kind = kind
        row.help_text = spec.get("help_text", "")
        row.required = bool(spec.get("required"))
        row.group = spec.get("group", "")
        row.synonyms = spec.get("synonyms", "")
        row.position = position
        rows.append(row)
    for row in rows:
        row.full_clean(exclude=["template"])
        row.save()


def _refresh_drafts(template: PostmortemTemplate) -> int:
    """Bring the drafts written in the template in line with it; return how many."""
    drafts = Postmortem.objects.filter(template=template, status=Postmortem.Status.DRAFT)
    count = 0
    for postmortem in drafts.iterator(chunk_size=200):
        sync_sections(postmortem, template)
        count += 1
    return count


def _set_defaults(template: PostmortemTemplate, teams: list[Team] | None) -> None:
    if teams is None:
        return
    TeamTemplateDefault.objects.filter(template=template).exclude(team__in=teams).delete()
    for team in teams:
        TeamTemplateDefault.objects.update_or_create(team=team, defaults={"template": template})


@transaction.atomic
def template_create(
    *,
    actor: User,
    name: str,
    description: str = "",
    team: Team | None = None,
    sections: list[dict[str, Any]],
    default_for: list[Team] | None = None,
) -> PostmortemTemplate:
    """Make a template with these sections (dicts of title, kind, help_text, required,
    group, synonyms), optionally the default of some teams."""
    template = PostmortemTemplate(
        name=_check_name(name, None), description=description, team=team, created_by=actor
    )
    template.full_clean(exclude=["name"], validate_constraints=False)
    template.save()
    _save_sections(template, sections)
    _set_defaults(template, default_for)
    count = len(sections)
    history.record(template, actor, [f"Made with {count} section{'s' if count != 1 else ''}"])
    return template


@transaction.atomic
def template_update(
    *,
    template: PostmortemTemplate,
    actor: User,
    name: str,
    description: str = "",
    team: Team | None = None,
    sections: list[dict[str, Any]],
    default_for: list[Team] | None = None,
) -> int:
    """Change the template; sections with an id are kept by it (so drafts keep their text
    in them). Return how many drafts followed the change."""
    if template.built_in:
        raise ValidationError(BUILT_IN_IS_READ_ONLY)
    # From the database: a bound ModelForm has already written the new values on template.
    before = history.snapshot(PostmortemTemplate.objects.get(pk=template.pk))
    template.name = _check_name(name, template)
    template.description = description
    template.team = team
    template.save()
    _save_sections(template, sections)
    _set_defaults(template, default_for)
    history.record(template, actor, history.describe(before, history.snapshot(template)))
    return _refresh_drafts(template)


@transaction.atomic
def template_copy(*, template: PostmortemTemplate, actor: User) -> PostmortemTemplate:
    """Make an editable copy of the template, its sections and their keys included."""
    name, number = f"Copy of {template.name}", 2
    while PostmortemTemplate.objects.filter(name__iexact=name).exists():
        name, number = f"Copy of {template.name} ({number})", number + 1
    managed = managed_team_ids(actor)
    # A copy stays with its team only where the copier manages it: else it would be a
    # template its maker may not change (permissions.can_edit_template).
    keeps_team = template.team_id is not None and (managed is None or template.team_id in managed)
    copy = PostmortemTemplate.objects.create(
        name=name[:100],
        description=template.description,
        team=template.team if keeps_team else None,
        style=template.style,
        created_by=actor,
    )
    TemplateSection.objects.bulk_create(
        TemplateSection(
            template=copy,
            key=s.key,
            title=s.title,
            help_text=s.help_text,
            required=s.required,
            kind=s.kind,
            group=s.group,
            synonyms=s.synonyms,
            position=s.position,
        )
        for s in template.sections.all()
    )
    history.record(copy, actor, [f"Copied from “{template.name}”"])
    return copy


@transaction.atomic
def template_retire(*, template: PostmortemTemplate, actor: User, retired: bool = True) -> None:
    """Stop offering the template for new postmortems (or offer it again).

    Postmortems written in it keep it; teams that had it as default fall back to Classic.
    """
    if template.built_in:
        raise ValidationError(BUILT_IN_IS_READ_ONLY)
    changed = PostmortemTemplate.objects.filter(pk=template.pk, retired_at__isnull=retired).update(
        retired_at=timezone.now() if retired else None
    )
    template.refresh_from_db(fields=["retired_at"])
    if changed:
        history.record(template, actor, ["Retired" if retired else "Offered again"])

"""A postmortem's sections: the built-in templates, the template a postmortem starts in,
and keeping its own section rows in step with its template."""

from django.db import transaction
from django.db.models import Q

from incidents.models import Team
from postmortems.layouts.builtin_templates import BUILT_IN, CLASSIC
from postmortems.models import (
    Postmortem,
    PostmortemSection,
    PostmortemTemplate,
    TeamTemplateDefault,
    TemplateSection,
)

NOT_IN_TEMPLATE = "not in this template"


def ensure_builtin_templates() -> dict[str, PostmortemTemplate]:
    """Return the built-in templates by name, making any that are missing.

    A migration makes them; this covers databases emptied since (tests flush tables).
    """
    found = {t.name: t for t in PostmortemTemplate.objects.filter(built_in=True)}
    if len(found) == len(BUILT_IN):
        return found
    with transaction.atomic():
        for name, (style, description, specs) in BUILT_IN.items():
            if name in found:
                continue
            template, created = PostmortemTemplate.objects.get_or_create(
                name=name, defaults={"style": style, "description": description, "built_in": True}
            )
            if created:
                TemplateSection.objects.bulk_create(
                    TemplateSection(
                        template=template,
                        key=spec.key,
                        title=spec.title,
                        kind=spec.kind,
                        help_text=spec.help_text,
                        group=spec.group,
                        position=position,
                    )
                    for position, spec in enumerate(specs)
                )
            found[name] = template
    return found


def default_template(team: Team | None = None) -> PostmortemTemplate:
    """Return the template a new postmortem of the team starts in: the team's, else Classic."""
    if team is not None:
        choice = (
            TeamTemplateDefault.objects.filter(team=team, template__retired_at=None)
            .select_related("template")
            .first()
        )
        if choice is not None:
            return choice.template
    return ensure_builtin_templates()[CLASSIC]


def templates_for(team: Team | None) -> "PostmortemTemplate.objects":
    """Return the templates in use that a postmortem of the team may pick.

    The built-in ones are there from their migration (ensure_builtin_templates is for the
    places that need one by name): asking for them here was a query on every document page.
    """
    teams = Q(team=None) | (Q(team=team) if team is not None else Q())
    return PostmortemTemplate.objects.filter(teams, retired_at=None)


def template_of(postmortem: Postmortem) -> PostmortemTemplate:
    """Return the postmortem's template, settling on its team's default when it has none."""
    if postmortem.template_id is None:
        postmortem.template = default_template(postmortem.incident.team)
        Postmortem.objects.filter(pk=postmortem.pk, template=None).update(
            template=postmortem.template
        )
    return postmortem.template


def sync_sections(
    postmortem: Postmortem, template: PostmortemTemplate, bodies: dict[str, str] | None = None
) -> list[PostmortemSection]:
    """Give the postmortem one row per section of the template, matched by key.

    Text is never dropped: a section the template lacks keeps its text and is marked as
    not in the template; one the template has again comes back into place. Titles, order,
    kinds and prompts follow the template. `bodies` sets text by key (an import).
    """
    bodies = dict(bodies or {})
    existing = {s.key: s for s in PostmortemSection.objects.filter(postmortem=postmortem)}
    wanted = list(template.sections.all())
    keys = {spec.key for spec in wanted}
    changed, created = [], []
    fields = ["title", "kind", "help_text", "required", "group", "position", "in_template"]
    for position, spec in enumerate(wanted):
        row = existing.get(spec.key)
        values = {
            "title": spec.title,
            "kind": spec.kind,
            "help_text": spec.help_text,
            "required": spec.required,
            "group": spec.group,
            "position": position,
            "in_template": True,
        }
        if row is None:
            created.append(
                PostmortemSection(
                    postmortem=postmortem, key=spec.key, body=bodies.pop(spec.key, ""), **values
                )
            )
            continue
        if spec.key in bodies:
            row.body = bodies.pop(spec.key)
            values["body"] = row.body
        if any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            changed.append(row)
    position = len(wanted)
    for key, row in existing.items():
        if key in keys:
            continue
        if key in bodies:
            row.body = bodies.pop(key)
        if not row.body.strip():
            row.delete()  # an empty section the template no longer has: nothing to keep
            continue
        row.in_template, row.required, row.position = False, False, position
        position += 1
        changed.append(row)
    PostmortemSection.objects.bulk_update(changed, [*fields, "body"]) if changed else None
    PostmortemSection.objects.bulk_create(created)
    return list(PostmortemSection.objects.filter(postmortem=postmortem))


def create_sections(
    postmortem: Postmortem,
    specs: list,
    bodies: dict[str, str],
    loose: list[tuple[str, str, str]],
) -> None:
    """Write the sections of a postmortem made a moment ago: the template's `specs` with
    their texts, then the (key, title, body) sections it lacks, in one statement.

    An import calls this instead of sync_sections: a new postmortem has no rows to match.
    """
    rows = [
        PostmortemSection(
            postmortem=postmortem,
            key=spec.key,
            title=spec.title,
            kind=spec.kind,
            help_text=spec.help_text,
            required=spec.required,
            group=spec.group,
            position=position,
            body=bodies.get(spec.key, ""),
            in_template=True,
        )
        for position, spec in enumerate(specs)
    ]
    keys = {spec.key for spec in specs}
    rows += [
        PostmortemSection(
            postmortem=postmortem,
            key=key,
            title=title[:100],
            body=body,
            in_template=False,
            position=len(specs) + offset,
        )
        for offset, (key, title, body) in enumerate(
            s for s in loose if s[0] not in keys and s[2].strip()
        )
    ]
    PostmortemSection.objects.bulk_create(rows)


def empty_required_sections(postmortem: Postmortem) -> list[PostmortemSection]:
    """Return the required written sections still empty (the incident's summary counts for
    a summary section, its impact for an impact section)."""
    incident = postmortem.incident
    incident_text = {"summary": incident.summary, "impact": incident.impact}
    empty = []
    for section in postmortem.sections.filter(required=True, in_template=True):
        text = incident_text.get(section.kind, section.body)
        if section.kind in {"causes", "timeline", "action_items"}:
            text = {
                "causes": incident.causes.exists(),
                "timeline": incident.timeline_events.exists(),
                "action_items": incident.action_items.exists(),
            }[section.kind]
        elif section.kind == "duration":
            text = incident.duration
        if not (text.strip() if isinstance(text, str) else text):
            empty.append(section)
    return empty

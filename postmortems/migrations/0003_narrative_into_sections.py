"""Move each postmortem's narrative columns into sections of the built-in templates.

Layout "sre" becomes the Google SRE template, anything else Classic. Backwards, the section
texts go back into the columns; text of sections that have no column (a team's own
template) is added to "other notes" under its heading, so nothing is lost either way.
The template definitions are copied here, as they were, so later edits to the code that
makes them cannot change what this migration did.
"""

from django.db import migrations

LESSONS = "Lessons Learned"
COLUMNS = (
    "resolution",
    "trigger",
    "detection",
    "went_well",
    "went_wrong",
    "got_lucky",
    "closing_remarks",
    "unplaced_text",
)
_TAIL = [
    ("closing_remarks", "Closing Remarks", "markdown", "What should readers take away?", ""),
]
_TRIGGER = ("trigger", "Trigger", "markdown", "What set the incident off?", "")
_DETECTION = ("detection", "Detection", "markdown", "How was the incident noticed?", "")
_LESSONS = [
    ("went_well", "What went well", "markdown", "What worked?", LESSONS),
    ("went_wrong", "What went wrong", "markdown", "What made it worse?", LESSONS),
    ("got_lucky", "Where we got lucky", "markdown", "What saved us by chance?", LESSONS),
]
_OTHER = (
    "unplaced_text",
    "Other Notes",
    "markdown",
    "Anything else; text an import could not place is kept here.",
    "",
)
_SUMMARY = "What happened, in a few sentences, and what did the customer see?"
_RESOLUTION = "How was service restored? Left empty, the causes' resolutions are shown."
TEMPLATES = {
    "classic": (
        "Classic",
        "The example postmortem's shape: issue summary, root cause, timeline, measures.",
        [
            ("summary", "Issue Summary", "summary", _SUMMARY, ""),
            ("causes", "Root Cause", "causes", "", ""),
            ("timeline", "Timeline", "timeline", "", ""),
            ("resolution", "Root Cause and Resolution", "resolution", _RESOLUTION, ""),
            ("action_items", "Corrective and Preventative Measures", "action_items", "", ""),
            *_TAIL,
            _TRIGGER,
            _DETECTION,
            *_LESSONS,
            _OTHER,
        ],
    ),
    "sre": (
        "Google SRE",
        "Google SRE: summary, impact, root causes, trigger, action items table.",
        [
            ("summary", "Summary", "summary", _SUMMARY, ""),
            ("impact", "Impact", "impact", "Who was affected, and how badly?", ""),
            ("causes", "Root Causes", "causes", "", ""),
            _TRIGGER,
            ("resolution", "Resolution", "resolution", _RESOLUTION, ""),
            _DETECTION,
            ("action_items", "Action Items", "action_items", "", ""),
            *_TAIL,
            *_LESSONS,
            _OTHER,
            ("timeline", "Timeline", "timeline", "", ""),
        ],
    ),
}


def forwards(apps, schema_editor):
    Template = apps.get_model("postmortems", "PostmortemTemplate")
    TemplateSection = apps.get_model("postmortems", "TemplateSection")
    Postmortem = apps.get_model("postmortems", "Postmortem")
    PostmortemSection = apps.get_model("postmortems", "PostmortemSection")
    by_layout = {}
    for layout, (name, description, specs) in TEMPLATES.items():
        template, created = Template.objects.get_or_create(
            name=name, defaults={"style": layout, "description": description, "built_in": True}
        )
        if created:
            TemplateSection.objects.bulk_create(
                TemplateSection(
                    template=template,
                    key=key,
                    title=title,
                    kind=kind,
                    help_text=help_text,
                    group=group,
                    position=position,
                )
                for position, (key, title, kind, help_text, group) in enumerate(specs)
            )
        by_layout[layout] = (template, specs)
    for postmortem in Postmortem.objects.filter(template=None).iterator(chunk_size=500):
        template, specs = by_layout.get(postmortem.layout, by_layout["classic"])
        postmortem.template = template
        postmortem.save(update_fields=["template"])
        PostmortemSection.objects.bulk_create(
            PostmortemSection(
                postmortem=postmortem,
                key=key,
                title=title,
                kind=kind,
                help_text=help_text,
                group=group,
                position=position,
                body=getattr(postmortem, key, "") if key in COLUMNS else "",
            )
            for position, (key, title, kind, help_text, group) in enumerate(specs)
        )


def backwards(apps, schema_editor):
    Postmortem = apps.get_model("postmortems", "Postmortem")
    PostmortemSection = apps.get_model("postmortems", "PostmortemSection")
    for postmortem in Postmortem.objects.select_related("template").iterator(chunk_size=500):
        values = dict.fromkeys(COLUMNS, "")
        extra = []
        sections = PostmortemSection.objects.filter(postmortem_id=postmortem.pk)
        for section in sections.order_by("-in_template", "position", "pk"):
            if section.key in COLUMNS:
                values[section.key] = section.body
            elif section.body.strip():
                extra.append(f"## {section.title}\n\n{section.body.strip()}")
        values["unplaced_text"] = "\n\n".join(p for p in [values["unplaced_text"], *extra] if p)
        style = postmortem.template.style if postmortem.template else "classic"
        values["layout"] = "sre" if style == "sre" else "classic"
        Postmortem.objects.filter(pk=postmortem.pk).update(**values)


class Migration(migrations.Migration):
    dependencies = [
        ("postmortems", "0002_postmortem_templates_and_sections"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

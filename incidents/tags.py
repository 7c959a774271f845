"""Tags shared by incidents and causes: naming them, the managed list, renaming and merging.

Names are unique in any letter case ("DNS" and "dns" are one tag): a name typed in a form
finds the tag whatever its case, and only a new name makes a new tag.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.db.models.functions import Lower

from core.events import record_event
from core.models import ChangeRecord
from incidents.models import Cause, Incident, Tag, User

MAX_NAME = Tag._meta.get_field("name").max_length


def split_names(text: str) -> list[str]:
    """Return the tag names in a comma-separated text, trimmed, once each in any case."""
    names: dict[str, str] = {}
    for part in text.split(","):
        name = " ".join(part.split())
        if name:
            names.setdefault(name.lower(), name)
    return list(names.values())


def check_name(name: str) -> str:
    """Return the name trimmed, or raise ValidationError saying how to fix it."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Give the tag a name.")
    if len(name) > MAX_NAME:
        raise ValidationError(
            f"Keep tag names to {MAX_NAME} characters (this one has {len(name)})."
        )
    if "," in name:
        raise ValidationError("A tag name cannot contain a comma: commas separate tags.")
    return name


def tags_named(names: Iterable[str | Tag]) -> list[Tag]:
    """Return the tags of these names, in the order given, making the ones that are new.

    A name matches an existing tag in any letter case. Tags given as Tag pass through.
    """
    given = [name if isinstance(name, Tag) else check_name(name) for name in names]
    wanted = {name.lower() for name in given if isinstance(name, str)}
    existing = {
        tag.name.lower(): tag
        for tag in Tag.objects.annotate(key=Lower("name")).filter(key__in=wanted)
    }
    found: list[Tag] = []
    for name in given:
        if isinstance(name, Tag):
            tag = name
        else:
            tag = existing.get(name.lower())
            if tag is None:
                tag = existing[name.lower()] = _made(name)
        if tag not in found:
            found.append(tag)
    return found


def _made(name: str) -> Tag:
    """Return a new tag of this name, or the one someone made with it a moment ago."""
    try:
        with transaction.atomic():
            return Tag.objects.create(name=name)
    except IntegrityError:  # the same name typed in another form at the same time
        return Tag.objects.annotate(key=Lower("name")).get(key=name.lower())


def tag_names(tags: Iterable[Tag]) -> str:
    """Return the tags as a form shows and history records them: "database, dns"."""
    return ", ".join(sorted((tag.name for tag in tags), key=str.lower))


@dataclass
class TagUsage:
    """A tag on the managed list, with what uses it that the reader may see."""

    tag: Tag
    incidents: int
    causes: int
    # A rename or merge form of this tag that failed, shown again with what was typed.
    rename_form: object = None
    merge_form: object = None

    @property
    def total(self) -> int:
        return self.incidents + self.causes


def tag_usage(user: User) -> list[TagUsage]:
    """Return the tags the user may see with the number of incidents and causes using them.

    Only incidents the user may see are counted (and causes of those), and only tags the
    user may see are listed (Tag.objects.visible_to), so neither the counts nor a name
    reveal a private incident to someone outside it. Three queries, however many tags.
    """
    visible = Incident.objects.visible_to(user).order_by().values("pk")
    incidents = dict(
        Incident.tags.through.objects.filter(incident_id__in=visible)
        .values("tag_id")
        .annotate(n=Count("incident_id"))
        .values_list("tag_id", "n")
    )
    causes = dict(
        Cause.tags.through.objects.filter(cause__incident_id__in=visible)
        .values("tag_id")
        .annotate(n=Count("cause_id"))
        .values_list("tag_id", "n")
    )
    return [
        TagUsage(tag, incidents.get(tag.pk, 0), causes.get(tag.pk, 0))
        for tag in Tag.objects.visible_to(user).order_by(Lower("name"), "pk")
    ]


@transaction.atomic
def tag_rename(*, tag: Tag, name: str, actor: User | None = None) -> Tag:
    """Rename the tag everywhere it is used; refuse a name another tag has, in any case.

    With an actor, a name taken by a tag the actor may not see is refused without echoing
    that tag's own spelling, and without offering a merge into it.
    """
    name = check_name(name)
    taken = Tag.objects.annotate(key=Lower("name")).filter(key=name.lower()).exclude(pk=tag.pk)
    if taken.exists():
        if actor is not None and not taken.visible_to(actor).exists():
            raise ValidationError("This name is taken; pick another.")
        raise ValidationError(
            f"A tag named ‘{taken.get().name}’ exists already: merge into it instead."
        )
    tag.name = name
    tag.save(update_fields=["name"])
    return tag


@transaction.atomic
def tag_merge(*, source: Tag, target: Tag, actor: User) -> int:
    """Move every incident and cause tagged `source` to `target`, then delete `source`.

    One transaction. Private incidents move too (tags are shared, and a tag left on them
    would come back under the old name). Each incident whose tags or causes' tags change
    records it in its history. Return how many incidents changed.
    """
    if source.pk == target.pk:
        raise ValidationError("Pick another tag to merge into.")
    # Both tags locked, in id order: a rename or another merge of either waits for this one.
    list(Tag.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk"))
    incident_ids = set(source.incidents.values_list("pk", flat=True))
    cause_rows = list(source.causes.values_list("pk", "incident_id"))
    incident_ids |= {incident_id for _, incident_id in cause_rows}
    for through, owner in ((Incident.tags.through, "incident"), (Cause.tags.through, "cause")):
        tagged = set(through.objects.filter(tag=source).values_list(f"{owner}_id", flat=True))
        has_target = set(
            through.objects.filter(tag=target, **{f"{owner}_id__in": tagged}).values_list(
                f"{owner}_id", flat=True
            )
        )
        through.objects.bulk_create(
            [through(tag=target, **{f"{owner}_id": pk}) for pk in tagged - has_target]
        )
    note = f"merged tag ‘{source.name}’ into ‘{target.name}’"
    for incident in Incident.objects.filter(pk__in=incident_ids).order_by("pk"):
        record_event(
            event="tag.merged",
            incident=incident,
            actor=actor,
            action=ChangeRecord.Action.UPDATED,
            target=target,
            values={"merged": [source.pk, target.pk]},
            note=note,
        )
    source.delete()
    return len(incident_ids)

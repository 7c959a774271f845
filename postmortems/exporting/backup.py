"""Whole-site backup to one JSON file, and its restore into an empty database.

The file holds every user (without password hashes unless asked), team, service, tag,
incident with its timeline, causes, action items and change history, and every postmortem
with its reviews. Primary keys are kept, so references such as INC-7 and links survive.
"""

import datetime
import json
from typing import Any

from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from core.models import ChangeRecord
from incidents.models import (
    ActionItem,
    Cause,
    Incident,
    Service,
    Tag,
    Team,
    TimelineEvent,
    User,
)
from postmortems.models import (
    Postmortem,
    PostmortemSection,
    PostmortemTemplate,
    Review,
    TeamTemplateDefault,
    TemplateSection,
)


class LosslessJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder, but times keep their microseconds.

    Django's encoder cuts them to milliseconds, so a time 400 microseconds past a second came
    back from a restore as a different time, and a second backup differed from the first.
    """

    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


# 2: the narrative moved into postmortem sections of templates.
SCHEMA_VERSION = 2
FORMAT_NAME = "postmortems-backup"

# In dependency order: a model only points at models listed before it.
MODELS = [
    User,
    Team,
    Service,
    Tag,
    Incident,
    TimelineEvent,
    Cause,
    ActionItem,
    ChangeRecord,
    PostmortemTemplate,
    TemplateSection,
    TeamTemplateDefault,
    Postmortem,
    PostmortemSection,
    Review,
]
# Made by `migrate` in every new database, so they do not make it "hold data".
TEMPLATE_MODELS = {PostmortemTemplate, TemplateSection}

# Groups and per-user permissions are not kept: roles here come from teams and
# is_staff/is_superuser.
USER_FIELDS = [
    "username",
    "email",
    "first_name",
    "last_name",
    "is_active",
    "is_staff",
    "is_superuser",
    "date_joined",
    "last_login",
    "time_zone",
    "reminder_frequency",
    "calendar_token",
]


# The path from each model to its incident: a backup without private incidents leaves out
# everything that hangs off them too.
INCIDENT_PATH = {
    Incident: "",
    TimelineEvent: "incident__",
    Cause: "incident__",
    ActionItem: "incident__",
    ChangeRecord: "incident__",
    Postmortem: "incident__",
    PostmortemSection: "postmortem__incident__",
    Review: "postmortem__incident__",
}


class BackupError(Exception):
    """The file cannot be restored here; the message says why and what to do."""


# What the file calls a model where that is not its label: the change history kept the name
# it had before it moved from the incidents app to core, so files read and restore as before.
FILE_KEYS = {ChangeRecord: "incidents.changerecord"}


def _label(model: type) -> str:
    return model._meta.label_lower


def _file_key(model: type) -> str:
    return FILE_KEYS.get(model, _label(model))


def export_data(
    *, include_passwords: bool = False, include_private: bool = False
) -> dict[str, Any]:
    """Return every record as plain JSON values, grouped by model, ordered by id.

    Private incidents, and everything on them, are left out unless include_private is set:
    a backup is read by whoever holds the file, not by the people the incident names.
    """
    data: dict[str, Any] = {
        "format": FORMAT_NAME,
        "schema_version": SCHEMA_VERSION,
        "includes_passwords": include_passwords,
        "includes_private_incidents": include_private,
        "models": {},
    }
    for model in MODELS:
        options = {}
        if model is User:
            options["fields"] = [*USER_FIELDS, "password"] if include_passwords else USER_FIELDS
        queryset = model._default_manager.order_by("pk")
        if not include_private and model in INCIDENT_PATH:
            queryset = queryset.filter(**{f"{INCIDENT_PATH[model]}is_private": False})
        records = serializers.serialize("python", queryset.iterator(chunk_size=2000), **options)
        for record in records:
            # The JSON round trip turns dates and times into ISO text, the same on every run.
            record.pop("model", None)
            for name, value in record["fields"].items():
                if isinstance(value, list):
                    record["fields"][name] = sorted(value)
        data["models"][_file_key(model)] = json.loads(json.dumps(records, cls=LosslessJSONEncoder))
    return data


def dump_json(data: dict[str, Any]) -> str:
    """Return the backup as stable JSON text: the same data always gives the same text."""
    return json.dumps(data, cls=LosslessJSONEncoder, indent=1, sort_keys=True, ensure_ascii=False)


def database_is_empty() -> bool:
    return (
        not any(model._default_manager.exists() for model in MODELS if model not in TEMPLATE_MODELS)
        and not PostmortemTemplate.objects.filter(built_in=False).exists()
    )


def _check_header(data: Any) -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise BackupError("This is not a postmortems backup file (made by export_all).")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise BackupError(
            f"The file has schema version {version!r}; this version of the app restores "
            f"version {SCHEMA_VERSION} only."
        )
    if not isinstance(data.get("models"), dict):
        raise BackupError("The file has no 'models' section.")


def import_data(data: Any) -> dict[str, int]:
    """Restore a backup into an empty database, keeping ids; return the count per model."""
    _check_header(data)
    if not database_is_empty():
        raise BackupError(
            "The database already holds data; import_all restores into an empty database "
            "only. Create a new database and run `manage.py migrate` first."
        )
    counts: dict[str, int] = {}
    with transaction.atomic():
        # The backup holds the built-in templates as they were, with their ids.
        PostmortemTemplate.objects.filter(built_in=True).delete()
        for model in MODELS:
            label, key = _label(model), _file_key(model)
            records = [{"model": label, **record} for record in data["models"].get(key, [])]
            objects = serializers.deserialize("python", records)
            count = 0
            for deserialized in objects:
                if model is User and not data.get("includes_passwords"):
                    # No hash in the file: the person sets a new password through an admin.
                    deserialized.object.set_unusable_password()
                deserialized.save()
                count += 1
            counts[key] = count
        reset_sequences()
    return counts


def reset_sequences() -> None:
    """Move id sequences past the restored ids, so new rows do not collide with them."""
    statements = connection.ops.sequence_reset_sql(no_style(), MODELS)
    if not statements:
        return
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)

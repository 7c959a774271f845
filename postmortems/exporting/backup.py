"""Whole-site backup to one JSON file, and its restore into an empty database.

The file holds every model some app registered with core.backup_registry: users (without
password hashes unless asked), teams, incidents with everything on them, postmortems with
their reviews, comments and published versions, tracker connections and issues, webhook
endpoints, API tokens, notifications and their settings, same-root-cause links. Primary
keys are kept, so references such as INC-7 and links survive. Secrets are written as they
are stored: tracker tokens encrypted (restore with the same TRACKER_ENCRYPTION_KEYS), API
tokens as hashes; what is stored in the clear (a webhook endpoint's secret) is left out.
"""

import datetime
import json
from collections.abc import Iterator, Sequence
from typing import Any

from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction

from core import backup_registry
from core.models import ChangeRecord
from incidents.models import User
from postmortems.models import PostmortemTemplate, TemplateSection


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


class _BackedUpModels(Sequence):
    """The registered models in dependency order, read when used: apps register in ready()."""

    def _models(self) -> list[type[models.Model]]:
        return [entry.model for entry in backup_registry.backed_up()]

    def __getitem__(self, index):
        return self._models()[index]

    def __len__(self) -> int:
        return len(self._models())

    def __iter__(self) -> Iterator[type[models.Model]]:
        return iter(self._models())


# In dependency order: a model only points at models listed before it.
MODELS = _BackedUpModels()
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
    for entry in backup_registry.backed_up():
        model = entry.model
        options = {}
        if model is User:
            options["fields"] = [*USER_FIELDS, "password"] if include_passwords else USER_FIELDS
        elif entry.leave_out:
            options["fields"] = [
                field.name
                for field in model._meta.get_fields()
                if field.concrete and not field.primary_key and field.name not in entry.leave_out
            ]
        queryset = model._default_manager.order_by("pk")
        if not include_private:
            for path in entry.incident_paths:
                queryset = queryset.filter(**{f"{path}is_private": False})
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
        for model in list(MODELS):
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
    statements = connection.ops.sequence_reset_sql(no_style(), list(MODELS))
    if not statements:
        return
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)

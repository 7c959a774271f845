"""What the whole-site backup holds: each app declares its own models, from AppConfig.ready.

core cannot import the apps above it, so the apps register themselves: every installed model
is either backed up (register_backup) or left out on purpose, with the reason
(register_backup_exclusion). A test fails for a model that is neither, so a new model
cannot be forgotten by the backup silently.

A backed-up model may name the paths from it to its incidents (`incident__`,
`postmortem__incident__`): a backup without private incidents leaves out every row that
hangs off one. Fields named in leave_out are never written (a secret kept in the clear).
"""

from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class BackedUp:
    model: type[models.Model]
    incident_paths: tuple[str, ...] = ()
    leave_out: tuple[str, ...] = ()


_backed_up: dict[str, BackedUp] = {}
_excluded: dict[str, str] = {}


def _label(model: type[models.Model] | str) -> str:
    return model.lower() if isinstance(model, str) else model._meta.label_lower


def register_backup(
    *models_: type[models.Model],
    incident_paths: tuple[str, ...] | str = (),
    leave_out: tuple[str, ...] = (),
) -> None:
    """Back these models up; incident_paths lead from each to the incidents it hangs off."""
    paths = (incident_paths,) if isinstance(incident_paths, str) else tuple(incident_paths)
    for model in models_:
        _backed_up[_label(model)] = BackedUp(model, paths, tuple(leave_out))


def register_backup_exclusion(*models_: type[models.Model] | str, reason: str) -> None:
    """Leave these models (or 'app.model' labels of libraries) out of backups, saying why."""
    if not reason.strip():
        raise ValueError("Say why the model is left out of backups.")
    for model in models_:
        _excluded[_label(model)] = reason


def excluded() -> dict[str, str]:
    """Return the labels of the models left out on purpose, with the reasons."""
    return dict(_excluded)


def backed_up() -> list[BackedUp]:
    """Return the backed-up models in dependency order: each after the models it points at.

    Registration order otherwise (apps in INSTALLED_APPS order), so the file reads the same
    from one run to the next.
    """
    entries = list(_backed_up.values())
    labels = {_label(entry.model) for entry in entries}
    needs = {
        _label(entry.model): {
            _label(field.related_model)
            for field in entry.model._meta.get_fields()
            if field.is_relation
            and field.concrete
            and field.related_model is not None
            and field.related_model is not entry.model
            and _label(field.related_model) in labels
        }
        for entry in entries
    }
    ordered: list[BackedUp] = []
    placed: set[str] = set()
    while len(ordered) < len(entries):
        ready = [
            e for e in entries if _label(e.model) not in placed and needs[_label(e.model)] <= placed
        ]
        if not ready:  # a cycle: keep registration order for the rest
            ready = [e for e in entries if _label(e.model) not in placed]
        entry = ready[0]
        ordered.append(entry)
        placed.add(_label(entry.model))
    return ordered

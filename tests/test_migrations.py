"""Migrations are committed for every model change and can be rolled back."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db  # makemigrations reads the applied migrations to check their order
def test_every_model_change_has_a_committed_migration():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)  # exits 1 on changes
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_migrations_roll_back_to_zero_and_forward_again():
    for app in ("postmortems", "incidents"):
        call_command("migrate", app, "zero", verbosity=0)
    call_command("migrate", verbosity=0)
    out = io.StringIO()
    call_command("showmigrations", "incidents", "postmortems", stdout=out)
    assert "[ ]" not in out.getvalue()
    assert "[X] 0003_row_versions" in out.getvalue()

"""PostgreSQL for the test suite: Django's backend, emptied and refilled faster between tests.

After each transactional test (browser, worker and migration tests) Django empties every
table with one TRUNCATE and, before the next, puts back the rows the migrations made (content
types, permissions, the built-in templates) one save at a time. PostgreSQL gives each
truncated table and index new files, 0.4 s a test for the ~100 tables here, nearly all empty
or a few rows long, where DELETE costs next to nothing; the ~400 rows went back with two
queries each, 0.25 s, where one INSERT per table does. tests/settings.py picks this backend
whenever DATABASE_URL names PostgreSQL.
"""

from io import StringIO

from django.core import serializers
from django.db import transaction
from django.db.backends.postgresql import base, creation, operations


class DatabaseCreation(creation.DatabaseCreation):
    def deserialize_db_from_string(self, data):
        alias = self.connection.alias
        rows_by_model: dict[type, list] = {}
        with transaction.atomic(using=alias):
            # Foreign keys are checked at commit, so the models may come in any order. The
            # tables are empty, except before a worker's first transactional test, which
            # finds the rows its migrations made: those are written over, as save() would.
            deserialized = list(serializers.deserialize("json", StringIO(data), using=alias))
            for row in deserialized:
                rows_by_model.setdefault(type(row.object), []).append(row.object)
            for model, rows in rows_by_model.items():
                pk = model._meta.pk
                fields = [field.name for field in model._meta.concrete_fields if field is not pk]
                model._base_manager.using(alias).bulk_create(
                    rows,
                    update_conflicts=bool(fields),
                    ignore_conflicts=not fields,
                    unique_fields=[pk.name] if fields else None,
                    update_fields=fields or None,
                )
            for row in deserialized:
                for accessor, related in (row.m2m_data or {}).items():
                    getattr(row.object, accessor).set(related)


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade:
            return super().sql_flush(
                style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        # Foreign keys are checked when the flush's transaction commits, with every table
        # empty by then: the order of the deletes does not matter.
        # The names are Django's own tables, quoted.
        deletes = " ".join(f"DELETE FROM {self.quote_name(table)};" for table in tables)  # noqa: S608
        return [f"SET CONSTRAINTS ALL DEFERRED; {deletes}"]


class DatabaseWrapper(base.DatabaseWrapper):
    creation_class = DatabaseCreation
    ops_class = DatabaseOperations

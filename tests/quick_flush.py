"""After a transactional test, the database as the migrations left it: quicker than Django's flush, and the same.

Django ends each TransactionTestCase (pytest-django's `transactional_db`, `live_server`,
`django_db(transaction=True)`) with `manage.py flush`: on PostgreSQL one TRUNCATE of every table, on SQLite a
DELETE from each, then post_migrate, which makes every content type and permission again (but not the roles'
groups that the data migrations made, so later tests found them gone). Here the teardown empties only the
tables that have rows, and leaves the rows that were there before any test ran (content types, permissions,
the roles' groups with their permissions) alone while they are as they were; a table whose rows a test changed
is put back as it was. So each transactional test starts from the migrated database, as every other test does,
and no post_migrate is needed (with those rows in place it would make nothing).

A test class that sets `available_apps` or `serialized_rollback` keeps Django's own flush.
"""

from django.apps import apps
from django.db import connections, transaction
from django.test import TransactionTestCase

_django_fixture_teardown = TransactionTestCase._fixture_teardown


class MigratedState:
    """The tables of one database, and the rows they held before any test ran."""

    def __init__(self, alias: str):
        self.alias = alias
        connection = connections[alias]
        existing = set(connection.introspection.table_names())
        self.tables: dict[str, str] = {}  # table -> its primary key's column, for a stable order
        for model in apps.get_models(include_auto_created=True):
            meta = model._meta
            if meta.managed and not meta.proxy and meta.db_table in existing:
                self.tables.setdefault(meta.db_table, meta.pk.column)
        self.names = sorted(self.tables)
        # PostgreSQL refuses to DELETE from the append-only tables (a trigger); TRUNCATE passes it.
        self.truncated: set[str] = set()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
                )
                self.truncated = {name for (name,) in cursor.fetchall()} & set(self.names)
            self.kept = {table: self._rows(cursor, table) for table in self._with_rows(cursor)}

    def _q(self, name: str) -> str:
        return connections[self.alias].ops.quote_name(name)

    def _with_rows(self, cursor) -> list[str]:
        """The tables that have at least one row, in one query."""
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT {number} WHERE EXISTS (SELECT 1 FROM {self._q(table)})"
                for number, table in enumerate(self.names)
            )
        )
        return [self.names[number] for (number,) in cursor.fetchall()]

    def _rows(self, cursor, table: str) -> tuple[list[str], list[tuple]]:
        cursor.execute(f"SELECT * FROM {self._q(table)} ORDER BY {self._q(self.tables[table])}")
        return [column[0] for column in cursor.description], [tuple(row) for row in cursor.fetchall()]

    def restore(self) -> None:
        """Empty every table a test wrote to; put back the rows that were there before, if a test changed them."""
        connection = connections[self.alias]
        with transaction.atomic(using=self.alias, savepoint=False), connection.cursor() as cursor:
            with_rows = self._with_rows(cursor)
            changed = [table for table in self.kept if self._rows(cursor, table) != self.kept[table]]
            emptied = [table for table in with_rows if table not in self.kept or table in changed]
            truncated = [table for table in emptied if table in self.truncated]
            if truncated:  # CASCADE: the tables whose rows refer to theirs (empty, or emptied below anyway)
                cursor.execute(f"TRUNCATE {', '.join(map(self._q, truncated))} CASCADE")
            for table in emptied:
                if table not in self.truncated:
                    cursor.execute(f"DELETE FROM {self._q(table)}")
            for table in changed:
                columns, rows = self.kept[table]
                if rows:
                    cursor.executemany(
                        f"INSERT INTO {self._q(table)} ({', '.join(map(self._q, columns))}) "
                        f"VALUES ({', '.join(['%s'] * len(columns))})",
                        rows,
                    )
        if "django_content_type" in changed:
            from django.contrib.contenttypes.models import ContentType

            ContentType.objects.clear_cache()


_states: dict[str, MigratedState] = {}


def _fixture_teardown(self) -> None:
    aliases = self._databases_names(include_mirrors=False)
    if self.available_apps is not None or self.serialized_rollback or not set(aliases) <= _states.keys():
        _django_fixture_teardown(self)  # as Django does it (a database whose state was not recorded, too)
        return
    for alias in aliases:
        _states[alias].restore()


def install(aliases=("default",)) -> None:
    """Record the migrated state of the test databases (before any test runs); transactional tests return to it."""
    for alias in aliases:
        _states[alias] = MigratedState(alias)
    TransactionTestCase._fixture_teardown = _fixture_teardown

"""
Table statistics for SQLite's query planner.

PostgreSQL keeps its statistics up to date by itself (autovacuum). SQLite has
none until ``ANALYZE`` runs, and without them it may answer "which of these 30
stories are live?" by walking the whole live-stories index instead of looking
the 30 up by primary key: a cost that grows with the archive. Whatever adds
stories in bulk (an import, the demo) refreshes them when it is done.
"""

from django.db import connections

# Rows ANALYZE samples per index: approximate statistics, in milliseconds however large the tables.
ANALYSIS_LIMIT = 1000


def refresh_statistics(using="default"):
    """Refresh SQLite's planner statistics (nothing to do on other databases)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")

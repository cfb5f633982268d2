"""
Rebuild the full-text search index from every story.

The index normally follows the desk by itself; run this after restoring a
backup, changing the search configuration or importing with the database's
own tools. Safe to run at any time: readers only ever find live stories.
"""

from django.core.management.base import BaseCommand

from articles import search


class Command(BaseCommand):
    help = "Rebuild the full-text search index from every story."

    def handle(self, *args, **options):
        count = search.rebuild_index()
        self.stdout.write(self.style.SUCCESS(f"Search index rebuilt: {count} stories."))

"""
Fill the database with the demo newsroom.

Creates sections, authors, sources and some thirty stories (published,
scheduled, embargoed, draft and withdrawn) with generated photos and quotes,
then (re)sets the password of the demo ``editor`` account and prints it.
Safe to run again: stories already loaded are left as they are.
"""

from django.core.management.base import BaseCommand

from articles import demo


class Command(BaseCommand):
    help = "Load the demo newsroom (idempotent) and print the demo editor's password."

    def handle(self, *args, **options):
        result = demo.load()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo newsroom: {result.created} stories created, {result.existing} already present, "
                f"{result.images} photos drawn."
            )
        )
        self.stdout.write(f"Log in at /admin/ as “{demo.EDITOR_USERNAME}” with password: {result.editor_password}")

"""
Draw the reader-sized copies (WebP and JPEG) of every photo that lacks them.

New photos get theirs when they are saved or imported; run this after
changing the widths in ``articles.images`` or restoring media from a backup.
"""

from django.core.management.base import BaseCommand

from articles.models import ImageCaption


class Command(BaseCommand):
    help = "Draw the renditions of every photo that lacks them."

    def handle(self, *args, **options):
        drawn = 0
        for image in ImageCaption.objects.public().iterator(chunk_size=200):
            before = image.renditions
            image.ensure_renditions()
            drawn += image.renditions != before
        self.stdout.write(self.style.SUCCESS(f"Renditions drawn for {drawn} photos."))

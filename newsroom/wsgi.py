"""WSGI entry point: ``gunicorn newsroom.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ["NEWSROOM_SERVING"] = "1"  # serving without debug requires DJANGO_SECRET_KEY

application = get_wsgi_application()

"""ASGI entry point, for servers that speak ASGI."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ["NEWSROOM_SERVING"] = "1"  # serving without debug requires DJANGO_SECRET_KEY

application = get_asgi_application()

"""The site's URLs plus uploads, so the browser sees the photos the live server stores."""

from django.urls import re_path

from newsroom.urls import media
from newsroom.urls import urlpatterns as site_urlpatterns

urlpatterns = [*site_urlpatterns, re_path(r"^media/(?P<path>.+)$", media, name="media")]

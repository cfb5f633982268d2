"""
The public site's URLs plus ``/bare/``: the smallest Django view, served
through the same middleware, as the baseline the pages are measured against.
"""

from django.http import HttpResponse
from django.urls import path

from newsroom.urls import urlpatterns as site_urlpatterns


def bare(request):
    return HttpResponse("ok")


urlpatterns = [path("bare/", bare, name="bare"), *site_urlpatterns]

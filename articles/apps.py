from django.apps import AppConfig
from django.db.backends.signals import connection_created


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self):
        from .connections import set_up

        connection_created.connect(set_up, dispatch_uid="articles.connections.set_up")

"""The newsroom's admin: the story desk, its reference lists and the dashboard."""

from . import articles, catalogue  # noqa: F401  (register the ModelAdmins)

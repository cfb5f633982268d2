"""
The newsroom's roles as groups with permissions: Reporter, Editor and Chief editor.

The permissions are listed here, frozen, rather than imported from the app,
so that later changes to the code never rewrite what this migration did.
A newsroom can compose other roles from the same permissions in the admin.
"""

from django.db import migrations

REPORTER = [
    "articles.view_article",
    "articles.add_article",
    "articles.change_article",
    "articles.view_byline",
    "articles.add_byline",
    "articles.change_byline",
    "articles.delete_byline",
    "articles.view_imagecaption",
    "articles.add_imagecaption",
    "articles.change_imagecaption",
    "articles.delete_imagecaption",
    "articles.view_quote",
    "articles.add_quote",
    "articles.change_quote",
    "articles.delete_quote",
    "articles.view_source",
    "articles.add_source",
    "articles.change_source",
    "articles.view_section",
    "articles.view_author",
    "articles.view_correction",
    "taggit.view_tag",
    "taggit.add_tag",
]

EDITOR = REPORTER + [
    "articles.edit_any_article",
    "articles.review_article",
    "articles.publish_article",
    "articles.withdraw_article",
    "articles.add_correction",
    "articles.change_correction",
    "articles.delete_correction",
    "articles.view_sharelink",
    "articles.add_sharelink",
    "articles.change_sharelink",
    "articles.add_author",
    "articles.change_author",
    "taggit.change_tag",
]

CHIEF_EDITOR = EDITOR + [
    "articles.restore_article",
    "articles.delete_article",
    "articles.view_confidential_source",
    "articles.delete_source",
    "articles.add_section",
    "articles.change_section",
    "articles.delete_section",
    "articles.delete_author",
    "taggit.delete_tag",
]

ROLES = {"Reporter": REPORTER, "Editor": EDITOR, "Chief editor": CHIEF_EDITOR}


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations have run; make
    # them now so the groups can hold them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    make_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def make_groups(Group, Permission):
    """The three roles with their permissions (idempotent)."""
    for name, permissions in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for permission in permissions:
            app_label, codename = permission.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_desk"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]

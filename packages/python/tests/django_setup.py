"""The Django settings the tests that need Django share (ContractsConsumer, the abstract model).

Every such test module calls :func:`configure_django` at import time: settings
can be configured once per process, so whichever module runs first does it.
"""

from __future__ import annotations


def configure_django() -> None:
    """An in-memory SQLite database and contenttypes, unless settings are already configured."""
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            INSTALLED_APPS=["django.contrib.contenttypes"],
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
            DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        )
        django.setup()

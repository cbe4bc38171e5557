"""The migrations in the tree match the models (a model change without its migration fails here)."""

from __future__ import annotations

import io

from django.core.management import call_command


def test_no_model_change_lacks_a_migration(django_orm: None) -> None:
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()

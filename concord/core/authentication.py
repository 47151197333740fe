"""Django's model backend, loading the user's agency in the same query: every page and access
check needs it, so the session user comes with it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from .models import User


class ModelBackendWithAgency(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = User.objects.select_related("agency").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

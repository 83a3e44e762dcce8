"""Create or update the staff role groups (verifier, request staff, office manager). Idempotent."""

from django.core.management.base import BaseCommand

from illdesk.roles import setup_roles


class Command(BaseCommand):
    help = "Create or update the staff role groups and their permissions. Idempotent."

    def handle(self, *args: object, **options: object) -> None:
        for name, count in setup_roles().items():
            self.stdout.write(f"Role '{name}': {count} permissions.")

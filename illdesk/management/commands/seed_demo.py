"""Load demonstration data: idempotent, so `make run` can call it every time."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from copyright_rules import demo as copyright_demo
from fees import demo as fees_demo
from illdesk.roles import setup_roles
from policy import demo as policy_demo
from registration.demo import seed_demo as seed_registration_demo
from requests_app import demo as requests_demo
from requests_app import tallies

DEMO_STAFF_USERNAME = "staff"


class Command(BaseCommand):
    help = "Create demonstration data (a staff superuser, and more as the apps grow). Idempotent."

    def handle(self, *args: object, **options: object) -> None:
        with transaction.atomic():
            setup_roles()
            self._seed_staff()
            seed_registration_demo(self.stdout)
            copyright_demo.seed_demo(self.stdout)
            fees_demo.seed_demo(self.stdout)
            requests_demo.seed_demo(self.stdout)
            policy_demo.seed_demo(self.stdout)
            # The statistics page reads tallies the beat task keeps every ten minutes: the demo's
            # figures are there from the first page.
            tallies.refresh()

    def _seed_staff(self) -> None:
        user_model = get_user_model()
        if user_model.objects.filter(username=DEMO_STAFF_USERNAME).exists():
            self.stdout.write(f"Staff user '{DEMO_STAFF_USERNAME}' exists (password shown once).")
            return
        password = secrets.token_urlsafe(12)
        user_model.objects.create_superuser(
            username=DEMO_STAFF_USERNAME, email="staff@illdesk.invalid", password=password
        )
        # Printed once, to the operator's terminal only; it is never stored in plain text.
        self.stdout.write(
            self.style.SUCCESS(
                f"Staff superuser created: username '{DEMO_STAFF_USERNAME}', password '{password}'"
            )
        )

from pathlib import Path

from django.core.management.base import BaseCommand

from portal.policy_fixtures import load_policy, policy_fixture_paths


class Command(BaseCommand):
    help = "Load municipalities' policies from fixtures/policies/*.json (or the files given)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path)
        parser.add_argument(
            "--replace", action="store_true", help="Replace existing pages (discards editors' changes)."
        )

    def handle(self, *args, files, replace, **options):
        for path in files or policy_fixture_paths():
            result = load_policy(path, replace=replace)
            if result.kept_existing:
                self.stdout.write(f"{result.municipality}: has pages already, kept them (use --replace).")
            else:
                self.stdout.write(f"{result.municipality}: {result.pages_created} pages loaded.")

from pathlib import Path

from django.core.management.base import BaseCommand

from contacts.directory_fixtures import directory_fixture_paths, load_directory


class Command(BaseCommand):
    help = "Load the contact directories from fixtures/directory/*.json (or the files given)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path)
        parser.add_argument("--replace", action="store_true", help="Replace existing directories.")

    def handle(self, *args, files, replace, **options):
        for path in files or directory_fixture_paths():
            loaded = load_directory(path, replace=replace)
            self.stdout.write(f"{path.stem}: {'loaded' if loaded else 'has a directory already, kept it'}.")

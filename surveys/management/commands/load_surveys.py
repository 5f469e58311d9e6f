from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from surveys.survey_fixtures import load_survey, survey_fixture_paths


class Command(BaseCommand):
    help = "Load the questionnaires from fixtures/surveys/*.json (or the files given)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path)
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace existing questionnaires (discards changes; refused where answers exist).",
        )

    def handle(self, *args, files, replace, **options):
        for path in files or survey_fixture_paths():
            try:
                loaded = load_survey(path, replace=replace)
            except ValidationError as error:
                raise CommandError(f"{path.name}: {'; '.join(error.messages)}") from error
            self.stdout.write(f"{path.stem}: {'loaded' if loaded else 'has a survey already, kept it'}.")

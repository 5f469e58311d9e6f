from django.db import migrations

OPTIONS = {
    "survey": {"ordering": ("municipality", "title"), "verbose_name": "survey", "verbose_name_plural": "surveys"},
    "question": {"ordering": ("survey", "order", "pk"), "verbose_name": "question", "verbose_name_plural": "questions"},
    "indicator": {"ordering": ("order", "pk"), "verbose_name": "indicator", "verbose_name_plural": "indicators"},
    "wave": {"ordering": ("survey", "opens_on", "pk"), "verbose_name": "wave", "verbose_name_plural": "waves"},
}


class Migration(migrations.Migration):
    """`Response` read like Django's HttpResponse next to it: the model of one anonymous answer is now
    `SurveyResponse`; its table is renamed with it and no row changes. The models' orderings are now
    written as tuples, which changes nothing in the database."""

    dependencies = [("surveys", "0002_managers_run_surveys")]

    operations = [
        migrations.RenameModel(old_name="Response", new_name="SurveyResponse"),
        *(migrations.AlterModelOptions(name=name, options=options) for name, options in OPTIONS.items()),
    ]

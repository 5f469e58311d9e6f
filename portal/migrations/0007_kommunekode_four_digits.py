"""The kommunekode as the four digits Danish registers and DK Core use ("0167"), not three ("167")."""

import django.core.validators
from django.db import migrations, models


def four_digits(apps, schema_editor):
    municipality_model = apps.get_model("portal", "Municipality")
    for municipality in municipality_model.objects.exclude(kommunekode__regex=r"^0[0-9]{3}$"):
        municipality.kommunekode = municipality.kommunekode.zfill(4)
        municipality.save(update_fields=["kommunekode"])


def three_digits(apps, schema_editor):
    municipality_model = apps.get_model("portal", "Municipality")
    for municipality in municipality_model.objects.all():
        municipality.kommunekode = municipality.kommunekode[-3:]
        municipality.save(update_fields=["kommunekode"])


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0006_reminder_emails_and_scheduled_runs'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='municipality',
            name='kommunekode_three_digits',
        ),
        migrations.AlterField(
            model_name='municipality',
            name='kommunekode',
            field=models.CharField(help_text='The four-digit code of Danmarks Statistik and the CPR register, e.g. 0167.', max_length=4, unique=True, validators=[django.core.validators.RegexValidator('^0[0-9]{3}$', 'A municipality code has four digits and begins with 0, e.g. 0167 for Hvidovre.')], verbose_name='municipality code'),
        ),
        migrations.RunPython(four_digits, three_digits),
        migrations.AddConstraint(
            model_name='municipality',
            constraint=models.CheckConstraint(condition=models.Q(('kommunekode__regex', '^0[0-9]{3}$')), name='kommunekode_four_digits'),
        ),
    ]

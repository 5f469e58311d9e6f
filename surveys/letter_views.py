"""Letters for window envelopes: one letter per name and address, typed or uploaded for this print only.

The list is read (surveys.rules.read_address_list), one invitation code is made per address
(services.generate_invitations, as for letters without addresses), and the letters are printed one per page
with the address where a Danish C5 or C6/5 (C65) window envelope shows it. Nothing of the list is stored or
logged; the page is not cached (manager_required).
"""

from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from portal.errors import RuleViolation, show_on_form

from . import services
from .access import manager_required, survey_policy
from .forms import AddressLettersForm
from .models import Wave
from .views import letter_language


@manager_required
@require_http_methods(["GET", "POST"])
def address_letters(request, pk: int):
    wave = get_object_or_404(
        survey_policy.visible(request.user, Wave.objects.select_related("survey__municipality")), pk=pk
    )
    today = timezone.localdate()
    context = {"wave": wave, "survey": wave.survey, "municipality": wave.survey.municipality, "form": None}
    if not wave.takes_invitations(today):
        return render(request, "surveys/manage/address_letters_form.html", context)
    units = survey_policy.visible(request.user, wave.units.all())
    form = AddressLettersForm(request.POST or None, request.FILES or None, units=units)
    if request.method == "POST" and form.is_valid():
        blocks = form.address_blocks()
        if blocks:
            try:
                made = services.generate_invitations(wave=wave, unit=form.cleaned_data["unit"], count=len(blocks),
                                                     acting_user=request.user, today=today)  # fmt: skip
            except RuleViolation as error:
                show_on_form(form, error)
            else:
                base_url = request.build_absolute_uri("/").rstrip("/")
                language = form.cleaned_data["language"]
                letters = [
                    {"links": services.links_for(code, base_url=base_url, language=language), "address": block}
                    for code, block in zip(made, blocks, strict=True)
                ]
                return render(request, "surveys/manage/address_letters.html",
                              {**context, "unit": form.cleaned_data["unit"], "letters": letters,
                               **letter_language(language)})  # fmt: skip
    return render(request, "surveys/manage/address_letters_form.html", {**context, "form": form})

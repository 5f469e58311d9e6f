"""The relatives' survey: public answer pages (no login) and the managers' invitation pages.

Public pages carry no personal data, but the single-use link holds its code: the public pages are
sent with `Referrer-Policy: no-referrer` (`strict-origin` where they hold a form, see ORIGIN_ONLY)
and `Cache-Control: no-store`, and the logs show the code as "[code]" (the answer view declares it
with portal.log_redaction.sensitive_url_kwargs). After an answer the browser goes to a thank-you page
whose address holds nothing.
"""

from functools import wraps

from django.contrib import messages
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language_info, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from portal.errors import RuleViolation, StaleVersion, show_on_form
from portal.log_redaction import sensitive_url_kwargs
from portal.translations import (
    SOURCE_LANGUAGE,
    active_language,
    content_languages,
    is_content_language,
    note_shown,
    prefetch_translations,
)

from . import codes, email_sending, languages, selectors, services, throttle
from .access import manager_required, survey_policy
from .forms import AnswerForm, CodeForm, Delivery, InvitationForm
from .models import EmailBatch, Survey, Wave

NO_REFERRER = "no-referrer"
# A page with a POST form cannot be sent with no-referrer: under that policy browsers send `Origin: null`
# with the form, and Django's CSRF check refuses it. strict-origin sends only "https://host/" as the
# referrer, so the address (and the code in it) still never leaves the page.
ORIGIN_ONLY = "strict-origin"


def private_page(view):
    """No referrer (the address may hold a code), no caching (the page holds a CSRF token or codes)."""

    @wraps(view)
    @never_cache
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        # A logged-in visitor's page header holds the logout form, which needs a real Origin too.
        policy = ORIGIN_ONLY if request.user.is_authenticated else NO_REFERRER
        response.headers.setdefault("Referrer-Policy", policy)
        return response

    return wrapper


def form_page(response):
    """A private page with a form: the referrer is the origin only (see ORIGIN_ONLY)."""
    response["Referrer-Policy"] = ORIGIN_ONLY
    return response


def see_other(url: str) -> HttpResponseRedirect:
    """POST-redirect-GET with 303, so that reloading the next page never sends the answers again."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


NOTICE_TITLES = {
    "used": services.CodeAlreadyUsed.message,
    "closed": services.SurveyClosed.message,
    "not_open": gettext_lazy("The survey has not opened yet"),
    "unknown": services.UnknownCode.message,
    "unknown_link": gettext_lazy("We cannot find this survey"),
    "full": services.OpenLinkFull.message,
    "too_many_attempts": gettext_lazy("Too many attempts"),
    "too_many_answers": gettext_lazy("Too many answers from this connection"),
}


def notice(request, kind: str, *, wave: Wave | None = None, status: int = 200):
    """A friendly page instead of the form: the code is used, the survey is closed, and so on."""
    context = {
        "kind": kind,
        "title": NOTICE_TITLES[kind],
        "wave": wave,
        "municipality": wave.survey.municipality if wave else None,
    }
    return render(request, "surveys/notice.html", context, status=status)


def refused(request, error: services.SurveyError):
    if isinstance(error, services.CodeAlreadyUsed):
        return notice(request, "used", wave=error.wave, status=410)
    if isinstance(error, services.SurveyClosed):
        return closed(request, error.wave)
    if isinstance(error, services.OpenLinkFull):
        return notice(request, "full", wave=error.wave, status=410)
    return notice(request, "unknown", status=404)


def closed(request, wave: Wave):
    if wave.opens_after(timezone.localdate()):
        return notice(request, "not_open", wave=wave)
    return notice(request, "closed", wave=wave, status=410)


# Answering


@private_page
@require_http_methods(["GET", "POST"])
def enter_code(request):
    """Type the code from a printed letter; a known code goes on to its answer page."""
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if throttle.exhausted(throttle.CODE_MISSES, request):
            return notice(request, "too_many_attempts", status=429)
        code = form.cleaned_data["code"]
        if selectors.find_invitation(code) is None:
            throttle.take(throttle.CODE_MISSES, request)
            form.add_error("code", _("We cannot find this code. Check that you typed it as it is in your letter."))
        else:
            return see_other(reverse("surveys:answer", kwargs={"code": codes.grouped(code)}))
    return form_page(render(request, "surveys/enter_code.html", {"form": form}))


@sensitive_url_kwargs("code")
@private_page
@require_http_methods(["GET", "POST"])
def answer_with_code(request, code: str):
    today = timezone.localdate()
    if throttle.exhausted(throttle.CODE_MISSES, request):
        return notice(request, "too_many_attempts", status=429)
    invitation = selectors.find_invitation(code)
    if invitation is None:
        throttle.take(throttle.CODE_MISSES, request)
        return notice(request, "unknown", status=404)
    wave = invitation.wave
    if not wave.is_open_on(today):
        return closed(request, wave)
    if invitation.used_on is not None:
        return notice(request, "used", wave=wave, status=410)
    return answer_page(request, wave, today=today, submit={"code": code})


@private_page
@require_http_methods(["GET", "POST"])
def answer_open_link(request, key):
    today = timezone.localdate()
    wave = selectors.open_link_wave(key)
    if wave is None:
        return notice(request, "unknown_link", status=404)
    if not wave.is_open_on(today):
        return closed(request, wave)
    if selectors.open_link_full(wave):
        return notice(request, "full", wave=wave, status=410)
    return answer_page(request, wave, today=today, submit={"open_link_key": key}, open_link=True)


def answer_page(request, wave: Wave, *, today, submit: dict, open_link: bool = False):
    """The questions of the wave; posted answers go to services.submit_response, which checks them."""
    questions = selectors.questions_of(wave)
    prefetch_translations([wave.survey, *questions])
    form = AnswerForm(request.POST if request.method == "POST" else None, questions=questions)
    if request.method == "POST" and form.is_valid():
        receipt = None
        if open_link:
            receipt = throttle.take(throttle.OPEN_LINK_ANSWERS, request)
            if receipt is None:
                return notice(request, "too_many_answers", wave=wave, status=429)
        try:
            services.submit_response(
                **submit, answers=form.answers(), today=today, questions=questions, language=active_language()
            )
        except services.SurveyError as error:
            throttle.give_back(receipt)
            return refused(request, error)
        except RuleViolation as error:
            throttle.give_back(receipt)
            form.add_service_errors(error)
        else:
            return see_other(reverse("surveys:thanks"))
    survey = wave.survey
    prefetch_translations([survey, *questions])
    shown = [survey.translated(field) for field in survey.TRANSLATED_FIELDS]
    shown += [question.translated(field) for question in questions for field in question.TRANSLATED_FIELDS]
    for text in shown:  # the questions are labels, not templates: the page's notices hear of them here
        note_shown(text)
    context = {
        "wave": wave,
        "survey": survey,
        "municipality": survey.municipality,
        "form": form,
        "open_link": open_link,
    }
    return form_page(render(request, "surveys/answer.html", context))


@private_page
@require_safe
def thanks(request):
    return render(request, "surveys/thanks.html")


# The managers' pages


def open_links(request, wave: Wave) -> list[dict]:
    """The wave's open link in every language but Danish, each named in its own language."""
    links = []
    for code in content_languages():
        with translation.override(code):
            url = request.build_absolute_uri(reverse("surveys:open-link", args=[wave.open_link_key]))
        links.append(
            {"code": code, "name": languages.own_name(code), "bidi": get_language_info(code)["bidi"], "url": url}
        )
    return links


def overview_row(request, wave: Wave, today) -> dict:
    with translation.override(SOURCE_LANGUAGE):
        open_link = reverse("surveys:open-link", args=[wave.open_link_key]) if wave.open_link_key else ""
    return {
        "open_links": open_links(request, wave) if open_link else [],
        "wave": wave,
        "takes_invitations": wave.takes_invitations(today),
        "is_open": wave.is_open_on(today),
        "is_upcoming": wave.opens_after(today),
        "open_link": request.build_absolute_uri(open_link) if open_link else "",
    }


@manager_required
@require_safe
def manager_overview(request):
    today = timezone.localdate()
    rows = [
        {"survey": survey, "waves": [overview_row(request, wave, today) for wave in survey.waves.all()]}
        for survey in selectors.surveys_with_wave_counts(request.user)
    ]
    return render(request, "surveys/manage/overview.html", {"rows": rows})


def letter_language(language: str) -> dict:
    """The printed letters' language and direction, for the letters' template."""
    return {"letter_language": language, "letter_bidi": get_language_info(language)["bidi"]}


def hand_out(request, wave: Wave, form: InvitationForm, today):
    """Make the invitations the valid form asks for: the letters' page, or the e-mails' page."""
    context = {"wave": wave, "survey": wave.survey, "municipality": wave.survey.municipality}
    unit, language = form.cleaned_data["unit"], form.cleaned_data["language"]
    base_url = request.build_absolute_uri("/").rstrip("/")
    if form.cleaned_data["delivery"] == Delivery.LETTERS:
        made = services.generate_invitations(
            wave=wave, unit=unit, count=form.cleaned_data["count"], acting_user=request.user, today=today
        )
        letters = [services.links_for(code, base_url=base_url, language=language) for code in made]
        return render(
            request,
            "surveys/manage/letters.html",
            {**context, "unit": unit, "letters": letters, **letter_language(language)},
        )
    batch = services.invite_by_email(
        wave=wave,
        unit=unit,
        addresses=form.cleaned_data["addresses"],
        acting_user=request.user,
        base_url=base_url,
        language=language,
    )
    return HttpResponseRedirect(reverse("surveys:email-round", args=[batch.pk]))


@manager_required
@require_http_methods(["GET", "POST"])
def create_invitations(request, pk: int):
    """Make invitations for a unit of a wave; the codes are shown (or e-mailed) this once only."""
    wave = get_object_or_404(
        survey_policy.visible(request.user, Wave.objects.select_related("survey__municipality")), pk=pk
    )
    today = timezone.localdate()
    context = {"wave": wave, "survey": wave.survey, "municipality": wave.survey.municipality, "form": None}
    if not wave.takes_invitations(today):
        return render(request, "surveys/manage/invitations.html", context)
    units = survey_policy.visible(request.user, wave.units.all())
    form = InvitationForm(request.POST if request.method == "POST" else None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            return hand_out(request, wave, form, today)
        except RuleViolation as error:
            show_on_form(form, error)
    return render(request, "surveys/manage/invitations.html", {**context, "form": form})


@manager_required
@require_http_methods(["GET", "POST"])
def survey_languages(request, pk: int):
    """The questionnaire in each language: how many of its texts are checked, drafts, outdated or missing; a
    manager approves a language's drafts here."""
    survey = get_object_or_404(
        survey_policy.visible(request.user, Survey.objects.select_related("municipality")), pk=pk
    )
    errors = []
    if request.method == "POST":
        language = request.POST.get("language", "")
        try:
            approved = services.approve_translations(
                survey=survey, language=language, acting_user=request.user, drafts_seen=request.POST.get("seen", "")
            )
        except RuleViolation as error:
            errors = error.messages
        except StaleVersion:
            errors = [_("Someone changed the translations while you looked. Nothing was approved; read them again "
                        "and approve once more.")]  # fmt: skip
        else:
            messages.success(
                request,
                ngettext("%(count)d translation approved.", "%(count)d translations approved.", approved)
                % {"count": approved},
            )
            return see_other(reverse("surveys:languages", args=[survey.pk]))
    reading = request.GET.get("language", "")
    context = {
        "survey": survey,
        "municipality": survey.municipality,
        "progress": languages.translation_progress(survey),
        "errors": errors,
        "reading": reading if is_content_language(reading) else "",
    }
    if context["reading"]:
        context["texts"] = languages.side_by_side(survey, reading)
        context["reading_name"] = languages.own_name(reading)
        context["reading_bidi"] = get_language_info(reading)["bidi"]
    return render(request, "surveys/manage/languages.html", context, status=400 if errors else 200)


def _visible_round(request, pk: int) -> EmailBatch:
    rounds = EmailBatch.objects.select_related("wave__survey__municipality", "unit")
    return get_object_or_404(survey_policy.visible(request.user, rounds), pk=pk)


@manager_required
@require_safe
def email_round(request, pk: int):
    """An e-mail round's progress: sent, failed, waiting. The failed addresses are shown once, when it is done."""
    batch = _visible_round(request, pk)
    progress = email_sending.progress(batch)
    failed_addresses = services.take_failed_addresses(batch=batch) if progress["done"] and progress["failed"] else []
    today = timezone.localdate()
    context = {
        "batch": batch,
        "wave": batch.wave,
        "survey": batch.wave.survey,
        "progress": progress,
        "failed_addresses": failed_addresses,
        "may_remind": progress["done"]
        and batch.kind == EmailBatch.Kind.INVITATIONS
        and batch.wave.takes_invitations(today)
        and not batch.reminders.exists(),
        "status_url": reverse("surveys:email-round-status", args=[batch.pk]),
        "language_name": languages.own_name(batch.language),
    }
    return render(request, "surveys/manage/email_round.html", context)


@manager_required
@require_safe
def email_round_status(request, pk: int):
    """The counts of the progress page, for its script to update them without a reload."""
    return JsonResponse(email_sending.progress(_visible_round(request, pk)))


@manager_required
@require_http_methods(["POST"])
def remind(request, pk: int):
    """Order the reminder round to the invitations of an e-mail round not yet used."""
    batch = _visible_round(request, pk)
    try:
        reminder = services.remind_by_email(batch=batch, acting_user=request.user)
    except RuleViolation as error:
        return render(
            request,
            "surveys/manage/email_round.html",
            {
                "batch": batch,
                "wave": batch.wave,
                "survey": batch.wave.survey,
                "progress": email_sending.progress(batch),
                "errors": error.messages,
                "language_name": languages.own_name(batch.language),
            },
            status=400,
        )
    return HttpResponseRedirect(reverse("surveys:email-round", args=[reminder.pk]))

"""consent.rules and consent.cpr without HTTP and without a database: unsaved model instances with pks.

Each test names the behaviour it protects. The dates: consents given 01.03.2025, asked about 01.06.2025.
"""

import hashlib
import hmac
import itertools
import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation

from consent.cpr import century, cpr_digest, mask, parse_cpr
from consent.models import Agreement, Citizen, Consent, Dialogue, FollowUp, Relative
from consent.rules import (
    CONSENT_MAX_DAYS,
    ConsentState,
    consent_state,
    current_decisions,
    current_version_of,
    current_versions,
    default_valid_until,
    may_disclose,
    searches_by_cpr,
    validate_agreement,
    validate_consent,
    validate_dialogue,
    validate_follow_up,
    validate_name_search,
)

GIVEN = date(2025, 3, 1)
TODAY = date(2025, 6, 1)
PERMIT, REFUSE, REVOKED = Consent.Decision.PERMIT, Consent.Decision.REFUSE, Consent.Decision.REVOKED

_pks = itertools.count(1000)


def relative(name: str = "Anna Testesen", *, pk: int = 1, is_minor: bool = False) -> Relative:
    return Relative(pk=pk, citizen_id=1, name=name, relation="datter", is_minor=is_minor)


def version(
    about: Relative,
    decision: str = PERMIT,
    categories=("helbred",),
    *,
    supersedes: Consent | None = None,
    given_on: date = GIVEN,
    valid_from: date | None = None,
    valid_until: date | None = None,
    **fields,
) -> Consent:
    """An unsaved consent version with a pk, as the rules see it (the newest of a chain supersedes the older)."""
    valid_from = valid_from or given_on
    if decision == PERMIT and valid_until is None:
        valid_until = default_valid_until(valid_from)
    values = {
        "form": Consent.Form.ORAL,
        "oral_note": "Borgeren sagde ja.",
        "contact": Consent.Contact.STAFF_MAY_CONTACT if decision == PERMIT else "",
        "reason": "Borgeren ombestemte sig." if decision == REVOKED else "",
        **fields,
    }
    return Consent(
        pk=next(_pks),
        citizen_id=1,
        relative=about,
        supersedes_id=supersedes.pk if supersedes else None,
        decision=decision,
        categories=list(categories),
        given_on=given_on,
        valid_from=valid_from,
        valid_until=valid_until,
        **values,
    )


def ask(about: Relative, *consents: Consent, category: str = "helbred", on: date = TODAY):
    return may_disclose(relative=about, category=category, on=on, consents=consents)


# --- State and current version ---------------------------------------------------------------------


def test_a_consent_is_in_force_from_its_first_to_its_last_day():
    permission = version(relative(), valid_from=date(2025, 3, 1), valid_until=date(2025, 5, 31))
    assert consent_state(permission, date(2025, 2, 28)) == ConsentState.NOT_YET == "not_yet"
    assert consent_state(permission, date(2025, 3, 1)) == ConsentState.IN_FORCE == "in_force"
    assert consent_state(permission, date(2025, 5, 31)) == ConsentState.IN_FORCE
    assert consent_state(permission, date(2025, 6, 1)) == ConsentState.EXPIRED == "expired"


def test_a_refusal_without_an_end_is_in_force_until_changed_and_a_revocation_is_never_in_force():
    anna = relative()
    refusal = version(anna, REFUSE)
    assert refusal.valid_until is None
    assert consent_state(refusal, date(2099, 1, 1)) == ConsentState.IN_FORCE
    revocation = version(anna, REVOKED, supersedes=refusal, given_on=date(2025, 5, 1))
    for day in [date(2025, 4, 30), date(2025, 5, 1), date(2030, 1, 1)]:
        assert consent_state(revocation, day) == ConsentState.REVOKED == "revoked"


def test_the_current_version_of_a_chain_is_its_newest_from_any_version_of_it():
    anna, bo = relative(), relative("Bo Testesen", pk=2)
    first = version(anna)
    second = version(anna, supersedes=first, given_on=date(2025, 4, 1))
    third = version(anna, REVOKED, supersedes=second, given_on=date(2025, 5, 1))
    other_chain = version(anna, REFUSE, ["misbrug"])
    bos = version(bo)
    everything = [third, first, bos, other_chain, second]
    for start in (first, second, third):
        assert current_version_of(start, everything) == third
    assert current_version_of(other_chain, everything) == other_chain
    assert current_versions(everything) == [third, bos, other_chain]
    assert current_decisions(everything) == [bos, other_chain]  # the revocation decides nothing


# --- may_disclose -----------------------------------------------------------------------------------


def test_current_permission_allows_disclosure_of_a_covered_category():
    anna = relative()
    permission = version(anna, categories=["helbred", "behandling"])
    answer = ask(anna, permission, category="behandling")
    assert (answer.allowed, answer.code, answer.consent) == (True, "permitted", permission)


def test_expired_consent_blocks_disclosure():
    anna = relative()
    permission = version(anna, given_on=date(2024, 1, 2), valid_until=date(2024, 12, 31))
    answer = ask(anna, permission)
    assert (answer.allowed, answer.code, answer.consent) == (False, "expired", permission)


def test_consent_still_allows_on_its_last_day_and_not_the_day_after():
    anna = relative()
    permission = version(anna, valid_until=TODAY)
    assert ask(anna, permission).allowed
    assert ask(anna, permission, on=TODAY + timedelta(days=1)).code == "expired"


def test_revoked_consent_blocks_disclosure():
    anna = relative()
    permission = version(anna)
    revocation = version(anna, REVOKED, supersedes=permission, given_on=date(2025, 5, 1))
    answer = ask(anna, permission, revocation)
    assert (answer.allowed, answer.code, answer.consent) == (False, "revoked", revocation)


def test_revocation_blocks_even_when_the_revoked_version_is_listed_after_it():
    anna = relative()
    permission = version(anna)
    revocation = version(anna, REVOKED, supersedes=permission, given_on=date(2025, 5, 1))
    assert ask(anna, revocation, permission).code == "revoked"


def test_superseded_version_no_longer_counts_and_the_new_versions_scope_does():
    anna = relative()
    old = version(anna, categories=["helbred", "oekonomi"])
    new = version(anna, categories=["helbred"], supersedes=old, given_on=date(2025, 4, 1))
    assert current_versions([old, new]) == [new]
    finances = ask(anna, old, new, category="oekonomi")
    assert (finances.allowed, finances.code) == (False, "outside_scope")
    health = ask(anna, old, new, category="helbred")
    assert (health.allowed, health.consent) == (True, new)


def test_a_change_widening_the_scope_allows_the_added_category():
    anna = relative()
    old = version(anna, categories=["helbred"])
    new = version(anna, categories=["helbred", "oekonomi"], supersedes=old, given_on=date(2025, 4, 1))
    assert ask(anna, old, new, category="oekonomi").consent == new


def test_a_permission_replacing_a_refusal_allows():
    anna = relative()
    refusal = version(anna, REFUSE)
    permission = version(anna, supersedes=refusal, given_on=date(2025, 4, 1))
    assert ask(anna, refusal, permission).code == "permitted"


def test_future_dated_consent_is_not_yet_valid():
    anna = relative()
    permission = version(anna, given_on=date(2025, 5, 20), valid_from=date(2025, 7, 1))
    answer = ask(anna, permission)
    assert (answer.allowed, answer.code, answer.consent) == (False, "not_yet_valid", permission)
    assert ask(anna, permission, on=date(2025, 7, 1)).allowed  # from its first day


def test_refused_category_blocks_disclosure():
    anna = relative()
    refusal = version(anna, REFUSE, ["misbrug"])
    answer = ask(anna, refusal, category="misbrug")
    assert (answer.allowed, answer.code, answer.consent) == (False, "refused", refusal)


def test_refusal_overrides_a_permission_for_the_same_relative_and_kind():
    anna = relative()
    permission = version(anna, categories=["helbred", "behandling"])
    refusal = version(anna, REFUSE, ["helbred"])  # a second chain, not a new version of the first
    for order in [(permission, refusal), (refusal, permission)]:
        answer = ask(anna, *order)
        assert (answer.allowed, answer.code, answer.consent) == (False, "refused", refusal)
    assert ask(anna, permission, refusal, category="behandling").code == "permitted"


def test_expired_refusal_no_longer_overrides_a_permission():
    anna = relative()
    refusal = version(anna, REFUSE, given_on=date(2024, 1, 2), valid_until=date(2024, 12, 31))
    permission = version(anna)
    assert ask(anna, refusal, permission).code == "permitted"


def test_revocation_in_one_chain_does_not_block_a_permission_in_another():
    anna = relative()
    first = version(anna, categories=["helbred"])
    revocation = version(anna, REVOKED, ["helbred"], supersedes=first, given_on=date(2025, 5, 1))
    second = version(anna, categories=["helbred"], given_on=date(2025, 5, 2))
    answer = ask(anna, first, revocation, second)
    assert (answer.allowed, answer.consent) == (True, second)


def test_two_consents_for_the_same_relative_both_count():
    anna = relative()
    health = version(anna, categories=["helbred"])
    finances = version(anna, categories=["oekonomi"], given_on=date(2025, 3, 5))
    assert current_versions([health, finances]) == [health, finances]
    assert ask(anna, health, finances, category="helbred").consent == health
    assert ask(anna, health, finances, category="oekonomi").consent == finances
    assert ask(anna, health, finances, category="misbrug").code == "outside_scope"


def test_consents_about_another_relative_do_not_count():
    anna, bo = relative(), relative("Bo Testesen", pk=2)
    answer = ask(bo, version(anna))
    assert (answer.allowed, answer.code) == (False, "no_consent")


def test_no_consent_at_all_blocks_disclosure():
    answer = ask(relative())
    assert (answer.allowed, answer.code, answer.consent) == (False, "no_consent", None)


def test_permission_that_does_not_cover_the_category_is_outside_scope():
    anna = relative()
    answer = ask(anna, version(anna, categories=["praktiske_forhold"]), category="strafbare_forhold")
    assert (answer.allowed, answer.code, answer.consent) == (False, "outside_scope", None)


def test_relative_under_18_is_told_no_even_with_a_permission_with_the_reason_in_danish_and_english():
    child = relative("Ida Testesen", is_minor=True)
    answer = ask(child, version(child))
    assert (answer.allowed, answer.code, answer.consent) == (False, "minor", None)
    with translation.override("en"):
        english = str(answer.reason)
    with translation.override("da"):
        danish = str(answer.reason)
    assert english.startswith("No. The relative is under 18")
    assert "18" in danish
    if danish != english:  # once the Danish catalogue has the sentence
        assert danish.startswith("Nej")


@pytest.mark.parametrize(
    ("consents", "expected_dates"),
    [
        (lambda a: [version(a)], ["01.03.2025", "01.03.2026"]),  # given on, valid until
        (lambda a: [version(a, given_on=date(2024, 1, 2), valid_until=date(2024, 12, 31))], ["31.12.2024"]),
        (lambda a: [version(a, given_on=date(2025, 5, 20), valid_from=date(2025, 7, 1))], ["01.07.2025"]),
        (lambda a: [p := version(a), version(a, REVOKED, supersedes=p, given_on=date(2025, 5, 1))], ["01.05.2025"]),
        (lambda a: [version(a, REFUSE)], []),
        (lambda a: [version(a, categories=["oekonomi"])], []),
        (lambda a: [], []),
    ],
    ids=["permitted", "expired", "not_yet_valid", "revoked", "refused", "outside_scope", "no_consent"],
)
def test_reasons_name_the_relative_and_write_dates_as_dd_mm_yyyy(consents, expected_dates):
    anna = relative()
    with translation.override("en"):
        reason = str(ask(anna, *consents(anna)).reason)
    assert "Anna Testesen" in reason
    assert re.findall(r"\d{2}\.\d{2}\.\d{4}", reason) == expected_dates
    assert not re.search(r"\d{4}-\d{2}-\d{2}", reason)


# --- validate_consent -------------------------------------------------------------------------------


def test_a_complete_oral_permission_is_valid():
    assert validate_consent(version(relative())) == {}


@pytest.mark.parametrize("grantor", [Consent.Grantor.GUARDIAN, Consent.Grantor.POWER_OF_ATTORNEY])
def test_guardian_or_power_of_attorney_as_grantor_is_valid_with_a_document_reference(grantor):
    consent = version(relative(), grantor=grantor, grantor_document="Familieretshuset j.nr. FR-77-0017")
    assert validate_consent(consent) == {}


@pytest.mark.parametrize("document", ["", "   "])
@pytest.mark.parametrize("grantor", [Consent.Grantor.GUARDIAN, Consent.Grantor.POWER_OF_ATTORNEY])
def test_guardian_or_power_of_attorney_as_grantor_is_refused_without_a_document_reference(grantor, document):
    errors = validate_consent(version(relative(), grantor=grantor, grantor_document=document))
    assert list(errors) == ["grantor_document"]


@pytest.mark.parametrize("note", ["", " \n "])
@pytest.mark.parametrize("decision", [PERMIT, REFUSE])
def test_oral_consent_or_refusal_without_a_note_of_the_conversation_is_refused(decision, note):
    errors = validate_consent(version(relative(), decision, oral_note=note))
    assert list(errors) == ["oral_note"]


def test_written_consent_needs_no_note_of_the_conversation():
    assert validate_consent(version(relative(), form=Consent.Form.WRITTEN, oral_note="")) == {}


def test_default_valid_until_is_one_year_of_365_days():
    assert CONSENT_MAX_DAYS == 365
    assert default_valid_until(date(2025, 3, 1)) == date(2026, 3, 1)
    assert default_valid_until(date(2023, 3, 1)) == date(2024, 2, 29)  # a leap year counts 365 days too


def test_end_date_exactly_one_year_after_the_start_is_accepted():
    consent = version(relative(), valid_until=default_valid_until(GIVEN))
    assert validate_consent(consent) == {}


def test_end_date_past_the_one_year_cap_is_refused_with_the_last_allowed_date():
    consent = version(relative(), valid_until=default_valid_until(GIVEN) + timedelta(days=1))
    with translation.override("en"):
        errors = validate_consent(consent)
        assert list(errors) == ["valid_until"]
        assert "01.03.2026" in str(errors["valid_until"][0])


def test_a_refusal_is_not_capped_at_one_year():
    refusal = version(relative(), REFUSE, valid_until=GIVEN + timedelta(days=5 * 365))
    assert validate_consent(refusal) == {}


def test_end_date_before_the_start_is_refused():
    errors = validate_consent(version(relative(), valid_until=GIVEN - timedelta(days=1)))
    assert list(errors) == ["valid_until"]


def test_a_consent_cannot_be_valid_before_it_was_given():
    errors = validate_consent(version(relative(), valid_from=GIVEN - timedelta(days=1)))
    assert list(errors) == ["valid_from"]


@pytest.mark.parametrize(("categories", "field"), [([], "categories"), (["helbred", "hobbyer"], "categories")])
def test_categories_must_be_chosen_among_the_seven(categories, field):
    assert list(validate_consent(version(relative(), categories=categories))) == [field]


def test_a_permission_must_say_who_contacts_the_relative():
    assert list(validate_consent(version(relative(), contact=""))) == ["contact"]


def test_a_revocation_needs_a_reason_but_no_note():
    anna = relative()
    revocation = version(anna, REVOKED, supersedes=version(anna), oral_note="", reason="")
    assert list(validate_consent(revocation)) == ["reason"]
    revocation.reason = "Borgeren ombestemte sig."
    assert validate_consent(revocation) == {}


def test_a_consent_is_about_one_of_the_citizens_own_relatives():
    stranger = Relative(pk=9, citizen_id=2, name="Fremmed", relation="nabo")
    assert list(validate_consent(version(stranger))) == ["relative"]  # version() gives it citizen 1


def test_a_consent_with_only_some_fields_set_is_checked_as_far_as_it_goes():
    """What a form with wrong dates still asks: the rules about the fields that parsed."""
    partial = Consent(decision=PERMIT, categories=["helbred"], contact="staff", form=Consent.Form.WRITTEN)
    partial.valid_until = date(2030, 1, 1)  # no start date (it did not parse): the period is not checked
    assert validate_consent(partial) == {}
    partial.form = Consent.Form.ORAL
    assert list(validate_consent(partial)) == ["oral_note"]


# --- cpr --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cpr", "born"),
    [
        ("010150-0123", date(1950, 1, 1)),  # 7th digit 0–3: 1900s
        ("311299-3123", date(1999, 12, 31)),
        ("010136-4123", date(2036, 1, 1)),  # 4: 00–36 → 2000s
        ("010137-4123", date(1937, 1, 1)),  # 4: 37–99 → 1900s
        ("010157-5123", date(2057, 1, 1)),  # 5–8: 00–57 → 2000s
        ("010158-8123", date(1858, 1, 1)),  # 5–8: 58–99 → 1800s
        ("150599-6123", date(1899, 5, 15)),
        ("010136-9123", date(2036, 1, 1)),  # 9: 00–36 → 2000s
        ("010137-9123", date(1937, 1, 1)),  # 9: 37–99 → 1900s
        ("290200-4123", date(2000, 2, 29)),  # 2000 is a leap year
    ],
)
def test_valid_cpr_numbers_give_their_date_of_birth_by_the_century_rules(cpr, born):
    digits, birth = parse_cpr(cpr)
    assert (digits, birth) == (cpr.replace("-", ""), born)
    assert parse_cpr(cpr.replace("-", "")) == (digits, birth)
    assert century(born.year % 100, int(digits[6])) + born.year % 100 == born.year


@pytest.mark.parametrize("cpr", ["310290-1234", "290200-1234", "001090-1234", "011390-1234"])
def test_cpr_number_whose_first_six_digits_are_no_date_is_refused(cpr):
    with pytest.raises(ValidationError) as error:
        parse_cpr(cpr)
    assert error.value.code == "cpr_date"


@pytest.mark.parametrize("cpr", ["01019012345", "010190-123", "0101901", "", None, "0101AB-1234", "010190--1234"])
def test_cpr_number_of_the_wrong_form_or_length_is_refused(cpr):
    with pytest.raises(ValidationError) as error:
        parse_cpr(cpr)
    assert error.value.code == "cpr_format"


def test_cpr_number_may_be_written_with_spaces_around_and_inside():
    assert parse_cpr(" 010190 1234 ")[0] == "0101901234"


def test_masked_cpr_shows_only_the_date_of_birth_part():
    assert mask("0101901234") == "010190-xxxx"
    assert mask("010190") == "010190-xxxx"
    assert Citizen(cpr_birth_part="010190").cpr_masked == "010190-xxxx"


def test_cpr_digest_is_stable_and_keyed():
    digest = cpr_digest("0101901234")
    assert digest == cpr_digest("0101901234") and re.fullmatch(r"[0-9a-f]{64}", digest)
    assert digest != cpr_digest("0101901235")
    assert "0101901234" not in digest
    assert digest != hashlib.sha256(b"0101901234").hexdigest()  # not a bare hash anyone could recompute
    with override_settings(CPR_HASH_KEY="another-key"):
        assert cpr_digest("0101901234") != digest
        assert cpr_digest("0101901234") == hmac.new(b"another-key", b"0101901234", hashlib.sha256).hexdigest()
    with override_settings(CPR_HASH_KEY="", SECRET_KEY="fallback-secret-key"):
        assert cpr_digest("0101901234") == hmac.new(b"fallback-secret-key", b"0101901234", hashlib.sha256).hexdigest()


# --- Dialogues, agreements and follow-ups ---------------------------------------------------------


def test_a_dialogue_answered_not_now_needs_a_later_date_to_ask_again():
    held = date(2025, 3, 1)
    not_now = Dialogue(held_on=held, involvement=Dialogue.Involvement.NOT_NOW)
    assert list(validate_dialogue(not_now)) == ["ask_again_on"]
    not_now.ask_again_on = held
    assert list(validate_dialogue(not_now)) == ["ask_again_on"]
    not_now.ask_again_on = held + timedelta(days=1)
    assert validate_dialogue(not_now) == {}
    assert validate_dialogue(Dialogue(held_on=held, involvement=Dialogue.Involvement.YES)) == {}


def test_an_agreement_a_relative_carries_out_names_one_of_the_citizens_relatives():
    anna, stranger = relative(), Relative(pk=9, citizen_id=2, name="Fremmed", relation="nabo")

    def agreement(**fields) -> Agreement:
        return Agreement(citizen_id=1, description="Ring", follow_up_every_days=7, **fields)

    assert list(validate_agreement(agreement(responsible=Agreement.Party.RELATIVE))) == ["relative"]
    assert validate_agreement(agreement(responsible=Agreement.Party.RELATIVE, relative=anna)) == {}
    assert list(validate_agreement(agreement(responsible=Agreement.Party.STAFF, relative=stranger))) == ["relative"]
    assert validate_agreement(agreement(responsible=Agreement.Party.STAFF)) == {}


@pytest.mark.parametrize(
    ("outcome", "next_date", "fields"),
    [
        (FollowUp.Outcome.CONTINUE, None, ["next_date"]),
        (FollowUp.Outcome.CONTINUE, date(2025, 7, 1), ["next_date"]),  # the same day as the follow-up
        (FollowUp.Outcome.CHANGE, date(2025, 7, 2), []),
        (FollowUp.Outcome.END, None, []),  # an ending needs no next date
        (FollowUp.Outcome.END, date(2025, 6, 1), ["next_date"]),  # but a date it has must come after
    ],
)
def test_a_follow_up_sets_a_later_next_date_unless_the_agreement_ends(outcome, next_date, fields):
    follow_up = FollowUp(held_on=date(2025, 7, 1), outcome=outcome, next_date=next_date)
    assert list(validate_follow_up(follow_up)) == fields


# --- The citizen search ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "by_cpr"), [("010190-1234", True), ("Karen 2", True), ("Karen", False), ("Ø", False)]
)
def test_a_query_with_a_digit_searches_by_cpr_number(query, by_cpr):
    assert searches_by_cpr(query) is by_cpr


def test_a_name_search_needs_two_letters():
    assert list(validate_name_search("K")) == ["query"]
    assert validate_name_search("Ka") == {}

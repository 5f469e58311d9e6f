"""A citizen's consents as an HL7 FHIR R5 (5.0.0) Bundle of type "collection", one Consent per version.

Built with the fhir.resources 8.x models (pydantic 2), so that a structure R5 does not allow fails
here, when the bundle is built, and not in the receiving system. fhir.resources does not check code
values against their value sets, so this module builds status and decision only from the constants
below and checks them once more before it returns.

How the portal's consent versions map onto R5 Consent
-----------------------------------------------------
- One Consent per version, current and historic. Versions are never edited in the portal, so each
  resource is a stable snapshot; `id` is uuid5(ID_NAMESPACE, "<municipality slug>:consent:<pk>").
  A version that replaces another carries the extension `replaces` (valueReference to the replaced
  version's fullUrl, "urn:uuid:<id>", which resolves inside the bundle).
- status (R5 ConsentState: draft | active | inactive | not-done | entered-in-error | unknown):
  "active" for the newest version of a chain that is a permission or a refusal and has not expired;
  "inactive" ("terminated or replaced") for a superseded version, a revocation, and an expired one.
  A current version whose period has not begun yet is "active" too: it is to be followed, and its
  `period.start` says from when (R5 "draft" means "not yet intended to be acted upon", which a
  given consent is not).
- decision and provision, as R5 reads them: `decision` is the default and each provision an exception
  to it, a nested provision an exception to its parent (R5 has no provision.type). Under the duty of
  confidentiality (tavshedspligt) the default is that staff tell relatives nothing, so every resource has
  `decision: deny`, and its provisions say what the citizen decided about one relative:
  - a permission is one exception: "permit" for this relative (actor, role IRCP), the action "disclose"
    and these kinds of information (securityLabel);
  - a refusal is an exception for this relative and these kinds with a nested exception for the same
    relative: "deny" again, but now explicitly, for exactly that relative and those kinds. A receiver that
    combines several consents about one relative lets an explicit deny win, as "Må jeg oplyse?" does; the
    default deny of a consent about someone else decides nothing.
  Which kinds a permission really opens is asked of `consent.rules.may_disclose` (the one place that
  decides): a kind it would never allow under this version (e.g. for a relative under 18) is written
  as a refusal instead.
- A revocation is its own version and so its own resource: status "inactive", written as a refusal of
  the same relative and kinds of information as the version it revokes, `period.start` = the day it
  took effect, no end, the extension `consent-revocation` = true and `replaces` pointing at the revoked
  version (which is "inactive" too, as superseded).
- date = given_on; period = valid_from … valid_until (no end when open-ended).
- subject = "Patient/<uuid5 of <slug>:citizen:<pk>>" with the citizen's CPR number as its identifier
  (system urn:oid:1.2.208.176.1.2, DK Core's CPR identifier), so that a receiving system can match the
  citizen. The portal keeps only a hash of the number, so the caseworker types it at export time;
  consent.services.export_fhir checks it against the hash, and it is neither stored nor logged. No name.
- grantor: the citizen (the same Patient reference), or, for a guardian (værge) or a lasting power
  of attorney (fremtidsfuldmægtig), a contained RelatedPerson "#grantor" with relationship
  v3-RoleCode GUARD or DPOWATT and the document reference (the appointment or the power of
  attorney) as its identifier; the reference's display is the role ("Værge", "Fremtidsfuldmægtig"),
  never a name.
- controller and grantee = the municipality: Organization reference with display = its name and
  identifier = the four-digit kommunekode ("0167") in DK Core's municipality code system.
- category = v3-ActCode IDSCL (information disclosure).
- provision: actor = the relative, role v3-ParticipationType IRCP (information recipient),
  reference "RelatedPerson/<uuid5 of <slug>:relative:<pk>>" ("Practitioner/…" for another
  professional), no name; action = consentaction "disclose"; the kinds of information as
  securityLabel codes from the local CodeSystem CATEGORY_SYSTEM. securityLabel and not documentType
  or purpose: the seven kinds are sensitivity classes of information (R5: "security labels … define
  which resources are controlled"), not document types, and not the reason for the access.
  Whether staff may contact the relative is the provision extension `staff-may-contact`.
- How the consent was given (oral/written) is the extension `consent-form`. The oral note, the
  reason of a change or revocation, and the names of the citizen and relatives are not exported.
"""

import uuid
from datetime import date

from django.utils import timezone
from fhir.resources.bundle import Bundle, BundleEntry
from fhir.resources.codeableconcept import CodeableConcept
from fhir.resources.coding import Coding
from fhir.resources.consent import Consent as FhirConsent
from fhir.resources.consent import ConsentProvision, ConsentProvisionActor
from fhir.resources.extension import Extension
from fhir.resources.identifier import Identifier
from fhir.resources.period import Period
from fhir.resources.reference import Reference
from fhir.resources.relatedperson import RelatedPerson

from . import rules
from .models import Citizen, Consent, InformationCategory, Relative

FHIR_VERSION = "5.0.0"
FHIR_BASE = "https://paaroerendeportalen.dk/fhir"
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, FHIR_BASE)

CATEGORY_SYSTEM = f"{FHIR_BASE}/CodeSystem/oplysningskategori"
KOMMUNEKODE_SYSTEM = "http://hl7.dk/fhir/core/CodeSystem/dk-core-municipality-codes"
CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"
GRANTOR_DOCUMENT_SYSTEM = f"{FHIR_BASE}/NamingSystem/repraesentationsdokument"
EXT_REPLACES = f"{FHIR_BASE}/StructureDefinition/replaces"
EXT_REVOCATION = f"{FHIR_BASE}/StructureDefinition/consent-revocation"
EXT_FORM = f"{FHIR_BASE}/StructureDefinition/consent-form"
EXT_STAFF_MAY_CONTACT = f"{FHIR_BASE}/StructureDefinition/staff-may-contact"

V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V3_PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
V3_ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
CONSENT_ACTION = "http://terminology.hl7.org/CodeSystem/consentaction"

# R5 ConsentState (required binding) and ConsentProvisionType, which fhir.resources does not enforce.
CONSENT_STATES = frozenset({"draft", "active", "inactive", "not-done", "entered-in-error", "unknown"})
DECISIONS = frozenset({"permit", "deny"})

# The local CodeSystem's displays: fixed Danish terms, whatever language the exporting user reads.
CATEGORY_DISPLAY = {
    InformationCategory.HEALTH: "Helbred",
    InformationCategory.TREATMENT: "Behandling",
    InformationCategory.SOCIAL: "Sociale forhold",
    InformationCategory.ADDICTION: "Misbrug",
    InformationCategory.FINANCES: "Økonomi",
    InformationCategory.CRIMINAL: "Strafbare forhold",
    InformationCategory.PRACTICAL: "Praktiske forhold",
}

GRANTOR_ROLE = {
    Consent.Grantor.GUARDIAN: ("GUARD", "guardian", "Værge"),
    Consent.Grantor.POWER_OF_ATTORNEY: ("DPOWATT", "durable power of attorney", "Fremtidsfuldmægtig"),
}


def fhir_id(municipality, kind: str, pk: int) -> str:
    """A stable id: the same portal row always gives the same id, and no id reveals more than the row's pk."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{municipality.slug}:{kind}:{pk}"))


def version_status(consent: Consent, *, current: bool, on: date) -> str:
    """R5 status from the portal's state: a current version that is in force or not yet is "active"."""
    if current and rules.consent_state(consent, on) in (rules.ConsentState.IN_FORCE, rules.ConsentState.NOT_YET):
        return "active"
    return "inactive"


def _relative_reference(relative: Relative, municipality) -> Reference:
    kind = "Practitioner" if relative.kind == Relative.Kind.PROFESSIONAL else "RelatedPerson"
    return Reference(reference=f"{kind}/{fhir_id(municipality, 'relative', relative.pk)}", type=kind)


def _grantor(consent: Consent, patient: Reference) -> tuple[list[Reference], list[RelatedPerson]]:
    if consent.grantor == Consent.Grantor.CITIZEN:
        return [patient], []
    code, display, role = GRANTOR_ROLE[consent.grantor]
    representative = RelatedPerson(
        id="grantor",
        identifier=[Identifier(system=GRANTOR_DOCUMENT_SYSTEM, value=consent.grantor_document)],
        patient=patient,
        relationship=[CodeableConcept(coding=[Coding(system=V3_ROLE_CODE, code=code, display=display)], text=role)],
    )
    return [Reference(reference="#grantor", type="RelatedPerson", display=role)], [representative]


def opened_categories(consent: Consent) -> list[str]:
    """The kinds of information this permission lets staff tell its relative, as consent.rules decides it."""
    if consent.decision != Consent.Decision.PERMIT:
        return []
    return [
        category
        for category in consent.categories
        if rules.may_disclose(
            relative=consent.relative, category=category, on=consent.valid_from, consents=[consent]
        ).allowed
    ]


def _provisions(consent: Consent, municipality) -> list[ConsentProvision]:
    opened = opened_categories(consent)
    closed = [category for category in consent.categories if category not in opened]
    provisions = []
    if opened:
        provisions.append(_exception(consent, municipality, opened, contact=True))
    if closed:
        refusal = _exception(consent, municipality, closed)
        refusal.provision = [ConsentProvision(actor=_actors(consent, municipality))]
        provisions.append(refusal)
    return provisions


def _actors(consent: Consent, municipality) -> list[ConsentProvisionActor]:
    return [
        ConsentProvisionActor(
            role=CodeableConcept(
                coding=[Coding(system=V3_PARTICIPATION_TYPE, code="IRCP", display="information recipient")]
            ),
            reference=_relative_reference(consent.relative, municipality),
        )
    ]


def _exception(consent: Consent, municipality, categories: list[str], *, contact: bool = False) -> ConsentProvision:
    """An exception to the decision: this relative, the action "disclose", these kinds of information."""
    extension = []
    if consent.contact and contact:
        extension.append(
            Extension(url=EXT_STAFF_MAY_CONTACT, valueBoolean=consent.contact == Consent.Contact.STAFF_MAY_CONTACT)
        )
    return ConsentProvision(
        extension=extension or None,
        actor=_actors(consent, municipality),
        action=[CodeableConcept(coding=[Coding(system=CONSENT_ACTION, code="disclose", display="Disclose")])],
        securityLabel=[
            Coding(system=CATEGORY_SYSTEM, code=category, display=CATEGORY_DISPLAY[category]) for category in categories
        ],
    )


def consent_resource(consent: Consent, *, municipality, current: bool, on: date, cpr: str) -> FhirConsent:
    """One consent version as an R5 Consent (see the module docstring for the mapping)."""
    patient = Reference(
        reference=f"Patient/{fhir_id(municipality, 'citizen', consent.citizen_id)}",
        type="Patient",
        identifier=Identifier(system=CPR_SYSTEM, value=cpr),
    )
    organization = Reference(
        type="Organization",
        identifier=Identifier(system=KOMMUNEKODE_SYSTEM, value=municipality.kommunekode),
        display=municipality.name,
    )
    grantor, contained = _grantor(consent, patient)
    extension = [Extension(url=EXT_FORM, valueCode=consent.form)]
    if consent.supersedes_id:
        replaced = fhir_id(municipality, "consent", consent.supersedes_id)
        extension.append(Extension(url=EXT_REPLACES, valueReference=Reference(reference=f"urn:uuid:{replaced}")))
    if consent.decision == Consent.Decision.REVOKED:
        extension.append(Extension(url=EXT_REVOCATION, valueBoolean=True))
    resource = FhirConsent(
        id=fhir_id(municipality, "consent", consent.pk),
        contained=contained or None,
        extension=extension,
        status=version_status(consent, current=current, on=on),
        category=[CodeableConcept(coding=[Coding(system=V3_ACT_CODE, code="IDSCL", display="information disclosure")])],
        subject=patient,
        date=consent.given_on,
        period=Period(start=consent.valid_from, end=consent.valid_until),
        grantor=grantor,
        grantee=[organization],
        controller=[organization],
        decision="deny",
        provision=_provisions(consent, municipality),
    )
    if resource.status not in CONSENT_STATES or resource.decision not in DECISIONS:
        raise ValueError(f"Not an R5 Consent status or decision: {resource.status}, {resource.decision}")
    return resource


def consents_bundle(citizen: Citizen, *, cpr: str, on: date | None = None) -> dict:
    """Every consent version of `citizen` as a FHIR R5 Bundle (JSON-ready dict), in two queries at most.

    `cpr` is the citizen's CPR number (10 digits), checked by the caller against the stored hash; `on` is
    the day the statuses are judged on (today by default).
    """
    day = on or timezone.localdate()
    municipality = citizen.municipality
    versions = list(Consent.objects.filter(citizen=citizen).select_related("relative").order_by("recorded_at", "pk"))
    current = {version.pk for version in rules.current_versions(versions)}
    entries = []
    for version in versions:
        resource = consent_resource(version, municipality=municipality, current=version.pk in current, on=day, cpr=cpr)
        entries.append(BundleEntry(fullUrl=f"urn:uuid:{resource.id}", resource=resource))
    bundle = Bundle(type="collection", timestamp=timezone.now(), entry=entries or None)
    return bundle.model_dump(mode="json", exclude_none=True)

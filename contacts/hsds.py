"""The "Find rundt" directory as open data in the Open Referral Human Services Data Specification, HSDS 3.0.

Plain functions, no HTTP: `hsds_json(municipality, base_url=…)` builds the JSON document and
`hsds_tabular_zip(municipality, base_url=…)` the Tabular Data Package. Both read the directory in four
queries, however many contact points, needs and situations there are.

How the directory maps onto HSDS 3.0 (object and field names as in the spec's schema/*.json):

* the municipality is one `organization` (with its kommunekode as an `organization_identifier`);
* the needs and situations form one `taxonomy` per municipality (named as in `taxonomy_name`):
  each need is a top-level `taxonomy_term`, each situation a `taxonomy_term` whose `parent_id` is its need;
  `term_uri` is the need's section of the directory page or the situation's own page;
* each contact point is a `service` (`status` "active") of the organization, with its phone number as a
  `phone` ("+45 36 39 28 80": HSDS asks for E.164 numbers, delimiters allowed), its opening hours as a
  `schedule` with only a `description` (they are free text, not RRULEs), its e-mail, and as `url` its own
  website or else its page in the portal. `assured_date` is `last_checked`, the spec's "date that the
  information about the service was last checked". `last_modified` (a date-time of the last change) is not
  sent: the directory keeps no such time per contact point, and a checking date is not a change;
* a service is tied to the situations it serves the HSDS 3.0 way: one `attribute` per link, with
  `link_entity` "service", `link_id` the service, `taxonomy_term_id` the situation's term, the nested
  `taxonomy_term`, and as `value` what to ask the contact point about in that situation.

Not exported: `contacts` (HSDS contacts are named people; a contact point is a team or an office, which is
the service itself) and addresses (an HSDS `address` needs address_1, city, postal_code, … and ours are free
text). The content is Danish, as the editors write it; the English versions are not exported.

Identifiers are UUIDs, as HSDS 3.0 requires for every `id`: UUIDv5 of e.g. "167:contact-point:12", built on
the kommunekode (official, and unchanged when the portal address of the municipality changes) and the
database key, so that an export has the same ids every time.

JSON shape. HSDS 3.0 has no packaging format for a whole data set in one file (docs/hsds/serialization.md:
"the canonical HSDS JSON Schemas do not provide an official packaging format…"); its API reference lists
records in a `Page`. The document is therefore the answer the API's `/services` endpoint would give with
every service on one page — `total_items`, `total_pages`, `page_number`, `size`, `first_page`, `last_page`,
`empty` and `contents`, the services fully nested as in schema/compiled/service.json (organization, phones,
schedules, attributes → taxonomy_term → taxonomy_detail) — plus, as siblings, what the `/taxonomies` and
`/taxonomy_terms` endpoints would list (the whole hierarchy, needs included, which no service links to
directly) and the organization, and `version`, the HSDS version, as in the API's `/` response.

Tabular form. HSDS 3.0's tabular serialization is a Tabular Data Package: one CSV per object (RFC 4180,
UTF-8) named as in the schemas' `path`, rows referring to each other by id, and a `datapackage.json`
descriptor. `hsds_tabular_zip` returns it as a zip with every table and column of the specification's own
descriptor (`TABULAR_TABLES`, in its order, with its types; empty where the directory has nothing), so a
consumer can read it with the official `datapackage.json` as well as with the one in the zip.
"""

import csv
import io
import json
import uuid
import zipfile
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import iri_to_uri

from portal.models import Municipality

from .directory import contact_points, needs_with_situations
from .models import ContactPoint
from .validators import format_phone, normalize_phone

HSDS_VERSION = "3.0.0"  # as the specification's own datapackage.json (branch 3.0) writes it
LANGUAGE = "da"
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:paaroerendeportalen:hsds")

# The Tabular Data Package of HSDS 3.0 as the specification's datapackage.json has it: every table (resource
# name, file) in its order, and its columns in their order. A column is written "name" (a string),
# "name:uuid", "name:uri", "name:email" (a string in that format) or "name:number", "name:date",
# "name:datetime", "name:time" (that type); "!" marks a column the descriptor requires.
TABULAR_TABLES = [
    ("organization", "organizations.csv", "id:uuid! name! alternate_name description! email:email website:uri "
     "tax_status tax_id year_incorporated:number legal_status logo uri:uri parent_organization_id:uuid"),
    ("program", "programs.csv", "id:uuid! organization_id:uuid! name! alternate_name description!"),
    ("service", "services.csv", "id:uuid! organization_id:uuid! program_id:uuid name! alternate_name description "
     "url:uri email:email status! interpretation_services application_process fees_description wait_time fees "
     "accreditations eligibility_description minimum_age:number maximum_age:number assured_date:date "
     "assurer_email:email licenses alert last_modified:datetime"),
    ("attribute", "attributes.csv", "id:uuid! link_id:uuid! taxonomy_term_id:uuid! link_type link_entity! value"),
    ("service_at_location", "service_at_location.csv", "id:uuid! service_id:uuid! location_id:uuid! description"),
    ("location", "locations.csv", "id:uuid! location_type! url:uri organization_id:uuid name alternate_name "
     "description transportation latitude:number longitude:number external_identifier external_identifier_type"),
    ("phone", "phones.csv", "id:uuid! location_id:uuid service_id:uuid organization_id:uuid contact_id:uuid "
     "service_at_location_id:uuid number! extension:number type description"),
    ("contact", "contacts.csv", "id:uuid! organization_id:uuid service_id:uuid service_at_location_id:uuid "
     "location_id:uuid name title department email:email"),
    ("address", "addresses.csv", "id:uuid! location_id:uuid attention address_1! address_2 city! region "
     "state_province! postal_code! country! address_type!"),
    ("schedule", "schedules.csv", "id:uuid! service_id:uuid location_id:uuid service_at_location_id:uuid "
     "valid_from:date valid_to:date dtstart:date timezone:number until:date count:number wkst freq interval:number "
     "byday byweekno bymonthday byyearday description opens_at:time closes_at:time schedule_link:uri attending_type "
     "notes"),
    ("funding", "funding.csv", "id:uuid! organization_id:uuid service_id:uuid source"),
    ("service_area", "service_areas.csv", "id:uuid! service_id:uuid name description extent extent_type uri"),
    ("required_document", "required_documents.csv", "id:uuid! service_id:uuid document uri:uri"),
    ("language", "languages.csv", "id:uuid! service_id:uuid location_id:uuid phone_id:uuid name code note"),
    ("accessibility", "accessibility.csv", "id:uuid! location_id:uuid description details url:uri"),
    ("taxonomy_term", "taxonomy_terms.csv", "id:uuid! code name! description! parent_id:uuid taxonomy language "
     "taxonomy_id:uuid term_uri:uri"),
    ("metadata", "metadata.csv", "id:uuid! resource_id:uuid! resource_type! last_action_date:date! "
     "last_action_type! field_name! previous_value! replacement_value! updated_by!"),
    ("meta_table_description", "meta_table_descriptions.csv", "id:uuid! name language character_set"),
    ("cost_option", "cost_options.csv", "id:uuid! service_id:uuid! valid_from:date valid_to:date option currency "
     "amount:number amount_description"),
    ("organization_identifier", "organization_identifiers.csv", "id:uuid! organization_id:uuid! identifier_scheme "
     "identifier_type! identifier!"),
    ("taxonomy", "taxonomies.csv", "id:uuid! name! description! uri:uri version"),
]  # fmt: skip
_STRING_FORMATS = {"uuid", "uri", "email"}
TABULAR_ENUMS = {
    ("service", "status"): ["active", "inactive", "defunct", "temporarily closed"],
    ("location", "location_type"): ["physical", "postal", "virtual"],
    ("address", "address_type"): ["physical", "postal", "virtual"],
    ("schedule", "wkst"): ["MO", "TU", "WE", "TH", "FR", "SA", "SU"],
    ("schedule", "freq"): ["WEEKLY", "MONTHLY"],
}
TABULAR_UNIQUE = {("program", "organization_id"), ("taxonomy_term", "code")}  # besides every table's id
TABULAR_FOREIGN_KEYS = {
    "program": [("organization_id", "organization")],
    "service": [("organization_id", "organization"), ("program_id", "program")],
    "attribute": [("taxonomy_term_id", "taxonomy_term")],
    "service_at_location": [("service_id", "service"), ("location_id", "location")],
    "location": [("organization_id", "organization")],
    "phone": [
        ("contact_id", "contact"),
        ("location_id", "location"),
        ("organization_id", "organization"),
        ("service_id", "service"),
        ("service_at_location_id", "service_at_location"),
    ],
    "contact": [
        ("location_id", "location"),
        ("organization_id", "organization"),
        ("service_id", "service"),
        ("service_at_location_id", "service_at_location"),
    ],
    "address": [("location_id", "location")],
    "schedule": [
        ("location_id", "location"),
        ("service_id", "service"),
        ("service_at_location_id", "service_at_location"),
    ],
    "funding": [("organization_id", "organization"), ("service_id", "service")],
    "service_area": [("service_id", "service")],
    "required_document": [("service_id", "service")],
    "language": [("location_id", "location"), ("phone_id", "phone"), ("service_id", "service")],
    "accessibility": [("location_id", "location")],
    "taxonomy_term": [("taxonomy_id", "taxonomy")],
    "cost_option": [("service_id", "service")],
    "organization_identifier": [("organization_id", "organization")],
}


def _columns(spec: str) -> list[tuple[str, str, bool]]:
    """ "id:uuid! name" → [("id", "uuid", True), ("name", "", False)]."""
    columns = []
    for token in spec.split():
        required = token.endswith("!")
        name, _, kind = token.removesuffix("!").partition(":")
        columns.append((name, kind, required))
    return columns


# Each file of the package and its column names, in order.
TABULAR_COLUMNS = {path: [name for name, _kind, _required in _columns(spec)] for _table, path, spec in TABULAR_TABLES}
_PATHS = {table: path for table, path, _spec in TABULAR_TABLES}
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so that the same directory gives the same bytes


def stable_id(municipality: Municipality, *parts) -> str:
    """The UUIDv5 of e.g. (municipality, "contact-point", 12): the same every export."""
    return str(uuid.uuid5(ID_NAMESPACE, ":".join([municipality.kommunekode, *map(str, parts)])))


def _international_phone(value: str) -> str | None:
    """'36392880' or '+45 36 39 28 80' → '+45 36 39 28 80'; None for anything that is not a Danish number."""
    try:
        return f"+45 {format_phone(normalize_phone(value))}"
    except ValidationError:
        return None


def _without_empty(fields: dict) -> dict:
    """Optional fields without a value are left out rather than sent empty."""
    return {key: value for key, value in fields.items() if value not in ("", None)}


class _Export:
    """One municipality's directory, read once, turned into HSDS objects."""

    def __init__(self, municipality: Municipality, base_url: str):
        self.municipality = municipality
        self.base_url = base_url.rstrip("/")
        self.contact_points = list(contact_points(municipality).order_by("name", "pk"))
        self.needs = needs_with_situations(municipality)
        self.directory_url = self.url("contacts:directory")

    def url(self, name: str, *args) -> str:
        """The absolute address of a directory page, without the /en/ prefix: the content is Danish."""
        with translation.override(LANGUAGE):
            return iri_to_uri(self.base_url + reverse(name, args=[self.municipality.slug, *args]))

    def id(self, *parts) -> str:
        return stable_id(self.municipality, *parts)

    # organization and taxonomy

    def organization(self) -> dict:
        m = self.municipality
        return {
            **_without_empty(
                {
                    "id": self.id("organization"),
                    "name": m.name,
                    "description": f"{m.name} er en dansk kommune (kommunekode {m.kommunekode}).",
                    "email": m.email,
                    "website": iri_to_uri(m.website),
                }
            ),
            "phones": self.organization_phones(),
            "organization_identifiers": self.organization_identifiers(),
        }

    def organization_identifiers(self) -> list[dict]:
        return [
            {
                "id": self.id("organization", "kommunekode"),
                "organization_id": self.id("organization"),
                "identifier_type": "Kommunekode",
                "identifier": self.municipality.kommunekode,
            }
        ]

    def organization_phones(self) -> list[dict]:
        number = _international_phone(self.municipality.phone)
        if not number:
            return []
        return [
            {
                "id": self.id("organization", "phone"),
                "organization_id": self.id("organization"),
                "number": number,
                "type": "voice",
            }
        ]

    def taxonomy(self) -> dict:
        return {
            "id": self.id("taxonomy"),
            "name": self.taxonomy_name,
            "description": (
                f"Behov og situationer i “Find rundt” for {self.municipality.name} i Pårørendeportalen. Behovene er "
                "overbegreber; under dem står situationerne, skrevet med borgerens og de pårørendes egne ord."
            ),
            "uri": self.directory_url,
        }

    @property
    def taxonomy_name(self) -> str:
        return f"Pårørendeportalen: situationer \N{EN DASH} {self.municipality.name}"

    def _term(self, kind: str, pk: int, name: str, description: str, term_uri: str, parent_id=None) -> dict:
        return _without_empty(
            {
                "id": self.id(kind, pk),
                "code": f"{kind}-{pk}",
                "name": name,
                "description": description,
                "parent_id": parent_id,
                "taxonomy": self.taxonomy_name,
                "language": LANGUAGE,
                "taxonomy_id": self.id("taxonomy"),
                "term_uri": term_uri,
            }
        )

    def taxonomy_terms(self) -> list[dict]:
        """Each need, followed by its situations."""
        terms = []
        for need in self.needs:
            terms.append(
                self._term(
                    "need",
                    need.pk,
                    need.name,
                    f"Situationer under behovet “{need.name}”.",
                    f"{self.directory_url}#need-{need.pk}",
                )
            )
            for situation in need.situations.all():
                terms.append(
                    self._term(
                        "situation",
                        situation.pk,
                        situation.text,
                        situation.note or situation.text,
                        self.url("contacts:situation", situation.pk),
                        parent_id=self.id("need", need.pk),
                    )
                )
        return terms

    # services

    def services(self) -> list[dict]:
        """Every contact point as a fully nested service."""
        terms = {term["id"]: term for term in self.taxonomy_terms()}
        taxonomy, organization = self.taxonomy(), self.organization()
        attributes = defaultdict(list)
        for need in self.needs:
            for situation in need.situations.all():
                for link in situation.contacts.all():
                    term = terms[self.id("situation", situation.pk)]
                    attributes[link.contact_point_id].append(
                        _without_empty(
                            {
                                "id": self.id("situation-contact", link.pk),
                                "link_id": self.id("contact-point", link.contact_point_id),
                                "taxonomy_term_id": term["id"],
                                "link_entity": "service",
                                "value": link.ask_about,
                                "taxonomy_term": {**term, "taxonomy_detail": taxonomy},
                            }
                        )
                    )
        return [
            {
                **self._service_fields(contact),
                "organization": organization,
                "phones": self._service_phones(contact),
                "schedules": self._service_schedules(contact),
                "attributes": attributes[contact.pk],
            }
            for contact in self.contact_points
        ]

    def _service_fields(self, contact: ContactPoint) -> dict:
        return _without_empty(
            {
                "id": self.id("contact-point", contact.pk),
                "organization_id": self.id("organization"),
                "name": contact.name,
                "description": contact.description,
                "url": iri_to_uri(contact.website) or self.url("contacts:contact", contact.pk),
                "email": contact.email,
                "status": "active",
                "assured_date": contact.last_checked.isoformat(),
            }
        )

    def _service_phones(self, contact: ContactPoint) -> list[dict]:
        number = _international_phone(contact.phone) if contact.phone else None
        if not number:
            return []
        return [
            {
                "id": self.id("contact-point", contact.pk, "phone"),
                "service_id": self.id("contact-point", contact.pk),
                "number": number,
                "type": "voice",
            }
        ]

    def _service_schedules(self, contact: ContactPoint) -> list[dict]:
        if not contact.opening_hours.strip():
            return []
        return [
            {
                "id": self.id("contact-point", contact.pk, "schedule"),
                "service_id": self.id("contact-point", contact.pk),
                "description": contact.opening_hours.strip(),
            }
        ]


def hsds_json(municipality: Municipality, *, base_url: str) -> dict:
    """The municipality's directory as one JSON-serialisable HSDS 3.0 document (shape: module docstring).

    `base_url` is the portal's scheme and host, e.g. "https://paaroerende.example.dk", for the links.
    """
    export = _Export(municipality, base_url)
    services = export.services()
    return {
        "version": HSDS_VERSION,
        "total_items": len(services),
        "total_pages": 1,
        "page_number": 1,
        "size": len(services),
        "first_page": True,
        "last_page": True,
        "empty": not services,
        "contents": services,
        "organizations": [export.organization()],
        "taxonomies": [export.taxonomy()],
        "taxonomy_terms": export.taxonomy_terms(),
    }


def hsds_tables(document: dict) -> dict[str, list[list]]:
    """The rows of each CSV of the Tabular Data Package, taken from a document made by `hsds_json`: every table
    of HSDS 3.0 (those the directory has nothing for are empty), every column (empty where unknown)."""
    tables = {path: [] for path in TABULAR_COLUMNS}
    for organization in document["organizations"]:
        tables[_PATHS["organization"]].append(organization)
        tables[_PATHS["organization_identifier"]].extend(organization.get("organization_identifiers", []))
        tables[_PATHS["phone"]].extend(organization.get("phones", []))
    for service in document["contents"]:
        tables[_PATHS["service"]].append(service)
        tables[_PATHS["phone"]].extend(service["phones"])
        tables[_PATHS["schedule"]].extend(service["schedules"])
        tables[_PATHS["attribute"]].extend(service["attributes"])
    tables[_PATHS["taxonomy"]].extend(document["taxonomies"])
    tables[_PATHS["taxonomy_term"]].extend(document["taxonomy_terms"])
    return {
        path: [[_cell(row.get(column, "")) for column in TABULAR_COLUMNS[path]] for row in rows]
        for path, rows in tables.items()
    }


def _cell(value) -> str:
    return "" if isinstance(value, dict | list) else value


def _csv_bytes(columns: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _field(table: str, name: str, kind: str, required: bool) -> dict:
    field = {"name": name, "type": "string"}
    if kind in _STRING_FORMATS:
        field["format"] = kind
    elif kind:
        field["type"] = kind
    constraints = {}
    if required:
        constraints["required"] = True
    if name == "id" or (table, name) in TABULAR_UNIQUE:
        constraints["unique"] = True
    if (table, name) in TABULAR_ENUMS:
        constraints["enum"] = TABULAR_ENUMS[(table, name)]
    if constraints:
        field["constraints"] = constraints
    return field


def datapackage_descriptor(municipality: Municipality) -> dict:
    """The Frictionless `datapackage.json` of the package: HSDS 3.0's tables, columns, types and keys."""
    resources = []
    for table, path, spec in TABULAR_TABLES:
        schema = {"primaryKey": "id", "fields": [_field(table, *column) for column in _columns(spec)]}
        foreign_keys = [
            {"fields": field, "reference": {"resource": target, "fields": "id"}}
            for field, target in TABULAR_FOREIGN_KEYS.get(table, [])
        ]
        if foreign_keys:
            schema["foreignKeys"] = foreign_keys
        resources.append(
            {
                "name": table,
                "path": path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": schema,
            }
        )
    return {
        "name": f"paaroerendeportalen-find-rundt-{municipality.slug}",
        "title": f"Pårørendeportalen, “Find rundt”: {municipality.name}",
        "profile": "tabular-data-package",
        "version": HSDS_VERSION,
        "resources": resources,
    }


def hsds_tabular_zip(municipality: Municipality, *, base_url: str) -> bytes:
    """The municipality's directory as an HSDS 3.0 Tabular Data Package: a zip of CSVs and datapackage.json."""
    tables = hsds_tables(hsds_json(municipality, base_url=base_url))
    descriptor = json.dumps(datapackage_descriptor(municipality), ensure_ascii=False, indent=2).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        files = [("datapackage.json", descriptor)]
        files += [(name, _csv_bytes(TABULAR_COLUMNS[name], rows)) for name, rows in tables.items()]
        for name, content in files:
            archive.writestr(zipfile.ZipInfo(name, date_time=_ZIP_DATE), content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()

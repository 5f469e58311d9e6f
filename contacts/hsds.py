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
descriptor. `hsds_tabular_zip` returns it as a zip with the tables and columns in `TABULAR_COLUMNS`.
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

HSDS_VERSION = "3.0"
LANGUAGE = "da"
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:paaroerendeportalen:hsds")

# The tables of the Tabular Data Package and their columns, in the order of the properties in the spec.
TABULAR_COLUMNS = {
    "organizations.csv": ["id", "name", "description", "email", "website"],
    "organization_identifiers.csv": ["id", "organization_id", "identifier_type", "identifier"],
    "services.csv": ["id", "organization_id", "name", "description", "url", "email", "status", "assured_date"],
    "phones.csv": ["id", "service_id", "organization_id", "number", "type"],
    "schedules.csv": ["id", "service_id", "description"],
    "attributes.csv": ["id", "link_id", "taxonomy_term_id", "link_entity", "value"],
    "taxonomies.csv": ["id", "name", "description", "uri"],
    "taxonomy_terms.csv": [
        "id",
        "code",
        "name",
        "description",
        "parent_id",
        "taxonomy",
        "language",
        "taxonomy_id",
        "term_uri",
    ],
}
# The Frictionless types and formats of the columns, as in the spec's schemas.
_DATE_FIELDS = {"assured_date"}
_UUID_FIELDS = {"id", "organization_id", "service_id", "link_id", "taxonomy_term_id", "parent_id", "taxonomy_id"}
_URI_FIELDS = {"url", "website", "uri", "term_uri"}
_FOREIGN_KEYS = {
    "organization_identifiers.csv": [("organization_id", "organizations.csv")],
    "services.csv": [("organization_id", "organizations.csv")],
    "phones.csv": [("service_id", "services.csv"), ("organization_id", "organizations.csv")],
    "schedules.csv": [("service_id", "services.csv")],
    "attributes.csv": [("link_id", "services.csv"), ("taxonomy_term_id", "taxonomy_terms.csv")],
    "taxonomy_terms.csv": [("parent_id", "taxonomy_terms.csv"), ("taxonomy_id", "taxonomies.csv")],
}
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


def hsds_tables(document: dict) -> dict[str, list[dict]]:
    """The rows of each CSV of the Tabular Data Package, taken from a document made by `hsds_json`."""
    tables = {name: [] for name in TABULAR_COLUMNS}
    for organization in document["organizations"]:
        tables["organizations.csv"].append(organization)
        tables["organization_identifiers.csv"].extend(organization.get("organization_identifiers", []))
        tables["phones.csv"].extend(organization.get("phones", []))
    for service in document["contents"]:
        tables["services.csv"].append(service)
        tables["phones.csv"].extend(service["phones"])
        tables["schedules.csv"].extend(service["schedules"])
        tables["attributes.csv"].extend(service["attributes"])
    tables["taxonomies.csv"].extend(document["taxonomies"])
    tables["taxonomy_terms.csv"].extend(document["taxonomy_terms"])
    return {
        name: [[row.get(column, "") for column in TABULAR_COLUMNS[name]] for row in rows]
        for name, rows in tables.items()
    }


def _csv_bytes(columns: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _field(name: str) -> dict:
    if name in _DATE_FIELDS:
        return {"name": name, "type": "date"}
    field = {"name": name, "type": "string"}
    if name in _UUID_FIELDS:
        field["format"] = "uuid"
    elif name in _URI_FIELDS:
        field["format"] = "uri"
    elif name == "email":
        field["format"] = "email"
    return field


def datapackage_descriptor(municipality: Municipality) -> dict:
    """The Frictionless `datapackage.json` describing the CSV files of the package."""
    resources = []
    for path, columns in TABULAR_COLUMNS.items():
        schema = {"fields": [_field(name) for name in columns], "primaryKey": "id"}
        foreign_keys = [
            {"fields": field, "reference": {"resource": target.removesuffix(".csv"), "fields": "id"}}
            for field, target in _FOREIGN_KEYS.get(path, [])
        ]
        if foreign_keys:
            schema["foreignKeys"] = foreign_keys
        resources.append(
            {
                "name": path.removesuffix(".csv"),
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

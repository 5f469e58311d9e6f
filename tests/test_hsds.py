"""The "Find rundt" directory as open data: Open Referral HSDS 3.0 (3.0.x) JSON and Tabular Data Package.

The HSDS JSON schemas may not be copied into the project and cannot be fetched while the tests run, so the
rules of HSDS 3.0 that the export relies on are written out here as data (HSDS_3_0, PAGE) and checked by
small functions. Source: the HSDS 3.0 specification, github.com/openreferral/specification (branch 3.0,
docs at docs.openreferral.org): schema/service.json, schema/organization.json,
schema/organization_identifier.json, schema/phone.json, schema/schedule.json, schema/contact.json,
schema/attribute.json, schema/taxonomy_term.json, schema/taxonomy.json, the `Page` schema in
schema/openapi.json, docs/hsds/serialization.md (Tabular Data Package: one CSV per object, ids as foreign
keys) and docs/hsds/formatting.md (CSV per RFC 4180 in UTF-8; phone numbers in E.164 notation,
delimiters allowed). HSDS 3.1 only added fields to these objects (docs/hsds/changelog.md), none of which
the export uses, so the rules hold for 3.0.x and 3.1.
"""

import csv
import io
import json
import re
import uuid
import zipfile
from collections import defaultdict
from datetime import date, datetime
from urllib.parse import urlsplit

from django.urls import reverse

from contacts.hsds import ID_NAMESPACE, TABULAR_COLUMNS, hsds_json, hsds_tables
from contacts.models import ContactPoint, Need
from tests.factories import ContactPointFactory, NeedFactory, SituationContactFactory, SituationFactory
from tests.test_hsds_frictionless import OFFICIAL_TABLES

BASE_URL = "http://testserver"
HVIDOVRE_FIXTURE = "hvidovre.json"

# HSDS 3.0 (3.0.x), one entry per object, from openreferral/specification schema/<object>.json:
# "required" is the schema's `required` list, "tabular_required" its `tabular_required` list (columns a CSV
# row must fill). "properties" are the properties the export may use, named exactly as in the schema, with
# their JSON type, their `format`, `enum` and `datapackage_type` where the schema gives one, and for nested
# objects ("$ref") the object they hold. The schemas define more properties than these.
UUID = {"type": "string", "format": "uuid"}
TEXT = {"type": "string"}
HSDS_3_0 = {
    "service": {  # schema/service.json
        "required": ["id", "name", "status"],
        "tabular_required": ["organization_id"],
        "properties": {
            "id": UUID,
            "organization_id": UUID,
            "name": TEXT,
            "alternate_name": TEXT,
            "description": TEXT,
            "url": {"type": "string", "format": "uri"},
            "email": {"type": "string", "format": "email"},
            "status": {"type": "string", "enum": ["active", "inactive", "defunct", "temporarily closed"]},
            "assured_date": {"type": "string", "datapackage_type": "date"},
            "last_modified": {"type": "string", "format": "date-time", "datapackage_type": "datetime"},
            "organization": {"type": "object", "ref": "organization"},
            "phones": {"type": "array", "items": "phone"},
            "schedules": {"type": "array", "items": "schedule"},
            "contacts": {"type": "array", "items": "contact"},
            "attributes": {"type": "array", "items": "attribute"},
        },
    },
    "organization": {  # schema/organization.json
        "required": ["id", "name", "description"],
        "tabular_required": [],
        "properties": {
            "id": UUID,
            "name": TEXT,
            "description": TEXT,
            "email": {"type": "string", "format": "email"},
            "website": {"type": "string", "format": "uri"},
            "phones": {"type": "array", "items": "phone"},
            "organization_identifiers": {"type": "array", "items": "organization_identifier"},
        },
    },
    "organization_identifier": {  # schema/organization_identifier.json
        "required": ["id", "identifier_type", "identifier"],
        "tabular_required": ["organization_id"],
        "properties": {
            "id": UUID,
            "organization_id": UUID,
            "identifier_scheme": TEXT,
            "identifier_type": TEXT,
            "identifier": TEXT,
        },
    },
    "phone": {  # schema/phone.json
        "required": ["id", "number"],
        "tabular_required": [],
        "properties": {
            "id": UUID,
            "service_id": UUID,
            "organization_id": UUID,
            "contact_id": UUID,
            "number": TEXT,
            "extension": {"type": "number"},
            # No enum in the schema; its description names the RFC 6350 types, which we keep to:
            "type": {
                "type": "string",
                "one_of_described": ["text", "voice", "fax", "cell", "video", "pager", "textphone"],
            },
            "description": TEXT,
        },
    },
    "schedule": {  # schema/schedule.json
        "required": ["id"],
        "tabular_required": [],
        "properties": {"id": UUID, "service_id": UUID, "description": TEXT},
    },
    "contact": {  # schema/contact.json (the export has no named contacts; kept so a future one is checked)
        "required": ["id"],
        "tabular_required": [],
        "properties": {
            "id": UUID,
            "service_id": UUID,
            "name": TEXT,
            "title": TEXT,
            "department": TEXT,
            "email": {"type": "string", "format": "email"},
            "phones": {"type": "array", "items": "phone"},
        },
    },
    "attribute": {  # schema/attribute.json
        "required": ["id"],
        "tabular_required": ["link_id", "taxonomy_term_id", "link_entity"],
        "properties": {
            "id": UUID,
            "link_id": UUID,
            "taxonomy_term_id": UUID,
            "link_type": TEXT,
            "link_entity": TEXT,
            "value": TEXT,
            "taxonomy_term": {"type": "object", "ref": "taxonomy_term"},
        },
    },
    "taxonomy_term": {  # schema/taxonomy_term.json
        "required": ["id", "name", "description"],
        "tabular_required": [],
        "properties": {
            "id": UUID,
            "code": TEXT,  # "unique": true in the schema's constraints
            "name": TEXT,
            "description": TEXT,
            "parent_id": UUID,
            "taxonomy": TEXT,
            "taxonomy_detail": {"type": "object", "ref": "taxonomy"},
            "language": TEXT,
            "taxonomy_id": UUID,
            "term_uri": {"type": "string", "format": "uri"},
        },
    },
    "taxonomy": {  # schema/taxonomy.json
        "required": ["id", "name", "description"],
        "tabular_required": [],
        "properties": {
            "id": UUID,
            "name": TEXT,
            "description": TEXT,
            "uri": {"type": "string", "format": "uri"},
            "version": TEXT,
        },
    },
}
# The API's list page, schema/openapi.json#/components/schemas/Page, whose `contents` are services.
PAGE = {
    "required": ["empty"],
    "properties": {
        "total_items": "integer",
        "total_pages": "integer",
        "page_number": "integer",
        "size": "integer",
        "first_page": "boolean",
        "last_page": "boolean",
        "empty": "boolean",
    },
}
# The tables and columns of the Tabular Data Package the directory fills (file names being the schemas'
# `path`); the package has every other table and column of HSDS 3.0 too, empty (tests/test_hsds_frictionless.py
# checks them against the specification's descriptor).
DOCUMENTED_HEADERS = {
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
TABLE_OBJECT = {
    "organizations.csv": "organization",
    "organization_identifiers.csv": "organization_identifier",
    "services.csv": "service",
    "phones.csv": "phone",
    "schedules.csv": "schedule",
    "attributes.csv": "attribute",
    "taxonomies.csv": "taxonomy",
    "taxonomy_terms.csv": "taxonomy_term",
}

# Formats, as JSON Schema defines them.
UUID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")  # RFC 4122
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
# "email": RFC 5321 Mailbox (dot-atom local part; domain names)
EMAIL_RFC5321 = re.compile(rf"^{_ATEXT}+(?:\.{_ATEXT}+)*@{_DOMAIN}$")
# RFC 6531 (JSON Schema "idn-email") lets the local part hold UTF-8 letters too
EMAIL_RFC6531 = re.compile(rf"^(?:{_ATEXT}|[^\x00-\x7f])+(?:\.(?:{_ATEXT}|[^\x00-\x7f])+)*@{_DOMAIN}$")
# Hvidovre's addresses with "å" before the @ are valid RFC 6531 mailboxes but not RFC 5321 ones; a strict
# "email" checker would reject them (python-jsonschema's does not: it checks for an "@"). They are the
# municipality's real published addresses, so the export keeps them and this test names them.
HVIDOVRE_RFC6531_ONLY = {"voksenrådgivningen@hvidovre.dk", "borgerrådgiver@hvidovre.dk"}
E164_WITH_DELIMITERS = re.compile(r"^\+[1-9][0-9 ]{1,18}[0-9]$")  # docs/hsds/formatting.md


def is_uuid(value: str) -> bool:
    return bool(UUID_PATTERN.match(value)) and str(uuid.UUID(value)) == value


def is_uri(value: str) -> bool:
    """RFC 3986 absolute URI: ASCII, no spaces, a scheme, and for http(s) a host."""
    if not value.isascii() or any(char.isspace() for char in value):
        return False
    parts = urlsplit(value)
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*$", parts.scheme)) and (
        parts.scheme not in {"http", "https"} or bool(parts.netloc)
    )


def is_email(value: str) -> bool:
    return bool(EMAIL_RFC6531.match(value))


def is_date(value: str) -> bool:
    return bool(re.match(r"^\d{4}-\d{2}-\d{2}$", value)) and date.fromisoformat(value).isoformat() == value


def is_date_time(value: str) -> bool:  # RFC 3339: a date, a time and an offset
    return bool(re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", value)) and bool(
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    )


FORMATS = {"uuid": is_uuid, "uri": is_uri, "email": is_email, "date-time": is_date_time}
DATAPACKAGE_TYPES = {"date": is_date, "datetime": is_date_time}
JSON_TYPES = {
    "string": lambda value: isinstance(value, str),
    "number": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "boolean": lambda value: isinstance(value, bool),
    "array": lambda value: isinstance(value, list),
    "object": lambda value: isinstance(value, dict),
}


def check_field(kind: str, name: str, value, where: str) -> None:
    rule = HSDS_3_0[kind]["properties"][name]
    assert JSON_TYPES[rule["type"]](value), f"{where}: {kind}.{name} must be a JSON {rule['type']}, not {value!r}"
    if "format" in rule:
        assert FORMATS[rule["format"]](value), f"{where}: {kind}.{name} is not in {rule['format']} format: {value!r}"
    if "datapackage_type" in rule:
        assert DATAPACKAGE_TYPES[rule["datapackage_type"]](value), f"{where}: {kind}.{name} is no ISO 8601 value"
    if "enum" in rule:
        assert value in rule["enum"], f"{where}: {kind}.{name} {value!r} is not one of {rule['enum']}"
    if "one_of_described" in rule:
        assert value in rule["one_of_described"], f"{where}: {kind}.{name} {value!r} is not an RFC 6350 type"


def check_object(kind: str, obj, where: str, found: dict) -> None:
    """Check one HSDS object and the objects nested in it; collect them all in `found` by kind."""
    rules = HSDS_3_0[kind]
    assert isinstance(obj, dict), f"{where}: a {kind} must be a JSON object"
    missing = set(rules["required"]) - obj.keys()
    assert not missing, f"{where}: the {kind} lacks the required {sorted(missing)}"
    for name in rules["required"]:  # ours, stricter than the schema: a required text is not empty
        assert obj[name] != "", f"{where}: the required {kind}.{name} is empty"
    for name, value in obj.items():
        assert name in rules["properties"], f"{where}: {name!r} is not a property of {kind} in HSDS 3.0"
        assert value is not None and value != "", f"{where}: leave {kind}.{name} out rather than send it empty"
        check_field(kind, name, value, where)
        rule = rules["properties"][name]
        if "items" in rule:
            for index, item in enumerate(value):
                check_object(rule["items"], item, f"{where}.{name}[{index}]", found)
        if "ref" in rule:
            check_object(rule["ref"], value, f"{where}.{name}", found)
    found[kind].append(obj)


def check_document(document: dict) -> dict:
    """The whole JSON export: its shape, every object in it, and that every id and reference holds."""
    for name, json_type in PAGE["properties"].items():
        assert JSON_TYPES[json_type](document[name]), f"Page.{name} must be a JSON {json_type}"
    assert set(PAGE["required"]) <= document.keys()
    assert document["version"].startswith("3.0")
    services = document["contents"]
    assert document["total_items"] == document["size"] == len(services)
    assert document["empty"] is (not services) and document["first_page"] and document["last_page"]
    assert document["total_pages"] == document["page_number"] == 1

    found = defaultdict(list)
    for key, kind in [
        ("contents", "service"),
        ("organizations", "organization"),
        ("taxonomies", "taxonomy"),
        ("taxonomy_terms", "taxonomy_term"),
    ]:
        ids = [obj["id"] for obj in document[key]]
        assert len(ids) == len(set(ids)), f"the ids in {key} are not unique"
        for index, obj in enumerate(document[key]):
            check_object(kind, obj, f"{key}[{index}]", found)

    # An id names one object: wherever it occurs (objects are repeated where nested), it is the same one.
    by_id = {}
    for kind, objects in found.items():
        for obj in objects:
            own = {name: value for name, value in obj.items() if "ref" not in HSDS_3_0[kind]["properties"][name]}
            known = by_id.setdefault(obj["id"], (kind, own))
            assert known == (kind, own), f"the id {obj['id']} names two different objects"

    organization_ids = {obj["id"] for obj in document["organizations"]}
    taxonomy_ids = {obj["id"] for obj in document["taxonomies"]}
    terms = {obj["id"]: obj for obj in document["taxonomy_terms"]}
    for term in found["taxonomy_term"]:
        assert term["taxonomy_id"] in taxonomy_ids
        if "parent_id" in term:  # a situation, under a need
            assert term["parent_id"] in terms and "parent_id" not in terms[term["parent_id"]]
        if "taxonomy_detail" in term:
            assert term["taxonomy_detail"]["id"] == term["taxonomy_id"]
    codes = [term["code"] for term in document["taxonomy_terms"]]
    assert len(codes) == len(set(codes)), "taxonomy_term.code is unique (schema constraints)"
    for organization in document["organizations"]:
        for child in organization["phones"] + organization["organization_identifiers"]:
            assert child["organization_id"] == organization["id"]
    for service in services:
        assert service["organization_id"] in organization_ids
        assert service["organization"]["id"] == service["organization_id"]
        for child in service["phones"] + service["schedules"]:
            assert child["service_id"] == service["id"]
        for attribute in service["attributes"]:
            assert attribute["link_id"] == service["id"] and attribute["link_entity"] == "service"
            assert attribute["taxonomy_term_id"] in terms
            assert attribute["taxonomy_term"]["id"] == attribute["taxonomy_term_id"]
    return found


def read_package(content: bytes) -> dict[str, list[list[str]]]:
    """The CSVs of a zipped Tabular Data Package, parsed with the csv module (header row first)."""
    tables = {}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = set(archive.namelist())
        assert names == {"datapackage.json", *(table["path"] for table in OFFICIAL_TABLES.values())}
        descriptor = json.loads(archive.read("datapackage.json").decode("utf-8"))
        for name in DOCUMENTED_HEADERS:
            raw = archive.read(name).decode("utf-8")  # UTF-8, no byte order mark
            assert not raw.startswith("\ufeff") and raw.endswith("\r\n")  # RFC 4180 line breaks
            tables[name] = list(csv.reader(io.StringIO(raw, newline="")))
    assert descriptor["profile"] == "tabular-data-package"
    for resource in descriptor["resources"]:  # the descriptor gives the formats the schemas give
        kind = TABLE_OBJECT.get(resource["path"])
        for field in resource["schema"]["fields"] if kind else []:
            rule = HSDS_3_0[kind]["properties"].get(field["name"])
            if rule is None:
                continue  # a column the directory leaves empty
            # A date or date-time is a Frictionless type of its own, without the JSON Schema format.
            expected_format = None if "datapackage_type" in rule else rule.get("format")
            assert field.get("format") == expected_format, (resource["path"], field)
            expected_type = rule.get("datapackage_type", "number" if rule["type"] == "number" else "string")
            assert field["type"] == expected_type, (resource["path"], field)
    return tables


def check_tables(tables: dict[str, list[list[str]]]) -> dict[str, list[dict]]:
    """Headers as documented, required cells filled, formats, unique ids, and every foreign key resolving."""
    rows = {}
    for name, (header, *body) in tables.items():
        assert set(DOCUMENTED_HEADERS[name]) <= set(header), name
        kind = TABLE_OBJECT[name]
        rules = HSDS_3_0[kind]
        rows[name] = [
            {column: value for column, value in zip(header, row, strict=True) if column in DOCUMENTED_HEADERS[name]}
            for row in body
        ]
        for row in body:  # the columns the directory has nothing for are empty
            assert not any(v for c, v in zip(header, row, strict=True) if c not in DOCUMENTED_HEADERS[name]), name
        for number, row in enumerate(rows[name], start=2):
            for column in rules["required"] + rules["tabular_required"]:
                assert row[column], f"{name} line {number}: {column} is required"
            for column, value in row.items():
                if value:
                    check_field(kind, column, value, f"{name} line {number}")
        ids = [row["id"] for row in rows[name]]
        assert len(ids) == len(set(ids)), f"{name}: ids are not unique"
    ids = {name: {row["id"] for row in table} for name, table in rows.items()}
    references = [
        ("organization_identifiers.csv", "organization_id", "organizations.csv"),
        ("services.csv", "organization_id", "organizations.csv"),
        ("phones.csv", "service_id", "services.csv"),
        ("phones.csv", "organization_id", "organizations.csv"),
        ("schedules.csv", "service_id", "services.csv"),
        ("attributes.csv", "link_id", "services.csv"),
        ("attributes.csv", "taxonomy_term_id", "taxonomy_terms.csv"),
        ("taxonomy_terms.csv", "parent_id", "taxonomy_terms.csv"),
        ("taxonomy_terms.csv", "taxonomy_id", "taxonomies.csv"),
    ]
    for table, column, target in references:
        for row in rows[table]:
            assert not row[column] or row[column] in ids[target], f"{table}.{column} {row[column]} resolves nowhere"
    for row in rows["phones.csv"]:
        assert bool(row["service_id"]) != bool(row["organization_id"]), "a phone belongs to a service or the org"
    return rows


def hvidovre_fixture() -> dict:
    from contacts.directory_fixtures import DIRECTORY_FIXTURE_DIR

    return json.loads((DIRECTORY_FIXTURE_DIR / HVIDOVRE_FIXTURE).read_text(encoding="utf-8"))


def test_every_municipalitys_export_follows_hsds_3_0(directories):
    for slug, municipality in directories.items():
        document = hsds_json(municipality, base_url=BASE_URL)
        check_document(document)
        assert len(document["taxonomy_terms"]) == sum(
            1 + need.situations.count() for need in Need.objects.filter(municipality=municipality)
        ), slug


def test_hvidovres_ten_contact_points_are_services_with_exactly_their_numbers_and_addresses(directories):
    fixture = hvidovre_fixture()
    document = hsds_json(directories["hvidovre"], base_url=BASE_URL)
    services = {service["name"]: service for service in document["contents"]}
    assert len(document["contents"]) == 10 and services.keys() == {cp["name"] for cp in fixture["contact_points"]}
    for contact_point in fixture["contact_points"]:
        service = services[contact_point["name"]]
        digits = contact_point["phone"]
        expected_number = "+45 " + " ".join(digits[i : i + 2] for i in range(0, 8, 2))
        assert [(phone["number"], phone["type"]) for phone in service["phones"]] == [(expected_number, "voice")]
        assert E164_WITH_DELIMITERS.match(expected_number)
        assert service["email"] == contact_point["email"]
        assert service["status"] == "active" and service["schedules"] == []
    emails = {service["email"] for service in document["contents"]}
    assert {email for email in emails if not EMAIL_RFC5321.match(email)} == HVIDOVRE_RFC6531_ONLY


def test_every_situation_is_a_term_under_its_need_and_services_link_to_the_terms_they_serve(directories):
    fixture = hvidovre_fixture()
    document = hsds_json(directories["hvidovre"], base_url=BASE_URL)
    terms = document["taxonomy_terms"]
    taxonomy = document["taxonomies"][0]
    assert taxonomy["name"].startswith("Pårørendeportalen: situationer")
    top = {term["name"]: term for term in terms if "parent_id" not in term}
    assert list(top) == [need["name"] for need in fixture["needs"]]
    served = defaultdict(dict)
    for need in fixture["needs"]:
        children = [term for term in terms if term.get("parent_id") == top[need["name"]]["id"]]
        assert [term["name"] for term in children] == [situation["text"] for situation in need["situations"]]
        for situation in need["situations"]:
            for link in situation["contacts"]:
                served[link["contact"]][situation["text"]] = link["ask_about"]
    for service in document["contents"]:
        linked = {attribute["taxonomy_term"]["name"]: attribute["value"] for attribute in service["attributes"]}
        assert linked == served[service["name"]], service["name"]
    assert all(term["taxonomy_id"] == taxonomy["id"] for term in terms)


def test_ids_are_stable_uuids_derived_from_the_municipality_and_the_record(directories):
    municipality = directories["hvidovre"]
    first = hsds_json(municipality, base_url=BASE_URL)
    assert hsds_json(municipality, base_url=BASE_URL) == first
    visitationen = ContactPoint.objects.get(municipality=municipality, name="Visitationen")
    service = next(service for service in first["contents"] if service["name"] == "Visitationen")
    expected = uuid.uuid5(ID_NAMESPACE, f"{municipality.kommunekode}:contact-point:{visitationen.pk}")
    assert service["id"] == str(expected) and uuid.UUID(service["id"]).version == 5
    assert service["assured_date"] == visitationen.last_checked.isoformat()
    assert service["url"] == f"{BASE_URL}/hvidovre/find-rundt/kontakt/{visitationen.pk}/"


def test_the_json_view_is_public_utf8_json_identical_to_the_function(client, directories):
    municipality = directories["hvidovre"]
    url = reverse("contacts:hsds-json", args=["hvidovre"])
    assert url == "/hvidovre/find-rundt/hsds.json"
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Voksenrådgivningen".encode() in response.content  # not \u00e5: ensure_ascii is off
    document = json.loads(response.content.decode("utf-8"))
    assert document == hsds_json(municipality, base_url=BASE_URL)
    check_document(document)
    assert json.loads(client.get("/en" + url).content) == document  # the content is Danish in both
    assert client.post(url).status_code == 405
    assert client.get("/findes-ikke/find-rundt/hsds.json").status_code == 404


def test_the_zip_is_a_tabular_data_package_of_documented_csvs_matching_the_json(client, directories):
    url = reverse("contacts:hsds-zip", args=["hvidovre"])
    assert url == "/hvidovre/find-rundt/hsds.zip"
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="hsds-find-rundt-hvidovre.zip"'
    assert client.get(url).content == response.content  # the same directory gives the same file
    assert all(set(columns) <= set(TABULAR_COLUMNS[name]) for name, columns in DOCUMENTED_HEADERS.items())
    rows = check_tables(read_package(response.content))
    document = hsds_json(directories["hvidovre"], base_url=BASE_URL)
    assert len(rows["services.csv"]) == 10 and len(rows["phones.csv"]) == 10
    assert len(rows["attributes.csv"]) == sum(len(service["attributes"]) for service in document["contents"])
    assert len(rows["taxonomy_terms.csv"]) == 3 + 8
    assert rows["services.csv"][0] == {
        column: document["contents"][0].get(column, "") for column in DOCUMENTED_HEADERS["services.csv"]
    }
    assert hsds_tables(document)["taxonomy_terms.csv"] == [list(row.values()) for row in rows["taxonomy_terms.csv"]]
    assert len(hsds_tables(document)) == 21 and hsds_tables(document)["locations.csv"] == []


def test_an_empty_directory_is_an_empty_page_with_its_needs(client, directories):
    document = json.loads(client.get("/aabenraa/find-rundt/hsds.json").content)
    check_document(document)
    assert document["empty"] is True and document["contents"] == []
    assert [term["name"] for term in document["taxonomy_terms"]] == list(
        Need.objects.filter(municipality=directories["aabenraa"]).values_list("name", flat=True)
    )
    check_tables(read_package(client.get("/aabenraa/find-rundt/hsds.zip").content))


def test_the_directory_page_links_to_both_exports(client, directories):
    html = client.get("/hvidovre/find-rundt/").text
    assert 'href="/hvidovre/find-rundt/hsds.json"' in html and 'href="/hvidovre/find-rundt/hsds.zip"' in html


def fill_directory(municipality, situations: int, label: str = "A") -> None:
    """Three needs, four contact points with every optional field filled, and `situations` situations."""
    needs = [NeedFactory(municipality=municipality, name=f"Behov {label}{n}", order=n) for n in range(3)]
    contact_points = [
        ContactPointFactory(municipality=municipality, number=n, name=f"Team {label}{n}") for n in range(4)
    ]
    for n in range(situations):
        SituationContactFactory(
            situation=SituationFactory(need=needs[n % 3], text=f"Situation nummer {n}", note="" if n % 2 else "Note.",
                                       order=n),
            contact_point=contact_points[n % 4],
            ask_about=f"Spørg om {n}.",
        )  # fmt: skip


def test_filled_in_contact_points_give_schedules_urls_and_descriptions(client, municipality):
    municipality.phone = "36 39 39 39"
    municipality.email = "kommune@testrup.example"
    municipality.save()
    fill_directory(municipality, situations=6)
    document = hsds_json(municipality, base_url=BASE_URL)
    found = check_document(document)
    assert len(found["schedule"]) == 4 and {s["description"] for s in found["schedule"]} == {
        "Mandag–torsdag 8–15, fredag 8–13"
    }
    assert document["contents"][0]["url"] == "https://testrup.example/team-0"
    assert document["organizations"][0]["phones"][0]["number"] == "+45 36 39 39 39"
    rows = check_tables(read_package(client.get("/testrup/find-rundt/hsds.zip").content))
    assert len(rows["schedules.csv"]) == 4 and len(rows["phones.csv"]) == 5


def test_queries_do_not_grow_with_the_number_of_situations(client, municipality, django_assert_num_queries):
    fill_directory(municipality, situations=2)
    with django_assert_num_queries(4):
        small = hsds_json(municipality, base_url=BASE_URL)
    fill_directory(municipality, situations=200, label="B")
    with django_assert_num_queries(4):
        big = hsds_json(municipality, base_url=BASE_URL)
    assert len(big["taxonomy_terms"]) == len(small["taxonomy_terms"]) + 3 + 200
    assert len(big["contents"]) == 8 and sum(len(service["attributes"]) for service in big["contents"]) == 202
    for url in ["/testrup/find-rundt/hsds.json", "/testrup/find-rundt/hsds.zip"]:
        with django_assert_num_queries(5):  # the municipality, then the four above
            assert client.get(url).status_code == 200

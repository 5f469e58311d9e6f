"""The HSDS 3.0 Tabular Data Package validates with frictionless against the specification's own descriptor rules.

The specification's files may not be copied into the project, so the rules of its datapackage.json (branch 3.0 of
github.com/openreferral/specification: `version` "3.0.0", and for each of its 21 resources the file, the columns in
order with their Frictionless type, format, `required` and `enum` constraints, `primaryKey` "id" and
`foreignKeys`) are written out below as data, independently of contacts/hsds.py. The test builds a descriptor
from them and lets frictionless validate the exported CSV files with it, as a consumer loading the package with
the official descriptor would.
"""

import io
import json
import zipfile

import pytest
from frictionless import Package, system

from contacts.hsds import hsds_tabular_zip
from tests.factories import ContactPointFactory, NeedFactory, SituationContactFactory, SituationFactory

OFFICIAL_VERSION = "3.0.0"
OFFICIAL_RESOURCE_ORDER = [
    "organization", "program", "service", "attribute", "service_at_location", "location", "phone", "contact",
    "address", "schedule", "funding", "service_area", "required_document", "language", "accessibility",
    "taxonomy_term", "metadata", "meta_table_description", "cost_option", "organization_identifier", "taxonomy",
]  # fmt: skip
# resource → its file, its fields (name, Frictionless type, {format, required, enum, unique}) and foreign keys.
OFFICIAL_TABLES = {
    "organization": {
        "path": "organizations.csv",
        "fields": [
            ("id", "string", {"format": "uuid", "required": True}),
            ("name", "string", {"required": True}),
            ("alternate_name", "string", {}),
            ("description", "string", {"required": True}),
            ("email", "string", {"format": "email"}),
            ("website", "string", {"format": "uri"}),
            ("tax_status", "string", {}),
            ("tax_id", "string", {}),
            ("year_incorporated", "number", {}),
            ("legal_status", "string", {}),
            ("logo", "string", {}),
            ("uri", "string", {"format": "uri"}),
            ("parent_organization_id", "string", {"format": "uuid"}),
        ],
        "foreign_keys": [],
    },
    "program": {
        "path": "programs.csv",
        "fields": [
            ("id", "string", {"format": "uuid", "required": True}),
            ("organization_id", "string", {"format": "uuid", "required": True, "unique": True}),
            ("name", "string", {"required": True}),
            ("alternate_name", "string", {}),
            ("description", "string", {"required": True}),
        ],
        "foreign_keys": [("organization_id", "organization")],
    },
    "service": {
        "path": "services.csv",
        "fields": [
            ("id", "string", {"format": "uuid", "required": True}),
            ("organization_id", "string", {"format": "uuid", "required": True}),
            ("program_id", "string", {"format": "uuid"}),
            ("name", "string", {"required": True}),
            ("alternate_name", "string", {}),
            ("description", "string", {}),
            ("url", "string", {"format": "uri"}),
            ("email", "string", {"format": "email"}),
            ("status", "string", {"required": True, "enum": ["active", "inactive", "defunct", "temporarily closed"]}),
            ("interpretation_services", "string", {}),
            ("application_process", "string", {}),
            ("fees_description", "string", {}),
            ("wait_time", "string", {}),
            ("fees", "string", {}),
            ("accreditations", "string", {}),
            ("eligibility_description", "string", {}),
            ("minimum_age", "number", {}),
            ("maximum_age", "number", {}),
            ("assured_date", "date", {}),
            ("assurer_email", "string", {"format": "email"}),
            ("licenses", "string", {}),
            ("alert", "string", {}),
            ("last_modified", "datetime", {}),
        ],
        "foreign_keys": [("organization_id", "organization"), ("program_id", "program")],
    },
    "attribute": {
        "path": "attributes.csv",
        "fields": [
            ("id", "string", {"format": "uuid", "required": True}),
            ("link_id", "string", {"format": "uuid", "required": True}),
            ("taxonomy_term_id", "string", {"format": "uuid", "required": True}),
            ("link_type", "string", {}),
            ("link_entity", "string", {"required": True}),
            ("value", "string", {}),
        ],
        "foreign_keys": [("taxonomy_term_id", "taxonomy_term")],
    },
    "service_at_location": {
        "path": "service_at_location.csv",
        "fields": [
            ("id", "string", {"format": "uuid", "required": True}),
            ("service_id", "string", {"format": "uuid", "required": True}),
            ("location_id", "string", {"format": "uuid", "required": True}),
            ("description", "string", {}),
        ],
        "foreign_keys": [("service_id", "service"), ("location_id", "location")],
    },
    "location": {
        "path": "locations.csv",
        "fields": [
            ("id", "string", {"format": "uuid", "required": True}),
            ("location_type", "string", {"required": True, "enum": ["physical", "postal", "virtual"]}),
            ("url", "string", {"format": "uri"}),
            ("organization_id", "string", {"format": "uuid"}),
            ("name", "string", {}),
            ("alternate_name", "string", {}),
            ("description", "string", {}),
            ("transportation", "string", {}),
            ("latitude", "number", {}),
            ("longitude", "number", {}),
            ("external_identifier", "string", {}),
            ("external_identifier_type", "string", {}),
        ],
        "foreign_keys": [("organization_id", "organization")],
    },
    "phone": {
        "path": "phones.csv",
        "fields": [
            ("id", "string", {"format": "uuid", "required": True}),
            ("location_id", "string", {"format": "uuid"}),
            ("service_id", "string", {"format": "uuid"}),
            ("organization_id", "string", {"format": "uuid"}),
            ("contact_id", "string", {"format": "uuid"}),
            ("service_at_location_id", "string", {"format": "uuid"}),
            ("number", "string", {"required": True}),
            ("extension", "number", {}),
            ("type", "string", {}),
            ("description", "string", {}),
        ],
        "foreign_keys": [
            ("contact_id", "contact"),
            ("location_id", "location"),
            ("organization_id", "organization"),
            ("service_id", "service"),
            ("service_at_location_id", "service_at_location"),
        ],
    },
    "contact": {
        "path": "contacts.csv",
        "fields": [
            ("id", "string", {"format": "uuid", "required": True}),
            ("organization_id", "string", {"format": "uuid"}),
            ("service_id", "string", {"format": "uuid"}),
            ("service_at_location_id", "string", {"format": "uuid"}),
            ("location_id", "string", {"format": "uuid"}),
            ("name", "string", {}),
            ("title", "string", {}),
            ("department", "string", {}),
            ("email", "string", {"format": "email"}),
        ],
        "foreign_keys": [
            ("location_id", "location"),
            ("organization_id", "organization"),
            ("service_id", "service"),
            ("service_at_location_id", "service_at_location"),
        ],
    },
    "address": {
        "path": "addresses.csv",
        "fields": [
            ("id", "string", {"format": "uuid", "required": True}),
            ("location_id", "string", {"format": "uuid"}),
            ("attention", "string", {}),
            ("address_1", "string", {"required": True}),
            ("address_2", "string", {}),
            ("city", "string", {"required": True}),
            ("region", "string", {}),
            ("state_province", "string", {"required": True}),
            ("postal_code", "string", {"required": True}),
            ("country", "string", {"required": True}),
            ("address_type", "string", {"required": True, "enum": ["physical", "postal", "virtual"]}),
        ],
        "foreign_keys": [("location_id", "location")],
    },
    "schedule": {
        "path": "schedules.csv",
        "fields": [
            ("id", "string", {"format": "uuid", "required": True}),
            ("service_id", "string", {"format": "uuid"}),
            ("location_id", "string", {"format": "uuid"}),
            ("service_at_location_id", "string", {"format": "uuid"}),
            ("valid_from", "date", {}),
            ("valid_to", "date", {}),
            ("dtstart", "date", {}),
            ("timezone", "number", {}),
            ("until", "date", {}),
            ("count", "number", {}),
            ("wkst", "string", {"enum": ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]}),
            ("freq", "string", {"enum": ["WEEKLY", "MONTHLY"]}),
            ("interval", "number", {}),
            ("byday", "string", {}),
            ("byweekno", "string", {}),
            ("bymonthday", "string", {}),
            ("byyearday", "string", {}),
            ("description", "string", {}),
            ("opens_at", "time", {}),
            ("closes_at", "time", {}),
            ("schedule_link", "string", {"format": "uri"}),
            ("attending_type", "string", {}),
            ("notes", "string", {}),
        ],
        "foreign_keys": [
            ("location_id", "location"),
            ("service_id", "service"),
            ("service_at_location_id", "service_at_location"),
        ],
    },
    "funding": {
        "path": "funding.csv",
        "fields": [
            ("id", "string", {"format": "uuid", "required": True}),
            ("organization_id", "string", {"format": "uuid"}),
            ("service_id", "string", {"format": "uuid"}),
            ("source", "string", {}),
        ],
        "foreign_keys": [("organization_id", "organization"), ("service_id", "service")],
    },
    "service_area": {
        "path": "service_areas.csv",
        "fields": [
            ("id", "string", {"format": "uuid", "required": True}),
            ("service_id", "string", {"format": "uuid"}),
            ("name", "string", {}),
            ("description", "string", {}),
            ("extent", "string", {}),
            ("extent_type", "string", {}),
            ("uri", "string", {}),
        ],
        "foreign_keys": [("service_id", "service")],
    },
    "required_document": {
        "path": "required_documents.csv",
        "fields": [
            ("id", "string", {"format": "uuid", "required": True}),
            ("service_id", "string", {"format": "uuid"}),
            ("document", "string", {}),
            ("uri", "string", {"format": "uri"}),
        ],
        "foreign_keys": [("service_id", "service")],
    },
    "language": {
        "path": "languages.csv",
        "fields": [
            ("id", "string", {"format": "uuid", "required": True}),
            ("service_id", "string", {"format": "uuid"}),
            ("location_id", "string", {"format": "uuid"}),
            ("phone_id", "string", {"format": "uuid"}),
            ("name", "string", {}),
            ("code", "string", {}),
            ("note", "string", {}),
        ],
        "foreign_keys": [("location_id", "location"), ("phone_id", "phone"), ("service_id", "service")],
    },
    "accessibility": {
        "path": "accessibility.csv",
        "fields": [
            ("id", "string", {"format": "uuid", "required": True}),
            ("location_id", "string", {"format": "uuid"}),
            ("description", "string", {}),
            ("details", "string", {}),
            ("url", "string", {"format": "uri"}),
        ],
        "foreign_keys": [("location_id", "location")],
    },
    "taxonomy_term": {
        "path": "taxonomy_terms.csv",
        "fields": [
            ("id", "string", {"format": "uuid", "required": True}),
            ("code", "string", {"unique": True}),
            ("name", "string", {"required": True}),
            ("description", "string", {"required": True}),
            ("parent_id", "string", {"format": "uuid"}),
            ("taxonomy", "string", {}),
            ("language", "string", {}),
            ("taxonomy_id", "string", {"format": "uuid"}),
            ("term_uri", "string", {"format": "uri"}),
        ],
        "foreign_keys": [("taxonomy_id", "taxonomy")],
    },
    "metadata": {
        "path": "metadata.csv",
        "fields": [
            ("id", "string", {"format": "uuid", "required": True}),
            ("resource_id", "string", {"format": "uuid", "required": True}),
            ("resource_type", "string", {"required": True}),
            ("last_action_date", "date", {"required": True}),
            ("last_action_type", "string", {"required": True}),
            ("field_name", "string", {"required": True}),
            ("previous_value", "string", {"required": True}),
            ("replacement_value", "string", {"required": True}),
            ("updated_by", "string", {"required": True}),
        ],
        "foreign_keys": [],
    },
    "meta_table_description": {
        "path": "meta_table_descriptions.csv",
        "fields": [
            ("id", "string", {"format": "uuid", "required": True}),
            ("name", "string", {}),
            ("language", "string", {}),
            ("character_set", "string", {}),
        ],
        "foreign_keys": [],
    },
    "cost_option": {
        "path": "cost_options.csv",
        "fields": [
            ("id", "string", {"format": "uuid", "required": True}),
            ("service_id", "string", {"format": "uuid", "required": True}),
            ("valid_from", "date", {}),
            ("valid_to", "date", {}),
            ("option", "string", {}),
            ("currency", "string", {}),
            ("amount", "number", {}),
            ("amount_description", "string", {}),
        ],
        "foreign_keys": [("service_id", "service")],
    },
    "organization_identifier": {
        "path": "organization_identifiers.csv",
        "fields": [
            ("id", "string", {"format": "uuid", "required": True}),
            ("organization_id", "string", {"format": "uuid", "required": True}),
            ("identifier_scheme", "string", {}),
            ("identifier_type", "string", {"required": True}),
            ("identifier", "string", {"required": True}),
        ],
        "foreign_keys": [("organization_id", "organization")],
    },
    "taxonomy": {
        "path": "taxonomies.csv",
        "fields": [
            ("id", "string", {"format": "uuid", "required": True}),
            ("name", "string", {"required": True}),
            ("description", "string", {"required": True}),
            ("uri", "string", {"format": "uri"}),
            ("version", "string", {}),
        ],
        "foreign_keys": [],
    },
}


def official_descriptor() -> dict:
    """A Tabular Data Package descriptor built from the rules above, as the specification's datapackage.json."""
    resources = []
    for name in OFFICIAL_RESOURCE_ORDER:
        table = OFFICIAL_TABLES[name]
        fields = []
        for field_name, field_type, rules in table["fields"]:
            field = {"name": field_name, "type": field_type}
            if "format" in rules:
                field["format"] = rules["format"]
            constraints = {key: rules[key] for key in ("required", "enum", "unique") if key in rules}
            if field_name == "id":
                constraints["unique"] = True
            if constraints:
                field["constraints"] = constraints
            fields.append(field)
        schema = {"primaryKey": "id", "fields": fields}
        if table["foreign_keys"]:
            schema["foreignKeys"] = [
                {"fields": column, "reference": {"resource": target, "fields": "id"}}
                for column, target in table["foreign_keys"]
            ]
        resources.append(
            {"name": name, "path": table["path"], "profile": "tabular-data-resource", "format": "csv",
             "mediatype": "text/csv", "encoding": "utf-8", "schema": schema}
        )  # fmt: skip
    return {
        "name": "human_services_data",
        "profile": "tabular-data-package",
        "version": OFFICIAL_VERSION,
        "resources": resources,
    }


def validate_with_official_rules(zip_bytes: bytes, tmp_path) -> list[str]:
    """Unpack the export's CSV files next to a descriptor of the official rules, and validate with frictionless."""
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        archive.extractall(tmp_path)
    (tmp_path / "official.json").write_text(json.dumps(official_descriptor()), encoding="utf-8")
    with system.use_context(trusted=True):
        report = Package(str(tmp_path / "official.json")).validate()
    return [f"{error.type}: {error.message}" for task in report.tasks for error in task.errors] + [
        f"{error.type}: {error.message}" for error in report.errors
    ]


def fill(municipality) -> None:
    """Two needs, three contact points with every field the directory has, and situations linking them."""
    municipality.phone = "36 39 39 39"
    municipality.email = "kommune@testrup.example"
    municipality.save()
    needs = [NeedFactory(municipality=municipality, name=f"Behov {n}", order=n) for n in range(2)]
    contacts = [ContactPointFactory(municipality=municipality, number=n, name=f"Team {n}") for n in range(3)]
    for n in range(5):
        SituationContactFactory(
            situation=SituationFactory(need=needs[n % 2], text=f"Situation {n}", order=n),
            contact_point=contacts[n % 3],
            ask_about=f"Spørg om {n}.",
        )


def test_the_export_has_every_official_table_and_column_in_the_official_order_and_types(municipality):
    fill(municipality)
    with zipfile.ZipFile(io.BytesIO(hsds_tabular_zip(municipality, base_url="https://portal.example"))) as archive:
        descriptor = json.loads(archive.read("datapackage.json"))
        headers = {
            name: archive.read(name).decode("utf-8").split("\r\n", 1)[0].split(",")
            for name in archive.namelist()
            if name.endswith(".csv")
        }
    assert descriptor["version"] == OFFICIAL_VERSION and descriptor["profile"] == "tabular-data-package"
    assert [resource["name"] for resource in descriptor["resources"]] == OFFICIAL_RESOURCE_ORDER
    for resource in descriptor["resources"]:
        official = OFFICIAL_TABLES[resource["name"]]
        assert resource["path"] == official["path"]
        assert headers[resource["path"]] == [name for name, _type, _rules in official["fields"]], resource["path"]
        assert [(field["name"], field["type"], field.get("format")) for field in resource["schema"]["fields"]] == [
            (name, field_type, rules.get("format")) for name, field_type, rules in official["fields"]
        ], resource["name"]
        required = [
            field["name"] for field in resource["schema"]["fields"] if field.get("constraints", {}).get("required")
        ]
        assert required == [name for name, _type, rules in official["fields"] if rules.get("required")]
        keys = [(key["fields"], key["reference"]["resource"]) for key in resource["schema"].get("foreignKeys", [])]
        assert keys == [tuple(key) for key in official["foreign_keys"]], resource["name"]
    assert set(headers) == {table["path"] for table in OFFICIAL_TABLES.values()}


def test_the_export_validates_with_frictionless_against_the_official_rules(municipality, tmp_path):
    fill(municipality)
    errors = validate_with_official_rules(hsds_tabular_zip(municipality, base_url="https://portal.example"), tmp_path)
    assert errors == []


@pytest.mark.parametrize("slug", ["hvidovre", "haderslev"])
def test_the_seeded_directories_validate_with_frictionless_against_the_official_rules(directories, slug, tmp_path):
    zip_bytes = hsds_tabular_zip(directories[slug], base_url="https://portal.example")
    assert validate_with_official_rules(zip_bytes, tmp_path) == []


def test_the_package_is_read_with_its_own_descriptor_too(directories, tmp_path):
    with zipfile.ZipFile(
        io.BytesIO(hsds_tabular_zip(directories["hvidovre"], base_url="https://x.example"))
    ) as archive:
        archive.extractall(tmp_path)
    with system.use_context(trusted=True):
        report = Package(str(tmp_path / "datapackage.json")).validate()
    assert report.valid, report.flatten(["type", "message"])
    services = Package(str(tmp_path / "datapackage.json")).get_resource("service").read_rows()
    assert len(services) == 10 and all(row["status"] == "active" for row in services)

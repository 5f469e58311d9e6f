"""The pages every Danish public site has, one set per municipality, each with a default text its editors adapt.

`ensure_standard_pages(municipality)` makes the ones the municipality does not have yet (published, as
version 1 "from the portal"), so loading the policies, adding a municipality, or `migrate` after an upgrade
(`give_standard_pages_after_migrate`, for a municipality that has none) gives it all four; after
that they are ordinary pages (kind "standard"): drafts, publishing, versions. The footer links them.

The default texts state only what holds for every municipality (the law, the portal's own data: every store
of the register of personal data, what, why and how long, when the page is made); what only the
municipality knows (its citizens' adviser, its data-protection officer's address) the text asks the
reader to find on the municipality's website, until an editor writes it in.
"""

from django.db import transaction
from django.utils import timezone, translation

from .formats import format_date
from .models import Municipality, Page, Section
from .personal_data import stores

COMPLAINTS, PRIVACY, ACCESSIBILITY, WHAT_STAFF_MAY_TELL = (
    "klagevejledning",
    "privatlivspolitik",
    "tilgaengelighedserklaering",
    "hvad-maa-personalet-fortaelle-mig",
)
FOOTER_ORDER = (WHAT_STAFF_MAY_TELL, COMPLAINTS, PRIVACY, ACCESSIBILITY)


def _contact(municipality: Municipality) -> str:
    ways = [f"telefon {municipality.phone}" if municipality.phone else "", municipality.email]
    ways = [way for way in ways if way]
    site = municipality.website.removeprefix("https://").removeprefix("http://")
    return f"{', '.join(ways)} eller via {site}" if ways else f"via kommunens hjemmeside, {site}"


def _complaints(municipality: Municipality) -> tuple[str, list[dict]]:
    name, contact = municipality.name, _contact(municipality)
    return "Sådan klager du", [
        {
            "kind": "text",
            "body": (
                f"Er du utilfreds med den hjælp, din nærtstående får, eller med samarbejdet med personalet, så sig det "
                f"gerne først til medarbejderen eller lederen på stedet. Mange problemer kan løses i en samtale.\n\n"
                f"Du kan altid kontakte {name} {contact}."
            ),
        },
        {
            "kind": "text",
            "heading": "Klage over en afgørelse",
            "body": (
                "Har kommunen truffet en afgørelse, fx om hjemmehjælp, hjælpemidler eller et botilbud, står det i "
                "afgørelsen, hvordan du klager. Det er som regel borgeren selv (eller en værge eller fuldmagtshaver), "
                "der kan klage over en afgørelse.\n\n"
                "Klagen sendes til kommunen inden 4 uger efter, at afgørelsen er modtaget. Kommunen ser sagen igen. "
                "Giver kommunen ikke borgeren ret, sender den klagen videre til Ankestyrelsen."
            ),
        },
        {
            "kind": "text",
            "heading": "Klage over sundhedsfaglig behandling",
            "body": (
                "Klager over den sundhedsfaglige behandling, fx sygepleje, behandles af Styrelsen for Patientklager "
                "(stpk.dk), hvor du også kan læse fristerne for at klage."
            ),
        },
        {
            "kind": "text",
            "heading": "Borgerrådgiver",
            "body": (
                f"Har {name} en borgerrådgiver, kan du få uafhængig vejledning om, hvordan du klager. Se "
                f"kommunens hjemmeside."
            ),
        },
    ]


def _privacy(municipality: Municipality) -> tuple[str, list[dict]]:
    # From the register of personal data (portal.personal_data), so every store the portal keeps is named, with
    # why and how long, as the DPO's page and the daily eraser know it; only what is not a store is written here.
    register = stores()
    kept = [f"{store.name}: {store.what}" for store in register]
    not_kept = [
        "Svar på pårørendeundersøgelsen. Svarene er anonyme: portalen gemmer ikke, hvem der har svaret, og "
        "grupper med få svar vises ikke.",
        "Når du blot læser siderne, gemmer portalen ingen oplysninger om dig og bruger ingen cookies.",
    ]
    return "Privatlivspolitik", [
        {
            "kind": "text",
            "body": (
                f"{municipality.name} er dataansvarlig for de oplysninger, der behandles på kommunens sider på "
                f"Pårørendeportalen. Her kan du læse, hvad vi gemmer, hvorfor og hvor længe."
            ),
        },
        {"kind": "list", "heading": "Det gemmer portalen", "items": "\n".join(kept + not_kept)},
        {"kind": "list", "heading": "Derfor", "items": "\n".join(f"{store.name}: {store.why}" for store in register)},
        {
            "kind": "list",
            "heading": "Så længe gemmer vi oplysningerne",
            "items": "\n".join(f"{store.name}: {store.retention(municipality)}" for store in register),
        },
        {
            "kind": "text",
            "heading": "Dine rettigheder",
            "body": (
                "Du har ret til at få at vide, hvilke oplysninger kommunen har om dig (indsigt), og til at få forkerte "
                "oplysninger rettet. Du kan i visse tilfælde få oplysninger slettet eller behandlingen begrænset, og "
                "du kan gøre indsigelse mod behandlingen.\n\n"
                f"Kommunens databeskyttelsesrådgiver kan kontaktes {_contact(municipality)}.\n\n"
                "Er du utilfreds med kommunens behandling af dine oplysninger, kan du klage til Datatilsynet "
                "(datatilsynet.dk)."
            ),
        },
    ]


def _accessibility(municipality: Municipality) -> tuple[str, list[dict]]:
    today = format_date(timezone.localdate(), "da")  # Danish content, whatever the interface language
    return "Tilgængelighedserklæring", [
        {
            "kind": "text",
            "body": (
                f"{municipality.name} ønsker, at alle kan bruge kommunens sider på Pårørendeportalen. Erklæringen "
                f"gælder {municipality.name}s sider på portalen (politikken, Find rundt og siderne om klager, "
                f"privatliv og tavshedspligt). Den er udarbejdet den {today}."
            ),
        },
        {
            "kind": "text",
            "heading": "Overholdelse",
            "body": (
                "Siderne er lavet til at overholde WCAG 2.1 på niveau AA, som lov om tilgængelighed af offentlige "
                "organers websteder og mobilapplikationer kræver. Hver side testes automatisk i en rigtig browser med "
                "axe-core og HTML-kontrol, på telefon og computer."
            ),
        },
        {
            "kind": "list",
            "heading": "Kendte problemer",
            "items": "\n".join(
                [
                    "Politikkens tekst er kommunens egen og findes kun på dansk, medmindre en redaktør har oversat "
                    "den.",
                    "Figurer og tegninger fra den trykte politik er gengivet som tekst.",
                    "Automatiske test finder ikke alle barrierer.",
                ]
            ),
        },
        {
            "kind": "text",
            "heading": "Feedback og kontakt",
            "body": (f"Møder du en barriere, så kontakt {municipality.name} {_contact(municipality)}."),
        },
        {
            "kind": "text",
            "heading": "Klage",
            "body": (
                "Får du ikke et tilfredsstillende svar, kan du klage til Digitaliseringsstyrelsen, som håndhæver "
                "webtilgængelighedsloven (digst.dk)."
            ),
        },
    ]


def _what_staff_may_tell(municipality: Municipality) -> tuple[str, list[dict]]:
    return "Hvad må personalet fortælle mig?", [
        {
            "kind": "text",
            "body": (
                "Personalet har tavshedspligt. Det betyder, at de ikke må fortælle andre – heller ikke familien – om "
                "borgerens helbred eller personlige forhold, uden at borgeren har sagt ja til det."
            ),
        },
        {
            "kind": "text",
            "heading": "Når borgeren har givet samtykke",
            "body": (
                "Borgeren kan give samtykke til, at personalet fortæller dig om fx helbred, medicin eller aftaler. "
                "Samtykket kan gives mundtligt eller skriftligt, og personalet skriver ned, hvem det gælder, og hvad "
                "det omfatter. Borgeren kan til enhver tid trække samtykket tilbage eller ændre det."
            ),
        },
        {
            "kind": "text",
            "heading": "Når der ikke er samtykke",
            "body": (
                "Personalet kan altid lytte til dig og tage imod det, du fortæller. De kan også fortælle dig om "
                "kommunens tilbud til pårørende og om, hvem du kan kontakte.\n\n"
                "Kan borgeren ikke selv tage stilling, fx ved svær demens, gælder særlige regler: så kan personalet "
                "give oplysninger til den nærmeste pårørende eller en værge i det omfang, loven tillader."
            ),
        },
        {
            "kind": "text",
            "heading": "Spørg gerne",
            "body": (
                "Er du i tvivl om, hvad du kan få at vide, så spørg personalet, om borgeren har givet samtykke – og "
                "tal gerne med borgeren om det."
            ),
        },
    ]


MAKERS = {
    COMPLAINTS: _complaints,
    PRIVACY: _privacy,
    ACCESSIBILITY: _accessibility,
    WHAT_STAFF_MAY_TELL: _what_staff_may_tell,
}


def ensure_standard_pages(municipality: Municipality) -> list[Page]:
    """Make and publish the standard pages `municipality` does not have yet; the pages made."""
    from .services import publish_page

    made = []
    with transaction.atomic(), translation.override("da"):
        existing = set(municipality.pages.filter(slug__in=MAKERS).values_list("slug", flat=True))
        for order, slug in enumerate(FOOTER_ORDER, start=1):
            if slug in existing:
                continue
            title, sections = MAKERS[slug](municipality)
            page = Page.objects.create(
                municipality=municipality, slug=slug, title=title, kind=Page.Kind.STANDARD, order=10_000 + order
            )
            for section_order, fields in enumerate(sections, start=1):
                section = Section(page=page, order=section_order * 10, **fields)
                section.full_clean()
                section.save()
            publish_page(acting_user=None, page=page)
            made.append(page)
    return made


def give_standard_pages_after_migrate(sender, using: str, plan=None, verbosity: int = 1, stdout=None, **kwargs) -> None:
    """post_migrate: after an upgrade, each municipality that never had standard pages gets them, with no manual step.

    A receiver, not a data migration: the pages are made by today's code (texts from today's register of personal
    data and settings, published as versions), which a migration must not import, and it also serves a database
    migrated later than the code that added the pages. Only a municipality with no standard page at all is given
    them, so `migrate` on every deploy never makes one twice, never touches an editor's text, and does not bring
    back a page an editor deleted. `flush` (no plan) and a migration to an earlier state (a plan left to run)
    are left alone: the models would not match the tables.
    """
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    if plan is None or using != DEFAULT_DB_ALIAS:
        return
    executor = MigrationExecutor(connections[using])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return
    for municipality in Municipality.objects.exclude(pages__kind=Page.Kind.STANDARD).order_by("name"):
        made = ensure_standard_pages(municipality)
        if made and verbosity >= 1 and stdout is not None:
            stdout.write(f"  Standard pages made for {municipality.name}: {', '.join(page.slug for page in made)}\n")

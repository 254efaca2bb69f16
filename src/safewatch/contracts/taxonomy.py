"""The common threat taxonomy as code: categories, subcategories and their product mappings.

Categories and default severities mirror ``data/taxonomy.csv``. Each subcategory's severity is the
label-level severity of a source label in ``data/label_mapping.csv`` (mostly the polisen one named
as its ``polisen_type``; a few English-only subcategories cite the UCPD/SAPD label in a comment).
Subcategory keywords live in `keywords.py`; within a category the first subcategory (in table
order) with a matching keyword wins, else the category's default subcategory.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic.json_schema import JsonDict

from safewatch.contracts.keywords import SUBCATEGORY_KEYWORDS, KeywordMatcher, words
from safewatch.contracts.severity import severity_for
from safewatch.contracts.threats import Classification, ProductMappings

CATEGORIES: tuple[str, ...] = (
    "weapons",
    "violence",
    "robbery",
    "sexual_offense",
    "fire",
    "burglary",
    "traffic",
    "medical",
    "missing_person",
    "harassment",
    "suspicious_activity",
    "theft",
    "vandalism",
    "fraud",
    "drugs",
    "disturbance",
    "other",
)
# A field that takes a category says so in its JSON schema (the server also takes any case).
CATEGORY_SCHEMA: JsonDict = {"enum": list(CATEGORIES)}

DEFAULT_SEVERITY: dict[str, int] = {
    "weapons": 5,
    "violence": 4,
    "robbery": 4,
    "sexual_offense": 4,
    "fire": 4,
    "burglary": 3,
    "traffic": 3,
    "medical": 3,
    "missing_person": 3,
    "harassment": 2,
    "suspicious_activity": 2,
    "theft": 2,
    "vandalism": 2,
    "fraud": 2,
    "drugs": 2,
    "disturbance": 2,
    "other": 1,
}

DESCRIPTIONS: dict[str, str] = {
    "weapons": "Firearms/knives/explosives are the salient feature: shots fired, person with gun, "
    "explosions/detonations, bomb threats, weapons-law offences",
    "violence": "Physical violence against persons: assault, fights, stabbings, homicide and "
    "attempts, kidnapping, attacks on officers",
    "robbery": "Theft by force or threat (street/store/armed robbery), hold-up alarms",
    "sexual_offense": "Rape, sexual assault, indecent exposure, lewd conduct, online predators",
    "fire": "Fires, arson, smoke, fire alarms, hazardous materials / gas, industrial explosions "
    "without criminal intent",
    "burglary": "Break-in or unlawful entry into homes, businesses, premises; burglar alarms",
    "traffic": "Road (and boat) traffic: collisions, drunk/wrong-way driving, traffic offences "
    "and controls, road hazards, transport crashes",
    "medical": "Injured/sick persons, accidents at work, found dead, drowning, rescue of persons "
    "in danger, welfare checks",
    "missing_person": "Missing/endangered/runaway persons, wanted-person searches, mountain "
    "search and rescue",
    "harassment": "Threats, stalking, molestation, protective-order violations, hate speech, "
    "telephone/online harassment",
    "suspicious_activity": "Suspicious persons/vehicles, prowlers, trespass, protected-site "
    "violations, unexplained alarms",
    "theft": "Theft without force: shoplifting, pickpocketing, bicycle/vehicle theft, theft from "
    "vehicles, receiving stolen goods",
    "vandalism": "Criminal damage, graffiti, criminal mischief, sabotage",
    "fraud": "Fraud, scams (incl. against the elderly), forgery, document misuse, economic crime",
    "drugs": "Narcotics possession/sale/use",
    "disturbance": "Public-order problems without injury: noise, loud music, fireworks, "
    "drunkenness, family/neighbour disputes, ordinance/liquor-law violations",
    "other": "No threat category applies: information, lost/found property, animals, "
    "administrative police activity, unrelated text",
}

# Halo's closed list of incident types, each with the category it hints at (Halo sends one).
HALO_TYPE_CATEGORY: dict[str, str] = {
    "shooting": "weapons",
    "explosion": "weapons",
    "bomb_threat": "weapons",
    "suspicious_package": "weapons",
    "weapon": "weapons",
    "assault": "violence",
    "stabbing": "violence",
    "homicide": "violence",
    "kidnapping": "violence",
    "robbery": "robbery",
    "sexual_assault": "sexual_offense",
    "indecent_exposure": "sexual_offense",
    "fire": "fire",
    "hazmat": "fire",
    "burglary": "burglary",
    "traffic_accident": "traffic",
    "traffic_violation": "traffic",
    "medical_emergency": "medical",
    "missing_person": "missing_person",
    "harassment": "harassment",
    "threat": "harassment",
    "suspicious_activity": "suspicious_activity",
    "trespass": "suspicious_activity",
    "theft": "theft",
    "vandalism": "vandalism",
    "fraud": "fraud",
    "drug_activity": "drugs",
    "disturbance": "disturbance",
    "noise": "disturbance",
    "lost_property": "other",
    "animal": "other",
    "other": "other",
}
HALO_INCIDENT_TYPES: tuple[str, ...] = tuple(HALO_TYPE_CATEGORY)


@dataclass(frozen=True, slots=True)
class Subcategory:
    name: str  # unique across categories
    severity: int  # label-level severity, 1-5
    polisen_type: str  # a polisen event type from label_mapping.csv
    halo_incident_type: str  # one of HALO_INCIDENT_TYPES
    keywords: tuple[str, ...]  # EN + SV patterns (keywords.py syntax) that select it


# (name, severity, polisen_type, halo_incident_type), in matching priority order: specific and
# attempted/suspected variants before the general ones. Defaults are in DEFAULT_SUBCATEGORY.
# Severity comments cite the label_mapping.csv row when it is not the polisen type's own.
_ROWS: dict[str, tuple[tuple[str, int, str, str], ...]] = {
    "weapons": (
        ("bomb_threat", 5, "Bombhot", "bomb_threat"),
        ("suspected_shooting", 4, "Skottlossning, misstänkt", "shooting"),
        ("shooting", 5, "Skottlossning", "shooting"),
        ("detonation", 5, "Detonation", "explosion"),
        ("explosion", 5, "Explosion", "explosion"),
        ("suspicious_object", 4, "Farligt föremål, misstänkt", "suspicious_package"),
        ("knife_offense", 3, "Knivlagen", "weapon"),
        ("firearm_offense", 3, "Vapenlagen", "weapon"),
        ("weapon_incident", 5, "Vapenlagen", "weapon"),  # taxonomy default: armed threat
    ),
    "violence": (
        ("kidnapping", 5, "Olaga frihetsberövande/människorov", "kidnapping"),
        ("attempted_murder", 5, "Mord/dråp, försök", "assault"),
        ("homicide", 5, "Mord/dråp", "homicide"),
        ("shooting_victim", 5, "Mord/dråp, försök", "shooting"),
        ("stabbing", 5, "Mord/dråp, försök", "stabbing"),  # polisen's usual type for these
        ("aggravated_assault", 4, "Misshandel, grov", "assault"),
        ("assault_on_officer", 3, "Våld/hot mot tjänsteman", "assault"),
        ("domestic_violence", 3, "Misshandel", "assault"),
        ("physical_altercation", 3, "Misshandel", "assault"),  # SAPD "Fight" is 3 too
        ("assault", 3, "Misshandel", "assault"),
        ("quarrel", 2, "Bråk", "disturbance"),
    ),
    "robbery": (
        ("armed_robbery", 5, "Rån väpnat", "robbery"),
        ("attempted_robbery", 3, "Rån, försök", "robbery"),
        ("carjacking", 5, "Rån övrigt", "robbery"),  # UCPD "Vehicle Hijacking" is 5
        ("robbery_alarm", 3, "Larm Överfall", "robbery"),
        ("commercial_robbery", 4, "Rån övrigt", "robbery"),
        ("street_robbery", 4, "Rån", "robbery"),
        ("robbery", 4, "Rån", "robbery"),
    ),
    "sexual_offense": (
        ("attempted_rape", 4, "Våldtäkt, försök", "sexual_assault"),
        ("rape", 4, "Våldtäkt", "sexual_assault"),
        ("indecent_exposure", 3, "Sedlighetsbrott", "indecent_exposure"),
        ("online_predator", 3, "Sexualbrott", "sexual_assault"),  # SAPD "Internet Predator"
        ("sexual_assault", 4, "Sexualbrott", "sexual_assault"),
    ),
    "fire": (
        ("arson", 5, "Mordbrand", "fire"),
        ("deliberate_fire", 4, "Brand", "fire"),  # "anlagd brand": polisen mostly types it Brand
        ("fire_alarm", 2, "Brand automatlarm", "fire"),
        ("industrial_explosion", 5, "Explosion", "explosion"),  # CrisisLex plant explosions
        ("hazmat", 3, "Spridning smitta/kemikalier", "hazmat"),
        ("wildfire", 4, "Brand", "fire"),
        ("vehicle_fire", 4, "Brand", "fire"),
        ("building_fire", 4, "Brand", "fire"),
        ("fire", 4, "Brand", "fire"),
    ),
    "burglary": (
        ("burglar_alarm", 2, "Larm Inbrott", "burglary"),
        ("attempted_burglary", 2, "Inbrott, försök", "burglary"),
        ("home_intrusion", 3, "Hemfridsbrott", "burglary"),
        ("unlawful_entry", 2, "Olaga intrång", "trespass"),
        ("residential_burglary", 3, "Inbrott", "burglary"),
        ("storage_burglary", 3, "Stöld/inbrott", "burglary"),
        ("commercial_burglary", 3, "Stöld/inbrott", "burglary"),
        ("burglary", 3, "Stöld/inbrott", "burglary"),
    ),
    "traffic": (
        ("transport_crash", 4, "Trafikolycka, personskada", "traffic_accident"),  # CrisisLex
        ("drunk_driving", 3, "Rattfylleri", "traffic_violation"),
        ("hit_and_run", 3, "Trafikolycka, smitning från", "traffic_accident"),
        ("wildlife_collision", 2, "Trafikolycka, vilt", "traffic_accident"),
        ("wrong_way_driving", 4, "Trafikbrott", "traffic_violation"),  # SAPD "Wrong Way Driver"
        ("collision_with_injury", 4, "Trafikolycka, personskada", "traffic_accident"),
        ("single_vehicle_crash", 3, "Trafikolycka, singel", "traffic_accident"),
        ("unlicensed_driving", 2, "Olovlig körning", "traffic_violation"),
        ("traffic_control", 1, "Trafikkontroll", "traffic_violation"),
        ("traffic_offense", 2, "Trafikbrott", "traffic_violation"),
        ("road_hazard", 2, "Trafikhinder", "traffic_accident"),
        ("boating", 2, "Sjölagen", "traffic_violation"),
        ("collision", 3, "Trafikolycka", "traffic_accident"),
    ),
    "medical": (
        ("drowning", 3, "Räddningsinsats", "medical_emergency"),
        ("found_dead", 3, "Anträffad död", "medical_emergency"),
        ("workplace_accident", 3, "Arbetsplatsolycka", "medical_emergency"),
        ("negligent_injury", 3, "Vållande till kroppsskada", "medical_emergency"),
        ("rescue", 3, "Räddningsinsats", "medical_emergency"),
        ("mental_health", 3, "Sjukdom/olycksfall", "medical_emergency"),  # UCPD, 3
        ("welfare_check", 2, "Sjukdom/olycksfall", "medical_emergency"),  # SAPD, 2
        ("injured_person", 3, "Sjukdom/olycksfall", "medical_emergency"),
        ("medical_emergency", 3, "Sjukdom/olycksfall", "medical_emergency"),
    ),
    "missing_person": (
        ("mountain_rescue", 3, "Fjällräddning", "missing_person"),
        ("wanted_person", 2, "Efterlyst person", "missing_person"),
        ("endangered_missing", 4, "Försvunnen person", "missing_person"),  # SAPD, 4
        ("runaway", 3, "Försvunnen person", "missing_person"),
        ("missing_person", 3, "Försvunnen person", "missing_person"),
    ),
    "harassment": (
        ("hate_speech", 2, "Hets mot folkgrupp", "harassment"),
        ("protective_order_violation", 2, "Ofredande/förargelse", "harassment"),  # UCPD, 2
        ("threat", 3, "Olaga hot", "threat"),
        ("stalking", 2, "Ofredande/förargelse", "harassment"),  # UCPD, 2
        ("telephone_harassment", 2, "Ofredande/förargelse", "harassment"),  # UCPD, 2
        ("harassment", 2, "Ofredande/förargelse", "harassment"),
    ),
    "suspicious_activity": (
        ("protected_site", 2, "Skyddslagen", "suspicious_activity"),
        ("drone", 2, "Luftfartslagen", "suspicious_activity"),
        ("trespass", 2, "Olaga intrång", "trespass"),
        ("prowler", 3, "Kontroll person/fordon", "suspicious_activity"),  # SAPD "Prowler"
        ("irregular_conditions", 2, "Varningslarm/haveri", "suspicious_activity"),
        ("suspicious_person", 2, "Kontroll person/fordon", "suspicious_activity"),  # SAPD, 2
        ("suspicious_vehicle", 2, "Kontroll person/fordon", "suspicious_activity"),  # SAPD, 2
    ),
    "theft": (
        ("attempted_theft", 1, "Stöld, försök", "theft"),
        ("receiving_stolen_goods", 2, "Häleri", "theft"),
        ("vehicle_theft", 2, "Motorfordon, stöld", "theft"),
        ("theft_from_vehicle", 2, "Stöld", "theft"),
        ("bicycle_theft", 2, "Stöld", "theft"),
        ("shoplifting", 2, "Stöld", "theft"),
        ("pickpocketing", 2, "Stöld", "theft"),
        ("theft", 2, "Stöld", "theft"),
    ),
    "vandalism": (
        ("sabotage", 3, "Sabotage mot blåljusverksamhet", "vandalism"),
        ("graffiti", 2, "Skadegörelse", "vandalism"),
        ("vehicle_damage", 2, "Skadegörelse", "vandalism"),
        ("criminal_damage", 2, "Skadegörelse", "vandalism"),
    ),
    "fraud": (
        ("elder_fraud", 2, "Åldringsbrott", "fraud"),
        ("forgery", 2, "Förfalskningsbrott", "fraud"),
        ("document_misuse", 1, "Missbruk av urkund", "fraud"),
        ("economic_crime", 2, "Ekobrott", "fraud"),
        ("card_fraud", 2, "Bedrägeri", "fraud"),
        ("scam", 2, "Bedrägeri", "fraud"),
        ("fraud", 2, "Bedrägeri", "fraud"),
    ),
    "drugs": (
        ("drug_dealing", 2, "Narkotikabrott", "drug_activity"),
        ("drug_influence", 2, "Narkotikabrott", "drug_activity"),
        ("found_narcotics", 2, "Narkotikabrott", "drug_activity"),
        ("drug_possession", 2, "Narkotikabrott", "drug_activity"),
    ),
    "disturbance": (
        ("fireworks", 2, "Smällar", "noise"),
        ("underage_drinking", 2, "Alkohollagen", "disturbance"),  # UCPD "Liquor Law", 2
        ("liquor_law", 1, "Alkohollagen", "disturbance"),
        ("drunkenness", 2, "Fylleri/LOB", "disturbance"),
        ("noise", 2, "Ordningslagen", "noise"),  # UCPD "Disturbance" (loud party), 2
        ("domestic_dispute", 2, "Bråk", "disturbance"),  # UCPD/SAPD disturbance, 2
        ("public_order", 1, "Ordningslagen", "disturbance"),
        ("disturbance", 2, "Ordningslagen", "disturbance"),  # taxonomy default
    ),
    "other": (
        ("update", 1, "Uppdatering", "other"),
        ("information", 1, "Information", "other"),
        ("recovered_vehicle", 1, "Motorfordon, anträffat stulet", "other"),
        ("lost_property", 1, "Anträffat gods", "lost_property"),
        ("animal", 1, "Djur", "animal"),
        ("environmental", 1, "Miljöbrott", "other"),
        ("equipment_failure", 2, "Varningslarm/haveri", "other"),
        ("police_operation", 1, "Polisinsats/kommendering", "other"),
        ("person_vehicle_check", 1, "Kontroll person/fordon", "other"),
        ("general", 1, "Övrigt", "other"),
    ),
}

SUBCATEGORIES: dict[str, tuple[Subcategory, ...]] = {
    category: tuple(
        Subcategory(name, sev, polisen, halo, SUBCATEGORY_KEYWORDS.get(name, ()))
        for name, sev, polisen, halo in rows
    )
    for category, rows in _ROWS.items()
}
# Used when no subcategory keyword matches: the most common or the most general subcategory.
DEFAULT_SUBCATEGORY: dict[str, str] = {
    "weapons": "weapon_incident",
    "violence": "assault",
    "robbery": "robbery",
    "sexual_offense": "sexual_assault",
    "fire": "fire",
    "burglary": "burglary",
    "traffic": "collision",
    "medical": "medical_emergency",
    "missing_person": "missing_person",
    "harassment": "harassment",
    "suspicious_activity": "suspicious_person",
    "theft": "theft",
    "vandalism": "criminal_damage",
    "fraud": "fraud",
    "drugs": "drug_possession",
    "disturbance": "disturbance",
    "other": "general",
}
_BY_NAME: dict[str, Subcategory] = {
    sub.name: sub for subs in SUBCATEGORIES.values() for sub in subs
}
_MATCHERS: dict[str, KeywordMatcher[str]] = {
    category: KeywordMatcher({sub.name: sub.keywords for sub in subs})
    for category, subs in SUBCATEGORIES.items()
}


def checked_category(value: str) -> str:
    """A category name as a caller may write it (any case, spaces around), or a ValueError that
    lists the ones there are: what request validators say to a caller."""
    value = value.strip().lower()
    if value not in CATEGORIES:
        raise ValueError(f"{value!r} is not a threat category; use one of {', '.join(CATEGORIES)}")
    return value


def subcategory_for(category: str, text: str) -> Subcategory:
    """The first subcategory of `category` whose keywords occur in `text`, else the default."""
    if category not in SUBCATEGORIES:
        raise ValueError(f"unknown threat category {category!r}")
    matched = _MATCHERS[category].labels(words(text))
    for sub in SUBCATEGORIES[category]:
        if sub.name in matched:
            return sub
    return _BY_NAME[DEFAULT_SUBCATEGORY[category]]


def describe(category: str, text: str, *, confidence: float) -> Classification:
    """Fill in subcategory, severity and product mappings for a category chosen elsewhere."""
    sub = subcategory_for(category, text)
    return Classification(
        threat_category=category,
        threat_subcategory=sub.name,
        severity=severity_for(category, sub.severity, text),
        confidence=confidence,
        product_mappings=ProductMappings(
            halo_incident_type=sub.halo_incident_type, polisen_type=sub.polisen_type
        ),
    )


def category_for_halo_type(halo_incident_type: str) -> str | None:
    """The category a Halo `incident_type` hints at ("Traffic accident" works too), else None."""
    key = "_".join(halo_incident_type.strip().lower().replace("-", " ").split())
    if key in HALO_TYPE_CATEGORY:
        return HALO_TYPE_CATEGORY[key]
    return key if key in DEFAULT_SEVERITY else None

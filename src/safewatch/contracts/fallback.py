"""Keyword classifier for when Atlas's model is unavailable (Halo uses it offline): pure Python.

Each category has weighted English + Swedish patterns (keywords.py syntax; Swedish compounds by
stem: "*brand*" finds "bilbrand"). A category scores the summed weight of its heaviest matches
that do not share a word, so synonyms of one word, or a phrase and its own words, count once.
The highest score wins; ties go to the more specific or severe category (weapons, then sexual
offence and robbery before violence, then taxonomy order). No match at all gives `other` with
low confidence. Confidence stays within 0.2-0.75: a keyword match is never as sure as the model.
"""

from __future__ import annotations

from safewatch.contracts.keywords import KeywordMatcher, split_patterns, words
from safewatch.contracts.taxonomy import CATEGORIES, describe
from safewatch.contracts.threats import Classification

NO_MATCH_CONFIDENCE = 0.2
MIN_CONFIDENCE = 0.35
MAX_CONFIDENCE = 0.75

# weight -> "|"-separated patterns. 3: the word names the category; 2: strong hint; 1: weak hint.
# 5: phrases that must override a single strong word ("anträffat stulet" is found, not stolen).
CATEGORY_KEYWORDS: dict[str, dict[int, str]] = {
    "weapons": {
        3: "*skottlossning*|skotthål*|shots fired|shot fired|gunshot*|gunfire|gunman|gunmen"
        "|shooter*|shooting*|sniper*|opened fire|explosion*|*explosion|exploded|explod*|explosiv*"
        "|detonation*|detoner*|bomb|bombs|bombing*|bomber|bombers|*bombhot*|bomb threat*"
        "|*bombning*|handgranat*|granat*|grenade*|sprängladdning*|sprängämne*|*sprängning*"
        "|knivlagen|vapenlagen|vapenbrott*|farligt föremål|skjutvapen*|firearm*|handgun*|rifle*"
        "|vapenliknande|pistolliknande|knivliknande|tiroteo*|fusillade",
        2: "skott|skotten|skjut*|*skjutning*|sköt|avlossa*|kniv|kniven|knivar|*kniv|knife|knives"
        "|machete*|vapen|*vapen|weapon*|gun|guns|pistol*|revolver*|ammunition|ammo|blast*|smäll"
        "|smällen|smällt|shot|shots|suspicious package*|suspicious device*|misstänkt föremål"
        "|misstänkt farligt|yxa|luftvapen*|terror*|*svärd*|pilbåge*|kulspruta*|automatvapen*",
        1: "föremål*|försändelse*|armed|beväpnad*|ofarlig*",
    },
    "violence": {
        3: "misshand*|*misshandel*|*misshandlad*|mord|mordet|*mord|mordförsök*|dråp*|knivhug*"
        "|*knivhuggen|knivskur*|knivskad*|*stickskad*|stickskad*|skärskad*|skottskad*|slagsmål*"
        "|assault*|battery|battered|homicide*|murder*|stabbed|stabbing*|kidnap*|abduct*"
        "|människorov*|olaga frihetsberövande|tjänsteman|tjänstemän|våld mot|våldsam*|punched"
        "|slapped|choked|strangl*|strypt*|fistfight*|brawl*|beaten|bodily harm|barnfridsbrott*"
        "|knivskär*|gunshot wound*|våldsbrott*|skjuten|skjutits|beskjut*|träffats av skott"
        "|skadad med|skadas med|skadats med|skadade med",
        2: "slagen|slagit|slogs|slog|slagits|slåss*|bråk*|*bråk|fight*|altercation*|attack*|angr*"
        "|överfall*|våld*|*våld|hit|struck|kicked|punch*|sparka*|nära relation|närstående|dödad*"
        "|killed|ihjäl*|spit on|tillhygge*|vasst föremål|vasst|motstånd|domestic battery"
        "|domestic violence|girlfriend|boyfriend|fist*|stick|laser|sax|påhopp*|slagit ner"
        "|misshnadel",
        1: "skrik*|dunsar|sambo*|flickvän*|pojkvän*|fru|hustru|wife|husband|avliden|död",
    },
    "robbery": {
        3: "rån|rån*|personrån*|butiksrån*|bankrån*|bilrån*|värdetransportrån*|väskryck*|knivrån*"
        "|pistolrån*|*personrån*|väpnat rån|robbery|robberies|robbed|robber|robbers|rob|robs"
        "|robbing|holdup|hold up|mugg*|carjack*|hijack*|överfallslarm*|larm överfall|gunpoint"
        "|at gunpoint",
        2: "forcibly|demanded|took property|implied|implying|announced a robbery|from a victim"
        "|from the victim|tvinga till sig|tvingas lämna|handgemäng",
        1: "armed|threatened",
    },
    "sexual_offense": {
        5: "sexual assault*|sexually assault*|sexually abused|sexual abuse|sexuellt ofredande"
        "|sexuellt övergrepp*|sexuella övergrepp*|criminal sexual",
        3: "våldt*|*våldtäkt*|sexualbrott*|sexuellt ofredande|sexual*|sexuell*|sexuellt|rape|raped"
        "|rapist*|fondl*|grope*|groped|blott*|*blottare|onaner*|masturbat*|indecent*|lewd*"
        "|exposed himself|exposed herself|könsorgan*|*könsorgan|tillfredsställ* sig"
        "|sedlighetsbrott*|sexköp*|köp av sexuell*|tafs*|molest*|obscene*|predator*",
        2: "naken|naked|private parts",
    },
    "fire": {
        3: "brand|*brand|brand*|*branden|bränder|*bränder|brinner|brinna|brinnande|brann|brunnit"
        "|*brunnit|*brinn*|rökutveckling*|*rökutveckling|röklukt*|rökfyll*|ryker|eldsvåda*|lågor"
        "|övertänd*|fire|fires|wildfire*|bushfire*|*fires|*fire|brushfire*|firefight*|fireman"
        "|firemen|blaze*|flames|arson*|extinguish*|incendi*|incêndio*|fuego|feu|smoke|smoking"
        "|smoldering|burning|burned|burnt|mordbrand*|bomberos|bombeiros|fertili*|refiner*"
        "|refinería*|refineria*|gasexplosion*|gas explosion*|plant explosion",
        2: "rök|*rök|räddningstjänst*|evacuat*|eld|elden|eldade|eldat|eldar|incendio*|incêndio*"
        "|alarm|sprinkler*|overheated|burn*",
    },
    "burglary": {
        3: "inbrott*|*inbrott*|burglar*|break in|broke in|broke into|broken into|breaking into"
        "|forced entry|gained entry|gained entrance|gain entry|unlawful entry|home invasion"
        "|hemfridsbrott*|olaga intrång|intrång*|*intrång|pried|prying|inbrottstjuv*|tagit sig in"
        "|tog sig in|ta sig in|entered",
        2: "entry|forced|forcing|unlawfully|bröt*|brutit|bryter|*bruten|uppbrut*|*förråd*|via",
    },
    "traffic": {
        3: "trafikolyck*|*trafikolycka*|singelolyck*|*singelolycka*|viltolyck*|*viltolycka*"
        "|*viltolyckor*|renolyck*|*rattfyll*|rattfull*|rattonykter*|trafikkontroll*"
        "|*trafikkontroll*|*nykterhetskontroll*|*hastighetskontroll*|trafikbrott*|olovlig körning"
        "|trafikhinder*|kollision*|kolliderat|kolliderar|kolliderade|krock*|*krock|påkörd*|*påkörd"
        "|smitningsolyck*|*hastighetsöverträdelse*|fortkörning*|motorist*|dui|dwi|crash|crashed"
        "|crashes|collision*|collided|derail*|descarril*|traffic|train|trains|tren|trem"
        "|helicopter*|helikopter*|bilist*|drunk driv*|sideswiped|mva|renpåkörning*|trafikant*"
        "|*urspårning*|*sjöfylleri*|påkörning*|*påkörning",
        2: "personbil*|*personbil|förare|bilförare*|fordonsförare*|e4|e6|e10|e14|e18|e20|e22|e45"
        "|e65|länsväg*|riksväg*|*trafiken|trafik|korsning*|*korsningen|rondell*|diket|pedestrian*"
        "|bicyclist*|highway|intersection|speeding|red light|suspended|revoked|uninsured|insurance"
        "|körkort*|license|licence|driving|vilt|älg*|rådjur*|vildsvin*|körde|kört|kör|körning"
        "|resultat|urval|olycka|olyckor|accident*|tåg|tåget|spårvagn*|railway|plane crash|sjölagen"
        "|trafikplats*|smitning*|hastighet*|ordningsbot*|ordningsböter|vinglig*|förföljande"
        "|motorcykel*|mc|cyklist*",
        1: "bil|bilen|bilar|lastbil*|buss|bussen|moped*|fordon*|väg|vägen|*vägen|vehicle*|car|cars"
        "|truck*|ren|renar|rail|båt|stoppad*|parkering*|böter|registration|motorfordon|driver*"
        "|*olycka|*olyckan",
    },
    "medical": {
        3: "arbetsplatsolyck*|*arbetsplatsolycka*|arbetsolyck*|arbetsplats*|under arbete|i arbete"
        "|drunkn*|*drunkning*|räddningsinsats*|anträffad död|sick|medical*|injured person|fell"
        "|tripped|slipped|fainted|unconscious|seizure*|mental health|medvetslös*|sjuk|sjukdom*"
        "|olycksfall*|hjärtstopp|livlös*|deceased|found dead|doa|drowning|drowned|fallolyck*"
        "|welfare check*|suicid*|självmord*|fallit|ramlat|ramlade|trillat",
        2: "injur*|arbete|skadad*|skadat|skadats|ramla*|trilla*|föll|klämd*|klämt|fastklämd*"
        "|vattnet|isen|kropp|kvarlevor*|knee|ankle|wrist|head|pain|laceration*|falling|stairs"
        "|bitten|biten|avliden|död|dödsfall*|ill",
        1: "ambulance|ems|er|transported to|hospital|evaluation|treatment|ucmed|ambulans*|sjukhus*",
    },
    "missing_person": {
        3: "försvun*|*försvunnen*|saknad*|saknas|efterlys*|fjällräddning*|*fjällräddning*"
        "|fjällräddare*|missing person*|reported missing|went missing|runaway*|sökinsats*"
        "|eftersök*|lavin*|avalanche*|vilse|search and rescue",
        2: "söker|letar|sökte|sökt|söks|hitta|återfunnen*|*fjäll*|skoter*|skidåk*|dement*"
        "|allmänhetens hjälp|mountain*|hiker*|undsätt*|undsatt*",
        1: "missing|anträffad|hittad",
    },
    "harassment": {
        3: "olaga hot|hot|hotad*|hotar|hotat|hotade|hotet|hotelse*|hotfull*|dödshot*|threat*"
        "|threaten*|ofred*|*ofredande*|förargelse*|harass*|stalk*|förföljelse*|kontaktförbud*"
        "|order of protection|protective order*|restraining order*|hets mot folkgrupp|hatbrott*"
        "|trakasser*|menac*|intimidat*",
        2: "unwanted|annoying|phone calls|text messages|kränk*|hotful*|ovälkom*|obehaglig*",
    },
    "suspicious_activity": {
        3: "suspicious*|trespass*|prowl*|skyddsobjekt*|skyddslagen|drönar*|drone*|luftfartslagen"
        "|loiter*|irregular condition*|misstänkt person|misstänkta personer|misstänkt bil"
        "|misstänkt fordon|suspekt*",
        2: "banned|warnings|ignored|premises|soliciting|outage*|unauthorized|obehörig*",
    },
    "theft": {
        3: "stöld*|*stöld*|*stölder*|stulen|stulna|stulit|stulits|stulet|stals|stal|stjäl*"
        "|bestulen|tillgrep*|tillgrepp*|snatter*|ficktjuv*|fickstöld*|häleri*|theft*|stole|stolen"
        "|steal*|shoplift*|pickpocket*|taken|tjuv*|*tjuv|*tjuvar",
        5: "inbrott i bil*|*bilinbrott*|bilinbrott*|inbrott i fordon*|inbrott i personbil*",
        2: "unattended|unsecured|secured|bicycle*|bike*|rack|laptop*|wallet*|purse*|backpack*"
        "|cell phone|iphone*|cykel*|*cykel|cyklar|butik*|*butik|*butiken|matbutik*"
        "|livsmedelsbutik*|*dieselstöld*|diesel*|drivmedel*|koppar*|catalytic*|took|snatched",
        1: "left|merchandise",
    },
    "vandalism": {
        3: "skadegörelse*|*skadegörelse*|klott*|graffiti|vandal*|criminal damage"
        "|damage to property|damage to vehicle|damaged|krossad*|krossat|krossade|krossar|krossas"
        "|sönder*|sönderslag*|*sabotage*|sabotage*|blåljussabotage*|stenkastning*|scrawl*|slashed"
        "|keyed|scratched|criminal mischief|spray painted|tagged|punkter*|förstör*|äggkast*"
        "|vandaliser*",
        2: "ruta|rutor|rutan|*ruta|*rutor|fönster*|*fönster|damage*|shattered|broken window*|tires"
        "|punctured|painted|sten|stenar|kastade|kastar|scratch*|vattenskad*",
    },
    "fraud": {
        3: "bedrägeri*|*bedrägeri*|bedrag*|åldringsbrott*|lurad*|lurade|lurats|luras|lura|lurar"
        "|fraud*|fraudulent*|scam*|deceptive|counterfeit*|forged|forgery|förfalsk*|phishing"
        "|identity theft|urkund*|ekobrott*|penningtvätt*|falska sedlar",
        2: "falsk*|fake*|bankkort*|kontokort*|kort|bankid*|sms*|uppringd*|utger*|utgav|utgett"
        "|robotröst*|credit card*|debit card*|unauthorized use|unauthorized purchase*|account*"
        "|identity|pengar|kronor|guld|smycken",
        1: "äldre|elderly",
    },
    "drugs": {
        3: "narkotika*|*narkotika*|*narkotikabrott*|cannabis|marijuana|hasch*|heroin|cocaine"
        "|kokain*|amfetamin*|narcotic*|drug|drugs|controlled substance|paraphernalia|knark*"
        "|*narkotikapåverkad*|overdos*|överdos*|ecstasy|mdma|opioid*|fentanyl*|crack|weed",
        2: "eget bruk|bruk|innehav*|baggie*|syringe*|sprutor|kanyl*|contraband|substance",
        1: "påverkad",
    },
    "disturbance": {
        3: "berusad*|*berusad|berusade|berusning*|fylleri|fylleri*|lob|tillnyktring*|underage"
        "|alcoholic beverage*|liquor*|drunk|drunken|intoxicated|disturbance*|loud music|loud party"
        "|noise complaint*|noise|ordningslagen|ordningsstörning*|alkohollagen|langning*|smällar*"
        "|fyrverk*|fireworks|firecracker*|peace restored|public peace|högljudd*|oväsen*|störande"
        "|panhandl*",
        2: "omhändertagen*|omhändertogs|omhändertagna|omhändertog|loud*|party|music|fest*"
        "|neighbor*|neighbour*|granne*|dispute*|alkohol*|consuming|stör|stökig*",
        1: "argument",
    },
    "other": {
        5: "anträffat stulet|anträffad stulen|recovered stolen|recovered vehicle|recovered motor"
        "|stulen bil anträffad|assist other agency|been reported stolen|returned to owner"
        "|kamerabevak*|kameraövervak*|polisens drönare",
        3: "presstalesperson*|*presstalesperson*|mediecent*|mediacent*|pressnummer|presstelefon*"
        "|mediatelefon*|*ledningscentral*|vakthavande befäl|befäl|frågor besvaras|uppdatering*"
        "|uppdateras|hittegods|lost property|found property|lost|losing|safekeeping|inventoried"
        "|turned over|assisted|warrant*|djur|hund|hundar|katt|katter|häst*|kor|älg*|rådjur*"
        "|vildsvin*|björn*|varg*|utter*|örn|*örn|hjort*|orm|ormar|kossa*|tjur*|räv*|animal*|dog"
        "|dogs|polisinsats|kommendering|fotbollsmatch*|demonstration*|manifestation*|information"
        "|informational|non criminal|hemsidan|öppettider|loss|misplac*",
        2: "media|press*|telefon*|stängt|stänger|öppnar|region|recovered",
        1: "anträffad|anträffat|anträffades|återfunnen|hittad|hittade",
    },
}

_MATCHER: KeywordMatcher[tuple[str, int]] = KeywordMatcher(
    {
        (category, weight): split_patterns(patterns)
        for category, by_weight in CATEGORY_KEYWORDS.items()
        for weight, patterns in by_weight.items()
    }
)
# Ties go to the more specific, then the more severe category: a sexual assault is an assault,
# and a robbery is a theft with violence, so those come before violence; else taxonomy order.
_TIE_ORDER = ("weapons", "sexual_offense", "robbery", "violence")
_PRIORITY = {
    c: rank
    for rank, c in enumerate(_TIE_ORDER + tuple(c for c in CATEGORIES if c not in _TIE_ORDER))
}


def category_scores(text: str) -> dict[str, int]:
    """Score per matched category: the heaviest non-overlapping matches, each word counted once."""
    by_category: dict[str, list[tuple[int, int, int]]] = {}
    for hit in _MATCHER.hits(words(text)):
        category, weight = hit.label
        by_category.setdefault(category, []).append((weight, hit.start, hit.end))
    scores = {category: _best_cover(spans) for category, spans in by_category.items()}
    force = scores.get("weapons", 0) + scores.get("violence", 0)
    if scores.get("theft") and force:  # theft by force or threat is robbery, by definition
        scores["robbery"] = scores.get("robbery", 0) + scores["theft"] + force
    return scores


def _best_cover(spans: list[tuple[int, int, int]]) -> int:
    """Greedy: heaviest (then longest) span first; a span may not reuse a counted word."""
    used: set[int] = set()
    total = 0
    for weight, start, end in sorted(spans, key=lambda s: (-s[0], s[1] - s[2])):
        if used.isdisjoint(range(start, end)):
            used.update(range(start, end))
            total += weight
    return total


def _confidence(top: int, runner_up: int) -> float:
    """More evidence and a clearer lead give more confidence, within MIN..MAX_CONFIDENCE."""
    strength = min(top, 6) / 6
    lead = (top - runner_up) / top
    span = MAX_CONFIDENCE - MIN_CONFIDENCE
    return round(MIN_CONFIDENCE + span * (0.6 * strength + 0.4 * lead), 3)


def classify_text(text: str) -> Classification:
    """The keyword classifier's Classification of `text` (English or Swedish)."""
    scores = category_scores(text)
    if not scores:
        return describe("other", text, confidence=NO_MATCH_CONFIDENCE)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], _PRIORITY[item[0]]))
    category, top = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    return describe(category, text, confidence=_confidence(top, runner_up))

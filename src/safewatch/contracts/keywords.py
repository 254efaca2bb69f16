"""Keyword patterns over words, matched in one pass (a regex alternation of ~1,000 patterns took
milliseconds per text; this takes tens of microseconds).

Pattern syntax (lower case; matched against the words of the lower-cased text):

* ``"rob"``: that whole word only (never inside "problem" or "robot").
* ``"fight*"``: a word starting with it (fights, fighting): English and Swedish inflections.
* ``"*brand"``: a word ending with it (bilbrand, lägenhetsbrand): Swedish compounds.
* ``"*inbrott*"``: a word containing it (villainbrottet, inbrottsförsök).
* ``"shots fired"``: consecutive words, each with the rules above (``"shot* fired"``).

Tables write pattern lists as one "a|b|c" string (`split_patterns`). A matcher is built once from
``{label: patterns}``; its only mutable part is a bounded memo of a pure per-word lookup, so it is
safe to share between threads.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

K = TypeVar("K", bound=Hashable)

_WORD = re.compile(r"\w+")
_MEMO_SIZE = 20_000  # words per matcher: a few MB at most


def words(text: str) -> list[str]:
    """The lower-cased words of `text` (Unicode-aware: å, ä, ö, é are word characters)."""
    return _WORD.findall(text.lower())


@dataclass(frozen=True, slots=True)
class _Glob:
    core: str
    head: bool  # leading "*": other letters may come before (compound words)
    tail: bool  # trailing "*": other letters may follow (inflections)

    @classmethod
    def parse(cls, part: str) -> _Glob:
        core = part.strip("*")
        if not core or not _WORD.fullmatch(core):
            raise ValueError(f"bad keyword pattern part {part!r}")
        return cls(core, part.startswith("*"), part.endswith("*"))

    def matches(self, word: str) -> bool:
        if self.head and self.tail:
            return self.core in word
        if self.head:
            return word.endswith(self.core)
        if self.tail:
            return word.startswith(self.core)
        return word == self.core


@dataclass(frozen=True, slots=True)
class _Pattern(Generic[K]):
    label: K
    text: str
    rest: tuple[_Glob, ...]  # the words after the first, checked only when the first matched


class Hit(NamedTuple, Generic[K]):
    start: int  # index of the first matched word
    end: int  # one past the last matched word
    label: K
    pattern: str


class KeywordMatcher(Generic[K]):
    """Which labelled patterns occur in a text. Cost: a few dict lookups per word."""

    def __init__(self, table: Mapping[K, Iterable[str]]) -> None:
        self._patterns: list[_Pattern[K]] = []
        # first word's glob, indexed by (head, tail) kind and core string
        self._index: dict[tuple[bool, bool], dict[str, list[int]]] = {
            (h, t): {} for h in (False, True) for t in (False, True)
        }
        for label, patterns in table.items():
            for text in patterns:
                self._add(label, text)
        self._memo: dict[str, tuple[int, ...]] = {}
        self._lengths = {
            kind: sorted({len(core) for core in cores}) for kind, cores in self._index.items()
        }

    def _add(self, label: K, text: str) -> None:
        if text != text.lower():
            raise ValueError(f"keyword pattern must be lower case: {text!r}")
        first, *rest = (_Glob.parse(p) for p in text.split())
        self._index[first.head, first.tail].setdefault(first.core, []).append(len(self._patterns))
        self._patterns.append(_Pattern(label, text, tuple(rest)))

    def find(self, text: str | Sequence[str]) -> dict[K, set[str]]:
        """Matched patterns by label. `text` may be pre-split with `words()` to share the work."""
        found: dict[K, set[str]] = {}
        for hit in self.hits(text):
            found.setdefault(hit.label, set()).add(hit.pattern)
        return found

    def labels(self, text: str | Sequence[str]) -> set[K]:
        return {hit.label for hit in self.hits(text)}

    def hits(self, text: str | Sequence[str]) -> Iterator[Hit[K]]:
        """Every match, in text order."""
        tokens = words(text) if isinstance(text, str) else text
        for i, word in enumerate(tokens):
            for pid in self._candidates(word):
                pattern = self._patterns[pid]
                if self._rest_matches(pattern.rest, tokens, i + 1):
                    yield Hit(i, i + 1 + len(pattern.rest), pattern.label, pattern.text)

    def _candidates(self, word: str) -> tuple[int, ...]:
        """Pattern ids whose first word matches `word`, memoised: vocabularies repeat a lot."""
        found = self._memo.get(word)
        if found is None:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()  # crude bound; a pure function's memo needs no eviction order
            found = self._memo[word] = tuple(self._lookup(word))
        return found

    def _lookup(self, word: str) -> list[int]:
        n = len(word)
        index, lengths = self._index, self._lengths
        hits = list(index[False, False].get(word, ()))
        for k in lengths[False, True]:
            if k > n:
                break
            hits += index[False, True].get(word[:k], ())
        for k in lengths[True, False]:
            if k > n:
                break
            hits += index[True, False].get(word[-k:], ())
        infix = index[True, True]
        for k in lengths[True, True]:
            if k > n:
                break
            for start in range(n - k + 1):
                hits += infix.get(word[start : start + k], ())
        return hits

    @staticmethod
    def _rest_matches(rest: tuple[_Glob, ...], tokens: Sequence[str], start: int) -> bool:
        if start + len(rest) > len(tokens):
            return False
        return all(glob.matches(tokens[start + j]) for j, glob in enumerate(rest))


def split_patterns(text: str) -> tuple[str, ...]:
    """ "a|b|c" -> ("a", "b", "c"): tables stay compact and easy to grep."""
    return tuple(p.strip() for p in text.split("|") if p.strip())


# Patterns that pick a subcategory once the category is known (taxonomy.py, in its row order).
# They may be broad: "car" only has to tell theft_from_vehicle from other thefts. A category's
# default subcategory needs none.
_SUBCATEGORY_TABLE = {
    # weapons
    "bomb_threat": "bomb threat*|bombhot*|threat* bomb|hot om bomb|bomb scare*",
    "suspected_shooting": "misstänkt skottlossning|misstänkta skott|möjlig* skott*"
    "|possible shot*|possible gunshot*|like gunshot*|like shots|kan vara skott"
    "|eventuell* skott*",
    "shooting": "skott|skotten|skott*|*skottlossning*|skjut*|*skjuten|*skjutning*|avlossa*"
    "|shot|shots|shooting*|shooter*|gunshot*|gunfire|gunman|gunmen|fired|sniper*",
    "detonation": "detonation*|detoner*|*detonation",
    "explosion": "explo*|*explosion*|blast*|bomb|bombs|bomber*|bombing*|*bombning*|spräng*"
    "|*sprängning*|*sprängd*|smäll|smällen|handgranat*|granat*|grenade*|ied",
    "suspicious_object": "farligt föremål|farligt|*föremål*|suspicious package*"
    "|suspicious device*|suspicious object*|unattended bag*|unattended package*|försändelse*"
    "|paket*|pulver",
    "knife_offense": "kniv*|*kniv|*knivar|knife|knives|machete*|knivlagen|yxa|stickvapen|dolk*",
    "firearm_offense": "vapen*|*vapen|gun|guns|handgun*|firearm*|rifle*|pistol*|revolver*"
    "|ammunition|ammo|gevär*|concealed carry|weapon*|vapenlagen|vapenbrott*",
    # violence
    "kidnapping": "kidnap*|abduct*|hostage*|människorov*|olaga frihetsberövande|bortförd*|gisslan*",
    "attempted_murder": "mordförsök*|försök till mord|försök till dråp|dråpförsök*"
    "|attempted murder|attempt* to kill|försökt döda|försök att döda",
    "homicide": "mord|mordet|*mord|dråp*|dödad*|dödat*|ihjäl*|murder*|homicide*|killed"
    "|killing*|slain|avliden|avlidit|död|dödsfall*|kvarlevor*",
    "shooting_victim": "skjuten|skottskad*|beskjuten|shot|gunshot*|skjut*|skott*",
    "stabbing": "stab*|knivhug*|*knivhuggen|knivskur*|knivskad*|stickskad*|stickvapen*|huggen"
    "|stickföremål*|skärskad*|cutting|cut|slashed|vasst föremål|vasst|knife|kniv*",
    "aggravated_assault": "grov misshandel|misshandel grov|aggravated*|tillhygge*|slagträ*"
    "|järnrör*|baseball bat|allvarligt skadad|svårt skadad|livshotande*|life threatening|grov",
    "assault_on_officer": "tjänsteman|tjänstemän|*tjänsteman|polisman|ordningsvakt*|väktare*"
    "|*vakt|*kontrollant*|an officer|the officer|officers|motstånd|våldsamt motstånd",
    "domestic_violence": "nära relation|närstående|sambo*|*fru|hustru*|flickvän*|pojkvän*|make"
    "|maka|domestic|girlfriend*|boyfriend*|wife|husband|spouse|barnfridsbrott*",
    "physical_altercation": "fight*|brawl*|altercation*|scuffle*|slagsmål*|slåss*|slogs"
    "|tumult*|fistfight*|melee|bråk*|*bråk",
    "assault": "misshand*|assault*|batter*|punch*|kick*|hit|struck|slag|slagen|slog|slagit"
    "|sparka*|attack*|överfall*|våld*|beat|beaten",
    "quarrel": "gräl*|skrik*|dunsar|verbal*|högljudd*|ordväxling*",
    # robbery
    "armed_robbery": "armed|väpnat*|beväpnad*|gunpoint|handgun*|gun|pistol*|knife|kniv*|*kniv"
    "|vapen*|weapon*|firearm*|rifle*|aggravated robbery",
    "attempted_robbery": "rånförsök*|försök till rån|försök till personrån|försökte råna"
    "|attempt* robbery|attempted to rob|attempt* to rob",
    "carjacking": "carjack*|hijack*|bilrån*|vehicle hijacking",
    "robbery_alarm": "överfallslarm*|larm överfall|holdup alarm*|hold up alarm*|panic alarm*"
    "|robbery alarm*",
    "commercial_robbery": "butiksrån*|bankrån*|*butik*|store|shop|bank|bensinmack*|*mack"
    "|kiosk*|gas station|pharmacy|apotek*|värdetransport*|register|clerk|cashier",
    "street_robbery": "personrån*|street|sidewalk|walking|mugg*|väskryck*|snatch*|forcibly",
    # sexual_offense
    "attempted_rape": "våldtäktsförsök*|försök till våldtäkt|attempted rape|attempted sexual",
    "rape": "våldt*|rape|raped|rapist*",
    "indecent_exposure": "blott*|*blottare|onaner*|exposed himself|exposed herself|exposing"
    "|indecen*|lewd*|masturbat*|naken|naked",
    "online_predator": "predator*|grooming|sexuellt syfte|child pornography|barnpornografi*",
    # fire
    "arson": "mordbrand*|arson*|molotov*|brandbomb*|incendiar*",
    "deliberate_fire": "anlagd*|anlagt|set fire|set on fire|tänt eld|tände eld|satt eld"
    "|deliberately",
    "fire_alarm": "automatlarm*|brandlarm*|fire alarm*|smoke alarm*|smoke detector*"
    "|false alarm*|malfunction*|brandvarnare|falsklarm*|sprinkler*",
    "hazmat": "gas leak*|gasläck*|*gasläcka|gaslukt*|smell of gas|kemikalie*|chemical*|hazmat"
    "|hazardous|ammoniak*|utsläpp*|spill*|carbon monoxide|kolmonoxid*|farligt gods",
    "industrial_explosion": "explo*|blast*|refiner*|raffinaderi*|fertili*|explosión*|explosão",
    "wildfire": "*wildfire*|*bushfire*|bush fire*|brush fire*|grass fire*|forest fire*"
    "|*skogsbrand*|*gräsbrand*|*markbrand*|*terrängbrand*|skog*|terräng*|hectare*|acres|*fires"
    "|nswrfs",
    "vehicle_fire": "*bilbrand*|*bussbrand*|*fordonsbrand*|car fire*|vehicle fire*|bil|bilen"
    "|bilar|buss|bussen|fordon*|lastbil*|car|cars|vehicle*|truck*",
    "building_fire": "*lägenhetsbrand*|*villabrand*|*husbrand*|byggnad*|*byggnad|lägenhet*"
    "|villa*|radhus*|flerfamiljshus*|flerbostadshus*|house|houses|home*|apartment*|building*"
    "|nightclub*|restaurang*|kök|spis*|kitchen*|stove*|balkong*|källar*|ladugård*|lada|uthus*"
    "|garage*|*hus|*huset|soprum*|skola|school*|boate",
    # burglary
    "burglar_alarm": "inbrottslarm*|larm inbrott|larm om inbrott|burglar alarm*|kameralarm*"
    "|intrusion alarm*",
    "attempted_burglary": "inbrottsförsök*|försök till inbrott|försökt bryta"
    "|attempted burglary|attempted to break|attempt* to enter|no entry",
    "home_intrusion": "hemfrid*|home invasion*",
    "unlawful_entry": "olaga intrång|intrång*|*intrång|unlawful entry|criminal trespass*",
    "residential_burglary": "bostadsinbrott*|villainbrott*|lägenhetsinbrott*|*lägenhet*|villa*"
    "|bostad*|hus|huset|house|home*|apartment*|residence*|dwelling*|dorm*|sommarstuga*"
    "|fritidshus*|radhus*",
    "storage_burglary": "*förråd*|*källar*|basement|storage|garage*|vind|vinden|*förrådet",
    "commercial_burglary": "*butik*|företag*|kontor*|office*|store*|business*|skola|school*"
    "|*lokal|*lokaler|restaurang*|byggarbetsplats*|*bygg*|construction|shop",
    # traffic
    "transport_crash": "train*|tåg|tåget|derail*|urspår*|helicopter*|helikopter*|plane crash*"
    "|flygplan*|aircraft|tren|trem|descarril*|metro|locomotive*",
    "drunk_driving": "*rattfyll*|rattonykter*|rattfull*|dui|dwi|drunk driv*|drunken driv*"
    "|under the influence|impaired driv*|onykter*|alkoholpåverkad*|drogpåverkad*|påverkad",
    "hit_and_run": "smitning*|*smitningsolycka*|smet|smitit|smitande|hit and run"
    "|fled the scene|left the scene",
    "wildlife_collision": "viltolyck*|*viltolycka*|vilt|älg*|rådjur*|vildsvin*|hjort*|ren"
    "|renar|renolyck*|renpåkörning*|deer|moose|elk",
    "wrong_way_driving": "wrong way|mot körriktningen|spökbilist*|spökförare*",
    "collision_with_injury": "personskad*|skadad*|skadade|skadats|skadas|allvarlig*|svårt"
    "|sjukhus*|injur*|hurt|killed|dead|dödsolyck*|omkom*|avled*|avlidit|fatal*"
    "|ambulanshelikopter*|personal injury",
    "single_vehicle_crash": "singelolyck*|*singelolycka*|dikeskör*|diket|avåkning*|voltat"
    "|voltade|rollover|off the road",
    "unlicensed_driving": "olovlig körning|olovlig*|körkort*|license|licence|suspended|revoked"
    "|unlicensed|without a valid|uninsured|insurance|registration",
    "traffic_control": "trafikkontroll*|*hastighetskontroll*|*nykterhetskontroll*|resultat"
    "|urval|traffic stop*|traffic control*|checkpoint*",
    "traffic_offense": "trafikbrott*|hastighet*|*hastighetsöverträdelse*|fortkörning*|speeding"
    "|red light|rött ljus|ordningsbot*|böter|rapporterad*|vårdslös*|violation*|citation*"
    "|ticket*|mobiltelefon",
    "road_hazard": "trafikhinder*|hinder|*hinder|stillastående|*haveri*|motorstopp|köer|debris"
    "|obstruct*|fallen tree|abandoned vehicle*|high water|översvämn*",
    "boating": "sjölagen|båt*|*båt|*båten|boat*|vessel*|sjöfylleri*",
    # medical
    "drowning": "drunkn*|*drunkning*|drowning|drowned",
    "found_dead": "anträffad död|död|avliden*|livlös*|kropp|kvarlevor*|found dead|deceased"
    "|death*|dead|doa|body|remains",
    "workplace_accident": "arbetsplats*|*arbetsplatsolycka*|arbete|arbetsolycka*|arbetsmiljö*"
    "|arbetstagare*|anställd*|byggarbets*|truck*|maskin*|kran*|byggställning*|worker*"
    "|employee*|construction|at work|forklift*",
    "negligent_injury": "vållande*|kroppsskada*|negligen*|biten|bit|bitten|hundbett*|dog bite*",
    "rescue": "räddningsinsats*|vattnet|isen|fastklämd*|rescue*|trapped",
    "mental_health": "mental*|psykisk*|psykiatri*|suicid*|självmord*|emergency petition",
    "welfare_check": "welfare check*|check on the welfare|well being|wellbeing|orosanmälan*",
    "injured_person": "injur*|fell|fall*|slipped|tripped|föll|ramla*|trilla*|skada*|skadad*"
    "|ankle|knee|wrist|head",
    # missing_person
    "mountain_rescue": "*fjäll*|skoter*|lavin*|skidåk*|mountain*|hiker*|hiking|avalanche*"
    "|search and rescue",
    "wanted_person": "efterlys*|wanted|warrant*|rymling*|fugitive*|manhunt|escaped",
    "endangered_missing": "dement*|endangered|suicid*|självmord*|in need of care|vulnerable"
    "|livsfara",
    "runaway": "runaway*|ran away|left home|avviken|avvek*|rymt",
    # harassment
    "hate_speech": "hets mot folkgrupp|hets*|hate*|rasist*|racist*|nazist*|hakkors*|swastika*"
    "|antisemit*|hatbrott*",
    "protective_order_violation": "order of protection|protective order*|restraining order*"
    "|no contact order*|kontaktförbud*|tillträdesförbud*",
    "threat": "hot|hotad*|hotar|hotat|hotade|hotet|hotelse*|hotfull*|dödshot*|olaga hot"
    "|threat*|menac*|intimidat*",
    "stalking": "stalk*|förföl*|olaga förföljelse",
    "telephone_harassment": "phone*|telephone*|call|calls|text message*|email*|e mail*"
    "|messages|social media|facebook|instagram|sms*|telefon*|samtal*|meddelande*|internet"
    "|online",
    # suspicious_activity
    "protected_site": "skyddslagen|skyddsobjekt*|protected site*|militär*|military|restricted area",
    "drone": "drönar*|drone*|luftfart*|uav|flyg*",
    "trespass": "trespass*|banned|banning|intrång*|obehörig*|unauthorized|unauthorised",
    "prowler": "prowl*|peeping|tittar in|smyg*|kikar*",
    "irregular_conditions": "irregular|outage*|strömavbrott*|water leak*|elevator*|hiss*",
    "suspicious_person": "suspicious person*|suspicious individual*|suspicious man"
    "|suspicious subject*|misstänkt person|misstänkta personer|misstänkt man|misstänkt kvinna",
    "suspicious_vehicle": "suspicious vehicle*|misstänkt bil*|misstänkt fordon*|vehicle*|car"
    "|cars|bil|bilen|bilar|fordon*",
    # theft
    "attempted_theft": "stöldförsök*|försök till stöld|försökt stjäla|försökte stjäla"
    "|attempted theft|attempt theft|attempted to steal",
    "receiving_stolen_goods": "häleri*|stöldgods*|stulet gods|receiving stolen"
    "|possession of stolen",
    "vehicle_theft": "*bilstöld*|motorfordon*|fortskaffningsmedel*|stulen bil|stulit en bil"
    "|stolen vehicle*|stolen car*|car theft*|vehicle theft*|motor vehicle theft|moped*"
    "|motorcykel*|*fyrhjuling*",
    "theft_from_vehicle": "from a vehicle|from vehicle|from the vehicle|from car|from a car"
    "|from his car|from her car|from the car|catalytic*|katalysator*|från bil*|ur bil*"
    "|inbrott i bil*|bilinbrott*|*dieselstöld*|diesel*|drivmedel*|bränsle*|gps*|extraljus*|bil"
    "|bilen|bilar|vehicle*|car|cars",
    "bicycle_theft": "*cykel*|cyklar*|bicycle*|bike*",
    "shoplifting": "snatter*|*butik*|shoplift*|retail theft|store|merchandise|without paying"
    "|utan att betala|varor|kassa*",
    "pickpocketing": "ficktjuv*|fickstöld*|pickpocket*|from person|pocket*|purse|wallet"
    "|plånbok*|handväska*|ficka*|snatched",
    # vandalism
    "sabotage": "*sabotage*|*blåljus*",
    "graffiti": "klott*|graffiti|tagg*|spray*|scrawl*|painted|paint*|marker",
    "vehicle_damage": "*bilruta*|bil|bilen|bilar|däck*|vehicle*|car|cars|tire*|tires|tyre*"
    "|windshield*|keyed|scratch*",
    # fraud
    "elder_fraud": "åldringsbrott*|äldre|pensionär*|elderly|senior*|åldring*",
    "forgery": "förfalsk*|falsk*|counterfeit*|forg*|fake*",
    "document_misuse": "urkund*|legitimation*|identity document*|id card|passport*",
    "economic_crime": "ekobrott*|bokföringsbrott*|skattebrott*|penningtvätt*|money laundering"
    "|embezzl*|förskingr*|tax fraud",
    "card_fraud": "*kort|kort|kortet|bankkort*|kontokort*|credit card*|debit card*|card|cards"
    "|account*|konto*|bankid*|check|checks",
    "scam": "phishing|sms*|email*|e mail*|scam*|online|internet|bedragare*|lurad*|uppringd*"
    "|telefon*|robotröst*",
    # drugs
    "drug_dealing": "*försälj*|sälj*|sålde|langning*|selling|sell|sells|sold|dealing|dealer*"
    "|trafficking|distribut*",
    "drug_influence": "påverkad*|*påverkad|eget bruk|bruk|under the influence|overdos*"
    "|överdos*|ringa narkotikabrott",
    "found_narcotics": "found|discovered|hittad*|anträffad*|hittat|hittade|disposal"
    "|turned over|paraphernalia|syringe*|needle*|sprut*|kanyl*",
    # disturbance
    "fireworks": "smällar*|smäll*|fyrverk*|pyroteknik*|fireworks*|firecracker*|raket*",
    "underage_drinking": "underage|minor|minors|minderårig*|alcoholic beverage*",
    "liquor_law": "alkohollagen|langning*|serverings*|liquor*|open container",
    "drunkenness": "berus*|*berusad*|fyller*|*fylla|lob|omhänderta*|omhändertog*|tillnyktring*"
    "|drunk*|intoxicated|inebriated|alkoholpåverkad*|onykter*|höggradigt|passed out",
    "noise": "loud*|noise*|noisy|music|musik*|party|parties|fest*|oväsen*|störande|ljud*"
    "|barking|högljudd*|högljutt",
    "domestic_dispute": "domestic|family|familje*|lägenhetsbråk*|*bråk|bråk*|gräl*|argument*"
    "|dispute*|neighbor*|neighbour*|granne*|grann*",
    "public_order": "ordningslagen|ordningsstörning*|ordinance|public peace|panhandl*|tigg*",
    # other
    "update": "uppdatering*|uppdateras|update|updated",
    "information": "presstalesperson*|media*|mediecent*|press*|pressnummer|ledningscentral*"
    "|befäl|information*|frågor|öppettider|obemannat|obemannad|hemsidan|stängt|stänger",
    "recovered_vehicle": "anträffat stulet|anträffad stulen|recovered*",
    "lost_property": "hittegods*|upphitta*|anträffat gods|lost|losing|found property|found"
    "|turned over|safekeeping|inventoried|tappa*|borttappad*|kvarglömd*",
    "animal": "djur*|*djur|hund*|*hund|katt*|häst*|*hästar|kor|ko|får|älg*|björn*|varg*|orm*"
    "|animal*|dog|dogs|cat|cats|horse*|cow*|snake*|bird*|coyote*|raccoon*",
    "environmental": "miljöbrott*|environmental|nedskräp*|dumping|olja|avfall*|pollution",
    "equipment_failure": "varningslarm*|haveri*|power outage|strömavbrott*|vma|tyfon*",
    "police_operation": "insats*|polisinsats*|kommendering*|demonstration*|manifestation*"
    "|fotbollsmatch*|match*|evenemang*|event*",
    "person_vehicle_check": "kontroll*|kontrollera*|*kontroll|assist*|warrant*",
}
SUBCATEGORY_KEYWORDS: dict[str, tuple[str, ...]] = {
    name: split_patterns(text) for name, text in _SUBCATEGORY_TABLE.items()
}

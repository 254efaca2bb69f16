"""Severity 1-5 from a subcategory's label-level severity plus what the text says (EN + SV).

Scale (shared/data/README.md): 1 informational, 2 minor/property/nuisance, 3 injury possible or
crime against a person, 4 serious violence/danger (in progress, major accident, fire), 5 immediate
threat to life (shooting, explosion, homicide, armed robbery, kidnapping).

Modifiers follow that scale: most set a *floor* (shots or an explosion mean 5) rather than adding,
and each applies only to categories whose subcategories do not already encode the cue (a knife
does not raise a knife_offense; the stabbing subcategory is 5 already). "In progress" adds one
step for crimes against persons, as the SAPD call types do ("Assault" 3 / "Assault In Progress" 4,
"Robbery" 4 / "Robbery In Progress" 5); polisen labels ignore it for property crimes, so ours do.
"""

from __future__ import annotations

from dataclasses import dataclass

from safewatch.contracts.keywords import KeywordMatcher, split_patterns, words


@dataclass(frozen=True, slots=True)
class Modifier:
    name: str
    patterns: tuple[str, ...]  # keywords.py syntax
    applies_to: frozenset[str]  # categories where the cue is not already priced in
    floor: int = 1  # raise the severity to at least this
    bump: int = 0  # then add this
    negations: tuple[str, ...] = ()  # "no injuries": these cancel the modifier


def _cats(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Categories where danger to persons is the point. Not "other" anywhere: that label means no
# threat applies, so cues there are incidental ("press conference about last night's shooting").
# Not medical/traffic for injuries: their subcategories are already injury levels. Not weapons or
# robbery for weapon cues: their subcategories (knife_offense, armed_robbery) encode them.
_PERSONS = "violence sexual_offense harassment disturbance suspicious_activity burglary"
_NOT_FIREWORKS = "fyrverk*|fireworks*|firework|smällare|raket*|skjutbana*|skjutövning*|jakt*"

MODIFIERS: tuple[Modifier, ...] = (
    Modifier(
        "shots or explosion",
        split_patterns(
            "shots fired|gunshot*|gunfire|shooting*|shot at|opened fire|*skottlossning*|sköt"
            "|skjutit|skjuten|skottskad*|beskjuten|avlossa*|explosion*|exploded|explosive*"
            "|*explosion|exploder*|detonation*|detoner*|bomb|bombs|bombing*|handgranat*|grenade*"
        ),
        _cats(f"{_PERSONS} robbery traffic fire"),
        floor=5,
        negations=split_patterns(
            f"no shots|inga skott|ingen skottlossning|no explosion|{_NOT_FIREWORKS}"
        ),
    ),
    Modifier(
        "weapon mentioned",  # SAPD: "Disturbance (Knife Involved)" 4, "Fight Gun Involved" 5
        split_patterns(
            "gun|guns|handgun*|firearm*|rifle*|pistol*|revolver*|shotgun*|knife|knives|machete*"
            "|weapon*|armed|kniv*|*kniv|*knivar|knivhot*|skjutvapen*|vapen|*vapen|beväpnad*"
            "|yxa|tillhygge*"
        ),
        _cats(_PERSONS),
        floor=4,
        negations=split_patterns("no weapon*|unarmed|inget vapen|inga vapen|obeväpnad*"),
    ),
    Modifier(
        "life-threatening injury",
        split_patterns(
            "unconscious|not breathing|life threatening|critical condition|critically"
            "|seriously injured|severely injured|medvetslös*|livshotande*|allvarligt skadad*"
            "|svårt skadad*|andas inte|hjärtstopp"
        ),
        _cats(f"{_PERSONS} robbery weapons fire"),
        floor=4,
    ),
    Modifier(
        "injury",  # not vandalism/theft: Swedish "skadad" is also "damaged"
        split_patterns(
            "injured|injuries|injury|injuring|bleeding|wounded|hurt|stabbed|skadad*|skadade"
            "|skadats|skadas|skador|blöder|blödande|sårad*|knivskur*|knivhugg*|stickskad*"
        ),
        _cats(f"{_PERSONS} robbery weapons fire"),
        floor=3,
        negations=split_patterns(
            "no injur*|not injured|uninjured|unharmed|no one injured|no one was injured"
            "|no personal injury|oskadd*|inga skador|ingen skadad*|ingen skadades|inga personskador"
            "|utan skador|ingen person skadad*"
        ),
    ),
    Modifier(
        "in progress",
        split_patterns(
            "in progress|happening now|right now|ongoing|currently|still going on|pågår|pågående"
            "|just nu|i detta nu"
        ),
        _cats("weapons violence robbery sexual_offense"),
        bump=1,
    ),
    Modifier(
        "multiple victims",
        split_patterns(
            "multiple victims|several injured|many injured|several people injured|mass shooting"
            "|people killed|people dead|several dead|many dead|flera skadade|flera personer skadade"
            "|flera döda|många skadade|flera personer har skadats|masskjutning"
        ),
        _cats(f"{_PERSONS} robbery weapons fire traffic medical"),
        bump=1,
    ),
    Modifier(
        "child at risk",
        split_patterns(
            "child in danger|child locked|baby locked|barn inlåst|barn i fara|child hit"
            "|barn påkört|barn skadat|barn skadad|child injured|child was injured|kidnapped child"
        ),
        _cats(f"{_PERSONS} robbery weapons fire traffic medical missing_person"),
        bump=1,
    ),
)


def _matcher() -> KeywordMatcher[tuple[str, bool]]:
    """One matcher for all modifiers; the label is (modifier name, is_negation)."""
    table: dict[tuple[str, bool], tuple[str, ...]] = {}
    for mod in MODIFIERS:
        table[mod.name, False] = mod.patterns
        table[mod.name, True] = mod.negations
    return KeywordMatcher(table)


_MATCHER = _matcher()


@dataclass(frozen=True, slots=True)
class SeverityAssessment:
    severity: int
    base: int  # the subcategory's label-level severity
    reasons: tuple[str, ...]  # names of the modifiers that changed it, in table order


def assess_severity(category: str, subcategory_severity: int, text: str) -> SeverityAssessment:
    """Severity with the reasons for any change from the subcategory's own severity."""
    found = _MATCHER.labels(words(text))
    severity, reasons = subcategory_severity, []
    for mod in MODIFIERS:
        if (
            category not in mod.applies_to
            or (mod.name, False) not in found
            or (mod.name, True) in found
        ):
            continue
        raised = max(severity, mod.floor) + mod.bump
        if raised > severity:
            severity = raised
            reasons.append(mod.name)
    return SeverityAssessment(max(1, min(5, severity)), subcategory_severity, tuple(reasons))


def severity_for(category: str, subcategory_severity: int, text: str) -> int:
    """Severity 1-5 for a text in `category` whose subcategory has `subcategory_severity`."""
    return assess_severity(category, subcategory_severity, text).severity

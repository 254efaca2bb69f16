"""Turning a pattern into one short, specific piece of advice."""

from __future__ import annotations

from safewatch.atlas.patterns.models import Pattern

ADVICE = {
    "weapons": "avoid the area if you can and call emergency services at once if you see a weapon",
    "violence": "keep to lit, busy streets and walk with others late at night",
    "robbery": "keep phones and valuables out of sight and walk with others",
    "sexual_offense": "walk with others or use a campus escort, and share your route",
    "fire": "check exits and smoke alarms, and report smoke early",
    "burglary": "lock doors and windows, and keep valuables out of view from outside",
    "traffic": "take extra care at crossings; cyclists use lights",
    "medical": "know where the nearest defibrillator and first-aid point are",
    "missing_person": "agree on check-in times and meeting points",
    "harassment": "report every incident; walk with others where it happens",
    "suspicious_activity": "report what you see with time and place",
    "theft": "lock bikes in a guarded rack and keep bags closed and in sight",
    "vandalism": "park in lit, watched places and report damage quickly",
    "fraud": "never share codes or card details; verify callers independently",
    "drugs": "avoid the spot and report dealing anonymously",
    "disturbance": "expect noise and crowds; choose another route at the busy hours",
    "other": "stay alert and report anything unusual",
}
WHAT = {
    "hotspot": "{count} {kinds} within {reach} of {place} in {days} days",
    "emerging": "{kinds} rising within {reach} of {place}: {count} in {days} days",
    "repeat_series": "a series of {count} {kinds} within {reach} of {place} in {days} days",
    "cross_product": "{count} {kinds} reported through {products} within {reach} of {place}",
    "time_of_day": "{count} {kinds} within {reach} of {place} in {days} days",
}


def advise(pattern: Pattern, peak_hours: str | None) -> str:
    """E.g. "5 theft reports within 300 m of 59.3300, 18.0700 in 7 days, mostly 16-20h: lock
    bikes in a guarded rack and keep bags closed and in sight"."""
    kinds = "/".join(t.replace("_", " ") for t in pattern.threat_types) + " reports"
    what = WHAT[pattern.type].format(
        count=pattern.count,
        kinds=kinds,
        reach=f"{max(100, round(pattern.radius_m, -2)):.0f} m",
        place=f"{pattern.latitude:.4f}, {pattern.longitude:.4f}",
        days=pattern.time_range.removesuffix("d"),
        products=" and ".join(pattern.products),
    )
    hours = peak_hours or pattern.details.get("peak_hours")
    when = f", mostly {hours}" if hours else ""
    advice = "; ".join(ADVICE.get(t, ADVICE["other"]) for t in pattern.threat_types[:2])
    return f"{what[0].upper()}{what[1:]}{when}: {advice}"

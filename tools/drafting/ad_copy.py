"""Ad platforms' text fields, their limits, and counting characters the way the platforms do.

Counting rule (tested): text is split into user-perceived characters (grapheme clusters,
approximated: combining marks, variation selectors, emoji skin-tone modifiers, tag characters
and anything joined by a zero-width joiner belong to the character before them, and a pair of
regional indicators is one flag). Meta and LinkedIn count each such character as 1. Google Ads
counts double-width characters as 2: East Asian wide/full-width letters and emoji (so "🛒" is 2
and "👩‍👩‍👧" is 2, while "é" typed as e + combining accent is 1). Hard limits are enforced
(the draft is refused); recommended limits produce warnings.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

PLATFORMS = ("google_rsa", "google_display", "meta", "linkedin")
_JOINER = 0x200D


@dataclass(frozen=True)
class FieldSpec:
    name: str
    min_items: int
    max_items: int
    hard: int | None
    recommended: int | None = None
    note: str = ""


SPECS: dict[str, list[FieldSpec]] = {
    "google_rsa": [
        FieldSpec("headlines", 3, 15, 30),
        FieldSpec("descriptions", 2, 4, 90),
        FieldSpec("paths", 0, 2, 15),
    ],
    "google_display": [
        FieldSpec("short_headlines", 1, 5, 30),
        FieldSpec("long_headline", 1, 1, 90),
        FieldSpec("descriptions", 1, 5, 90),
        FieldSpec("business_name", 1, 1, 25),
    ],
    "meta": [
        FieldSpec("primary_texts", 1, 5, None, 125, "longer text is cut off behind 'See more'"),
        FieldSpec("headlines", 1, 5, None, 40, "27 characters for the Facebook Feed placement"),
        FieldSpec("descriptions", 0, 5, None, 30),
    ],
    "linkedin": [
        FieldSpec("intro", 1, 1, 600, 150, "longer text is cut off on desktop"),
        FieldSpec("headline", 1, 1, 200, 70, "longer headlines are cut off on mobile"),
    ],
}
META_FEED_HEADLINE = 27


def _joins_previous(code: int, previous: int | None) -> bool:
    char = chr(code)
    return (
        unicodedata.category(char) in ("Mn", "Me", "Mc")
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
        or code == _JOINER
        or previous == _JOINER
    )


def graphemes(text: str) -> list[str]:
    """`text` split into user-perceived characters (the approximation in the module notes)."""
    clusters: list[str] = []
    previous = None
    pending_flag = False
    for char in text:
        code = ord(char)
        is_flag_half = 0x1F1E6 <= code <= 0x1F1FF
        if clusters and (_joins_previous(code, previous) or (is_flag_half and pending_flag)):
            clusters[-1] += char
            pending_flag = False
        else:
            clusters.append(char)
            pending_flag = is_flag_half
        previous = code
    return clusters


def is_emoji(cluster: str) -> bool:
    return any(
        0x1F000 <= ord(c) <= 0x1FAFF or 0x2600 <= ord(c) <= 0x27BF or ord(c) == 0xFE0F for c in cluster
    )


def _double_width(cluster: str) -> bool:
    return is_emoji(cluster) or unicodedata.east_asian_width(cluster[0]) in ("W", "F")


def count(text: str, platform: str) -> int:
    """How many characters `platform` counts in `text`."""
    clusters = graphemes(text)
    if platform.startswith("google"):
        return sum(2 if _double_width(cluster) else 1 for cluster in clusters)
    return len(clusters)


@dataclass(frozen=True)
class LimitProblem:
    severity: str  # "block" for a hard limit, "warn" for a recommendation
    message: str


def check(platform: str, fields: dict[str, list[str]]) -> list[LimitProblem]:
    """Every limit `fields` breaks on `platform`: hard limits block, recommended ones warn."""
    if platform not in SPECS:
        return [LimitProblem("block", f"unknown platform '{platform}'; known platforms: {', '.join(PLATFORMS)}")]
    problems = [
        LimitProblem("block", f"{name} is not a field of {platform}; fields: {', '.join(s.name for s in SPECS[platform])}")
        for name in fields
        if name not in {spec.name for spec in SPECS[platform]}
    ]
    for spec in SPECS[platform]:
        problems += _field_problems(platform, spec, [line for line in fields.get(spec.name, []) if line.strip()])
    return problems


def _field_problems(platform: str, spec: FieldSpec, lines: list[str]) -> list[LimitProblem]:
    problems = []
    if not spec.min_items <= len(lines) <= spec.max_items:
        problems.append(LimitProblem("block", f"{platform} needs {item_range(spec)} {spec.name}; got {len(lines)}"))
    for line in lines:
        length = count(line, platform)
        if spec.hard is not None and length > spec.hard:
            problems.append(LimitProblem("block", f"{spec.name} '{line}' is {length} characters; {platform} allows {spec.hard}"))
        elif spec.recommended is not None and length > spec.recommended:
            note = f" ({spec.note})" if spec.note else ""
            problems.append(LimitProblem("warn", f"{spec.name} '{line}' is {length} characters; {spec.recommended} recommended{note}"))
        elif platform == "meta" and spec.name == "headlines" and length > META_FEED_HEADLINE:
            problems.append(LimitProblem("warn", f"headline '{line}' is {length} characters; Facebook Feed shows {META_FEED_HEADLINE}"))
        if platform.startswith("google") and any(is_emoji(c) for c in graphemes(line)):
            problems.append(LimitProblem("warn", f"{spec.name} '{line}' has emoji, which Google Ads usually disapproves (editorial policy)"))
    return problems


def item_range(spec: FieldSpec) -> str:
    return str(spec.min_items) if spec.min_items == spec.max_items else f"{spec.min_items}-{spec.max_items}"

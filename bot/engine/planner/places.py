"""Where contacts are, in an audience's words: countries (names, codes, demonyms, the EU/EEA/UK
groups), lists before a noun ("US and Canadian shoppers", "uk cart abandoners"), states,
provinces and European regions ("in California", "from scotland", "bavaria"), each included or
left out ("excluding Texas"), and "no country". The words themselves live in
bot.engine.planner.vocabulary.
"""

from __future__ import annotations

import re
from typing import Any

from bot.engine.planner.vocabulary import (
    ALIASES,
    EU,
    EUROPE,
    EXCLUDE_VERBS,
    countries_in,
    region_values,
    regions_in,
)


def place_conditions(parts: list[dict[str, Any]], lowered: str, used: list[str], phrases: list[str]) -> None:
    """Append to `parts` the place conditions `lowered` names (and their words to `phrases`)."""
    regions_text = lowered
    for _, _, name in regions_in(lowered):
        # "british columbia" is a province, not Britain and Colombia: countries are read without it
        lowered = re.sub(rf"\b{re.escape(name)}\b", " " * len(name), lowered)
    excluded: list[str] = []
    for match in re.finditer(rf"\b(?:{EXCLUDE_VERBS})\b([^.;:]*)", lowered):
        # "not in the last 60 days in germany": a time left out, and then a place kept
        left_out = re.split(r"\bbut\b|\bonly\b|\bwho\b|\bthat\b|\s(?:in|from)\s", match.group(1))[0]
        if re.match(r"\s*(?:the )?(?:last|past|previous|\d+\s*(?:h|hours?|days?|weeks?|months?))\b|\s*since\b", left_out):
            continue
        codes, words = countries_in(left_out)
        excluded += codes + (["US"] if US_BY_CONTEXT.search(left_out) else [])  # "excluding the us": "us" is no safe code
        used += words
    for match in re.finditer(r"\bnon-?(us|usa|u\.s\.|eu|uk|[a-z]{4,})\b", lowered):
        # "non-US contacts", "non-EU buyers", "non-german shoppers": the place left out
        codes, words = countries_in(match.group(1)) if match.group(1) not in ("us", "u.s.") else (["US"], [match.group(1)])
        excluded += codes
        used += words + [match.group(0)] if codes else []
    included: list[str] = []
    # A lookahead, so "for people who joined from canada" still sees "from canada".
    for match in re.finditer(r"\b(?:in|from|living in|based in|located in|for|keep|keeping)\s+(?=((?:the\s+)?[a-z .,&/-]{2,200}))", lowered):
        head = re.split(r"\bwho\b|\bthat\b|\bwith\b|\bwhich\b|\bsince\b|\blast\b|\bpast\b", match.group(1))[0]
        codes, words = countries_in(head)
        included += [code for code in codes if code not in excluded]
        used += words
    # demonyms before the noun: "US customers", "German shoppers", "US and Canadian shoppers"
    for match in re.finditer(r"\b(?:customers|contacts|people|shoppers|buyers|subscribers|users|audience|folks|visitors|vips"
                             r"|sign.?ups|members|clients|abandoners|browsers|viewers|spenders|purchasers|who|only)\b", lowered):
        codes, words = _places_before(lowered[:match.start()])
        included += [code for code in codes if code not in excluded]
        used += words
    # "only UK and Ireland", "UK and Ireland only": the places the word "only" keeps
    for match in re.finditer(r"\bonly\s+(?:(?:send|sent|email|go|goes|mail)\s+(?:it\s+|this\s+)?)?(?:in\s+|for\s+|to\s+|from\s+)?((?:the\s+)?[a-z .,&/-]{2,40}?)"
                             r"\s*(?:[.;:!?]|$)", lowered):
        codes, words = countries_in(match.group(1))
        if re.search(r"(?:^|\s)(?:the\s+)?(?:us|u\.s\.?|usa)\b", match.group(1)):
            codes, words = sorted(set(codes) | {"US"}), words + ["us"]  # "the us and canada"
        if codes and len(words) * 2 >= len(re.findall(r"[a-z]+", match.group(1))) - 2:  # the phrase is about places
            included += [code for code in codes if code not in excluded]
            used += words
    # a plural demonym is the noun itself: "how many germans opted in", "brits who ordered"
    for word, code in DEMONYMS.items():
        if re.search(rf"\b{word}\b", lowered) and code not in excluded:
            included.append(code)
            used.append(word)
    if said_us := US_BY_CONTEXT.search(lowered):
        used.append(said_us.group(0))
        if "US" not in excluded:
            included.append("US")
    included = sorted(set(included) - set(excluded))
    excluded = sorted(set(excluded))
    if re.search(r"\b(?:no|without an?|missing|unknown|blank|empty) country\b|\bcountry (?:is )?(?:missing|unknown|blank|empty)\b", lowered):
        parts.append({"attribute": "country", "op": "exists", "value": False})
        phrases.append("with no country")
    # States and provinces ("in California", "not in Ontario"): the country and its region codes.
    inside, outside = _regions(regions_text, used)
    included = [code for code in included if code not in inside]
    regions = [{"all": [{"attribute": "country", "op": "eq", "value": country},
                        {"attribute": "region", "op": "in", "value": _stored(country, codes)}]} for country, codes in inside.items()]
    if regions:
        parts.append(regions[0] if len(regions) == 1 and not included else
                     {"any": regions + ([{"attribute": "country", "op": "in", "value": included}] if included else [])})
        phrases.append("in " + ", ".join([f"{country}-{code}" for country, codes in inside.items() for code in codes] + included))
    elif included:
        parts.append({"attribute": "country", "op": "in", "value": included})
        phrases.append("in " + _named(included))
    if excluded:
        parts.append({"not": {"attribute": "country", "op": "in", "value": excluded}})
        phrases.append("not in " + _named(excluded))
    for country, codes in outside.items():
        parts.append({"not": {"all": [{"attribute": "country", "op": "eq", "value": country},
                                      {"attribute": "region", "op": "in", "value": _stored(country, codes)}]}})
        phrases.append("not in " + ", ".join(f"{country}-{code}" for code in codes))


def _named(codes: list[str]) -> str:
    """Country codes for the reply, the EU named as such ("the EU (27 countries), GB")."""
    missing = sorted(set(EUROPE) - set(codes))
    if set(EU) <= set(codes) and len(missing) <= 3 and len(set(codes) & set(EUROPE)) > len(EU):
        # "europe but not the UK": Europe, said as such, and what it leaves out
        return ", ".join([f"Europe ({len(EUROPE)} countries: the EU, the UK, EFTA, the Balkans, Ukraine, Moldova, Belarus)"
                          + (f" except {', '.join(missing)}" if missing else "")] + [code for code in codes if code not in EUROPE])
    if set(EU) <= set(codes):
        return ", ".join([f"the EU ({len(EU)} countries)"] + [code for code in codes if code not in EU])
    return ", ".join(codes)


# "us" is a country only where a place goes ("the US", "US customers"), never in "send us".
US_BY_CONTEXT = re.compile(r"(?:(?<=\bthe )|(?<=\bin ))us\b|(?<!show )(?<!give )(?<!tell )(?<!send )(?<!get )(?<!find )\bus"
                           r"(?= (?:customers|contacts|people|shoppers|buyers|only|market)\b|-based\b)")


def place_words(lowered: str) -> list[str]:
    """The words of `lowered` that name a place (countries, groups, regions, "the US"), as
    place_conditions reads them: what a follow-up swaps ("what about canada?")."""
    used: list[str] = []
    place_conditions([], lowered, used, [])
    return [word for word in dict.fromkeys(used) if word]


def as_place_phrase(text: str) -> str:
    """`text` as words place_conditions reads: bare countries ("france", "the french ones")
    become "in france"; what else it says stays after them ("the eu ones with consent" ->
    "in eu with consent"); text with no bare country is returned as it is."""
    codes, words = countries_in(text)
    if not codes and (regions := regions_in(state_people(text))) and not place_words(text):
        text, words, codes = state_people(text), [phrase for _, _, phrase in regions], ["region"]  # "just ontario", "the berliners"
    if not codes or place_words(text):
        return text
    rest = text
    for word in words:
        rest = re.sub(rf"\b{re.escape(word)}\b", " ", rest, count=1)
    rest = re.sub(r"^\s*(?:(?:only|just|the|those|and|or|,)\s+)*(?:ones?\b|people\b|folks\b)?", "", re.sub(r"\s+", " ", rest).strip())
    rest = re.sub(r"(?:^|\s)(?:and|or|,)(?=\s|$)", " ", rest).strip(" ,")
    return ("in " + " and ".join(words) + (f" {rest}" if rest else "")).strip()


def _stored(country: str, codes: list[str]) -> list[str]:
    """Each region as a contact's record may hold it (vocabulary.region_values)."""
    return [value for code in codes for value in region_values(country, code)]


DEMONYMS = {word: code for word, code in ALIASES.items() if word.endswith("s") and " " not in word and word != "swiss"}


# Words between a place and the people it qualifies ("uk cart abandoners").
PLACE_MODIFIERS = {"cart", "checkout", "browse", "basket", "abandoned", "lapsed", "inactive", "vip", "loyal", "repeat", "recent",
                   "first-time", "one-time", "high-value", "big", "active", "engaged", "returning", "existing", "opted-in",
                   "new", "first", "time"}  # "german first time buyers"


def _places_before(text: str) -> tuple[list[str], list[str]]:
    """Countries named just before an audience noun, read backwards over a list ("US and
    Canadian", "German, Austrian or Swiss"); the first word that names none ends it."""
    words = re.findall(r"[a-z.]+(?:-[a-z]+)*|[,/&]", text)[-10:]  # "first-time" is one word
    codes: list[str] = []
    used: list[str] = []
    index = len(words)
    while index > 0:
        word = words[index - 1]
        if word in (",", "/", "&", "and", "or") or (word == "the" and codes):  # "..., austria and the netherlands"
            index -= 1
            continue
        pair = " ".join(words[index - 2:index]) if index >= 2 else ""
        if pair and (found := countries_in(pair)[0]) and " " in (countries_in(pair)[1] or [""])[0]:
            codes += found
            used.append(pair)
            index -= 2
            continue
        if word in PLACE_MODIFIERS and not codes:
            index -= 1  # "uk cart abandoners", "german vip customers": the place comes before these
            continue
        us_verb = word == "us" and index >= 2 and words[index - 2] in ("show", "give", "tell", "get", "send", "let", "help", "find")
        found = ["US"] if word in ("us", "u.s.", "u.s") and not us_verb else countries_in(word)[0]
        if not found or word in ("all", "our", "the", "new", "any"):
            break
        codes += found
        used.append(word)
        index -= 1
    return codes, used


def _regions(lowered: str, used: list[str]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """States and provinces named where a place goes, split into those included and excluded."""
    found: dict[bool, dict[str, list[str]]] = {True: {}, False: {}}
    seen: set[str] = set()
    for pattern, inside in ((rf"\b(?:{EXCLUDE_VERBS})\s+(?:in\s+|from\s+)?([a-z .,&-]{{3,60}})", False),
                            (r"\b(?:in|from|living in|based in|located in|keep|keeping)\s+([a-z .,&-]{3,60})", True),
                            # "new york customers", "bavarian shoppers": just before the people
                            (r"((?:\b[a-z.-]+\s+){1,3}?)(?=(?:customers|shoppers|people|buyers|subscribers|contacts|users"
                             r"|residents|folks|clients|members)\b)", True)):
        for match in re.finditer(pattern, lowered):
            for country, code, name in regions_in(re.split(r"\bwho\b|\bthat\b|\bwith\b|\bbut\b", match.group(1))[0]):
                if name in seen:
                    continue
                seen.add(name)
                used.append(name)
                found[inside].setdefault(country, []).append(code)
    return ({country: sorted(set(codes)) for country, codes in sorted(found[True].items())},
            {country: sorted(set(codes)) for country, codes in sorted(found[False].items())})


# The people of a state or province, by the name they go by.
STATE_DEMONYMS = {"californians": "california", "texans": "texas", "new yorkers": "new york", "floridians": "florida",
                  "washingtonians": "washington", "oregonians": "oregon", "coloradans": "colorado", "arizonans": "arizona",
                  "georgians": "georgia", "virginians": "virginia", "ohioans": "ohio", "michiganders": "michigan",
                  "illinoisans": "illinois", "pennsylvanians": "pennsylvania", "new jerseyans": "new jersey", "hawaiians": "hawaii",
                  "alaskans": "alaska", "nevadans": "nevada", "utahns": "utah", "minnesotans": "minnesota", "tennesseans": "tennessee",
                  "ontarians": "ontario", "quebecers": "quebec", "albertans": "alberta", "british columbians": "british columbia",
                  "manitobans": "manitoba", "queenslanders": "queensland", "tasmanians": "tasmania", "bavarians": "bavaria",
                  "scots": "scotland", "scottish customers": "scotland", "welsh customers": "wales", "berliners": "berlin",
                  "catalans": "catalonia", "sicilians": "sicily", "sardinians": "sardinia", "tuscans": "tuscany", "bretons": "brittany",
                  "andalusians": "andalusia", "welsh": "wales", "scottish": "scotland"}
STATE_PEOPLE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, STATE_DEMONYMS), key=len, reverse=True)) + r")\b")


def state_people(lowered: str) -> str:
    """"californians" as "people in california", so the place readers see the state."""
    return STATE_PEOPLE.sub(lambda match: f"people in {STATE_DEMONYMS[match.group(1)]}", lowered)

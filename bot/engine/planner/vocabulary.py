"""The planner's words: countries and groups, numbers in words, platforms, tones, purposes and
the verbs that exclude, in one place, so every intent reads them the same way.

Countries come from `pycountry` (names, codes) plus demonyms, aliases and the EU/EEA/UK groups;
typos are matched against the names with `rapidfuzz`. Numbers in words ("two weeks", "a
fortnight", "ten percent") become digits before anything else reads the text.
"""

from __future__ import annotations

import re
from functools import lru_cache

EU = ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
      "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"]


# Europe the continent, not the EU: the EU, EFTA, the UK, the Balkans and the east up to Ukraine
# (Russia and Turkey, mostly in Asia by area, are left out; "russia" or "turkey" adds them)
EUROPE = sorted(EU + ["IS", "LI", "NO", "CH", "GB", "AD", "MC", "SM", "VA", "AL", "BA", "ME", "MK", "RS", "UA", "MD", "BY"])


GROUPS = {"eu": EU, "european union": EU, "europe": EUROPE, "european": EUROPE, "eea": sorted(EU + ["IS", "LI", "NO"]),
          "uk": ["GB"], "dach": ["AT", "CH", "DE"], "nordics": ["DK", "FI", "IS", "NO", "SE"],
          "scandinavia": ["DK", "NO", "SE"], "north america": ["CA", "MX", "US"]}


ALIASES = {
    "usa": "US", "u.s.": "US", "u.s.a.": "US", "america": "US", "united states": "US", "the states": "US",
    "american": "US", "americans": "US", "britain": "GB", "great britain": "GB", "england": "GB",
    "british": "GB", "brits": "GB", "scotland": "GB", "wales": "GB", "canadian": "CA", "canadians": "CA",
    "german": "DE", "germans": "DE", "french": "FR", "spanish": "ES", "italian": "IT", "italians": "IT",
    "dutch": "NL", "holland": "NL", "irish": "IE", "australian": "AU", "australians": "AU", "aussie": "AU",
    "aussies": "AU", "mexican": "MX", "mexicans": "MX", "swedish": "SE", "swedes": "SE", "belgian": "BE",
    "austrian": "AT", "polish": "PL", "portuguese": "PT", "danish": "DK", "finnish": "FI", "norwegian": "NO",
    "swiss": "CH", "japanese": "JP", "brazilian": "BR", "brazilians": "BR", "indian": "IN", "kiwis": "NZ",
    "south korea": "KR", "korea": "KR", "russia": "RU", "czechia": "CZ", "czech republic": "CZ",
}


# Two-letter codes that are not also common English words ("in", "it", "no", "us", "be", ...).
SAFE_CODES = {"ca", "gb", "fr", "es", "nl", "ie", "au", "mx", "se", "pl", "pt", "dk", "fi", "ch", "jp", "br", "nz", "uk", "de"}


NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "eighteen": 18, "twenty": 20, "twenty-five": 25, "thirty": 30, "forty": 40,
    "forty-five": 45, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "a hundred": 100, "hundred": 100, "a couple of": 2, "a couple": 2, "couple of": 2, "a few": 3,
    "a": 1, "an": 1, "single": 1, "once": 1, "twice": 2, "first": 1, "second": 2, "third": 3,
    "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "tenth": 10, "fourteenth": 14,
}


COMMON_WORDS = {
    "people", "customers", "contacts", "ordered", "orders", "bought", "abandoned", "checkout", "started",
    "product", "products", "viewed", "reminder", "discount", "sequence", "campaign", "emails", "window",
    "between", "within", "weeks", "months", "minutes", "signed", "subscribers", "consent", "opted",
    "anyone", "everyone", "spent", "spend", "revenue", "please", "browse", "browsed", "series", "cancel",
    "friday", "monday", "holdout", "reviews", "buyers", "didn't", "haven't", "someone", "export", "google",
    "create", "segment", "called", "second", "percent", "purchase", "purchased", "german", "french",
    "carts", "twice", "others", "ignore", "without", "except", "excluding", "exclude", "summer", "winter",
    "number", "audience", "visitors", "digest", "scheduled", "running", "remind", "preflight", "approve",
    "finish", "finished", "finishing", "finally", "manage", "market", "marketing", "engaged", "engagement",
}


EXCLUDE_VERBS = (r"exclud\w*|except|without|not in|minus|outside(?: of)?|remove|drop|leave out|skip|but not|other than|(?:don't|do not|never) (?:send|email|include|target)\w*(?: to)?(?: anyone| people| customers)?(?: in| from)?"
                 r"|not (?:to )?(?:anyone|anybody|people|customers|contacts|those|folks|ones|buyers|shoppers)(?: who (?:are|live))? (?:in|from|based in)"
                 r"|no ?one (?:in|from)|nobody (?:in|from)")


# Audience words with no definition here: named back to the marketer, never silently dropped.
QUALIFIERS = re.compile(r"\b(average order values?|aov|average basket|basket size|order value|cart value|vips?|loyal|high.value|engaged|premium|frequent|best(?!.?sell)|whales?|big spenders|top customers|"
                        r"superfans?|regulars|insiders|loyalists?|most valuable|high spenders|at.risk|window shoppers|bargain hunters|"
                        r"influencers?|wholesale|students?|men|women|male|female|mobile|desktop|ios|android)\b")


PLATFORMS = {
    "google search": "google_rsa", "responsive search": "google_rsa", "rsa": "google_rsa",
    "google display": "google_display", "display": "google_display", "google": "google_rsa",
    "meta": "meta", "facebook": "meta", "instagram": "meta", "fb": "meta", "linkedin": "linkedin",
}


EXPORT_PLATFORMS = {"meta": "meta", "facebook": "meta", "instagram": "meta", "fb": "meta", "google": "google"}


TONES = {"friendly": "friendly", "warm": "friendly", "casual": "friendly", "playful": "playful",
         "fun": "playful", "formal": "professional", "professional": "professional", "luxur": "professional",
         "urgent": "urgent"}


PURPOSES = (
    (r"cart|check.?out abandon|abandoned check.?out", "cart_reminder"), (r"brows|viewed", "browse_abandonment"), (r"win.?back|lapsed|miss you", "winback"),
    (r"welcome|new (subscribers|sign.?ups|signups|customers|members)", "welcome"), (r"announc|launch|sale|new collection|new arrival", "announcement"),
    (r"review|social proof", "social_proof"),
)


# Question verbs and the part of the audit action names (e.g. "draft.approved") they mean.
AUDIT_VERBS = (
    (r"approv|signed|sign|okay|ok'?d|green.?lit", "approved"), (r"reject", "rejected"), (r"schedul|launch|went live", "scheduled"),
    (r"paus", "paused"), (r"resum|unpaus", "resumed"), (r"cancel|stopp", "cancelled"),
    (r"eras|forg[eo]t|delet", "forget"), (r"export", "export"), (r"edit|revis", "revised"),
)


# A discount code the shop created ("10% off with code SAVE10", "promo code: WB15"). A code is
# not a word: it has a digit or is written in capitals ("code for ..." names none).
# A quoted phrase: a quote opens after a space or at the start and closes before one, so the
# apostrophe of "email's" or "don't" is never a quote ("split test the first email's subject:
# 'You forgot this' vs 'Your cart misses you'").
QUOTED = re.compile(r"(?<![\w])[\"'\u201c\u2018]((?:[^\"'\u201c\u201d\u2018\u2019]|['\u2019](?=\w)){1,200}?)[\"'\u201d\u2019](?![\w])")


def quoted(text: str) -> list[str]:
    return [found.strip() for found in QUOTED.findall(text) if found.strip()]


CODE_RE = re.compile(r"\b(?:discount |promo |coupon |voucher )?codes?\s*(?:to |is |as |of |for |should be |becomes |[:=])?\s*['\"]?([A-Za-z0-9_-]{2,40})\b", re.I)
NOT_CODES = {"for", "to", "the", "a", "an", "and", "on", "in", "of", "it", "is", "that", "this", "which", "with", "from"}


def discount_codes(clean: str) -> list[str]:
    """The discount codes a request names, as written."""
    named = [(match.start(1), match.group(1)) for match in CODE_RE.finditer(clean)
             if match.group(1).lower() not in NOT_CODES and (re.search(r"\d", match.group(1)) or match.group(1).isupper())]
    # "10% off with WINTER10", "use VIP25 at checkout": a capitalised word with digits after
    # with/use is a code even without the word "code"
    named += [(match.start(), code) for match in BARE_CODE.finditer(clean)
              if (code := match.group(1) or match.group(2)) not in {code for _, code in named}]
    return [code for _, code in sorted(named)]


# ... or before the word: "put the MISSYOU20 code on that one too"
BARE_CODE = re.compile(r"\b(?:with|using|use|enter|apply|plus)\s+([A-Z][A-Z_-]*\d+[A-Z0-9_-]*)\b|\b([A-Z][A-Z_-]*\d+[A-Z0-9_-]*)\s+(?:code|coupon|promo)\b")


def hide_codes(lowered: str, codes: list[str]) -> str:
    """The sentence with each code replaced by a token ("discountcode0"), so "code CART20" is not
    read as a cart and the step readers can still tell which code a step names."""
    for index, code in enumerate(codes):
        lowered = re.sub(rf"\b{re.escape(code.lower())}\b", f"discountcode{index}", lowered, count=1)
    return lowered


CODE_TOKEN = re.compile(r"\bdiscountcode(\d+)\b")

# A campaign's step named by its place ("the second email", "the 3rd one", "day 5")
STEP_PLACE = r"(?:first|second|third|fourth|fifth|last|final|\d+(?:st|nd|rd|th)?|day \d+)"


EMAIL_RE = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


_NUMBER_RE = re.compile(
    r"\b(" + "|".join(sorted((re.escape(w) for w in NUMBER_WORDS), key=len, reverse=True)) + r")"
    r"(?=[\s-]+(?:or more[\s-]+|or fewer[\s-]+|(?:and|to|or)[\s-]+\w+[\s-]+|(?!\d)\w+[\s-]+)?(?:day|days|hour|hours|hrs|week|weeks|month|months|year|years|percent|%|orders?|times|purchases|emails?|ads?|impressions?|messages?)\b)",
    re.I,
)


# "a day later" is one day; "a day 3 email" is an email on day 3, not one day
_DIRECT_UNIT = re.compile(r"[\s-]+(?:day|hour|week|month|year)s?\b(?![\s-]+(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven"
                          r"|twelve|fourteen|twenty|thirty)\b)", re.I)


TENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
        "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90, **{word: value for word, value in (("one", 1), ("two", 2), ("three", 3), ("four", 4), ("five", 5),
                                                                         ("six", 6), ("seven", 7), ("eight", 8), ("nine", 9))}}
HUNDRED_AND = re.compile(r"\b(a|one|two|three|four|five|six|seven|eight|nine|\d)\s+hundred\s+(?:and\s+)?(" + "|".join(TENS) + r")"
                         r"(?:[\s-](one|two|three|four|five|six|seven|eight|nine))?\b", re.I)
HUNDREDS = re.compile(r"\b(a|one|two|three|four|five|six|seven|eight|nine|ten|\d+)\s+(hundred|thousand|grand)\b", re.I)


_FIRST_ORDER = re.compile(r"\s+(?:ever\s+)?(?:orders?|purchases?)\b", re.I)


def words_to_numbers(text: str) -> str:
    """'two weeks' -> '2 weeks', 'ten percent' -> '10 percent', 'a fortnight' -> '14 days',
    'two hundred' -> '200', 'five grand' -> '5000'."""
    # "two hundred and fifty", "a hundred and twenty five": the whole number, not 200 and a stray fifty
    text = HUNDRED_AND.sub(lambda m: str((int(m.group(1)) if m.group(1).isdigit() else NUMBER_WORDS[m.group(1).lower()]) * 100
                                         + TENS[m.group(2).lower()] + (NUMBER_WORDS[m.group(3).lower()] if m.group(3) else 0)), text)
    text = HUNDREDS.sub(lambda m: str((int(m.group(1)) if m.group(1).isdigit() else NUMBER_WORDS[m.group(1).lower()])
                                      * (100 if m.group(2).lower() == "hundred" else 1000)), text)
    text = re.sub(r"\b(?:a|one|the|last|past)?\s*fortnight\b", lambda m: ("last " if re.match(r"(last|past)", m.group(0).strip()) else "") + "14 days", text, flags=re.I)
    text = re.sub(r"\bhalf (?:a|an) (year|hour|day)\b", lambda m: {"year": "6 months", "hour": "1 hour", "day": "12 hours"}[m.group(1)], text, flags=re.I)
    text = re.sub(r"\b(once|twice)\b", lambda m: {"once": "1 times", "twice": "2 times"}[m.group(1).lower()], text, flags=re.I)

    def number(match: re.Match) -> str:
        word = match.group(1).lower()
        return str(NUMBER_WORDS[word])

    text = _NUMBER_RE.sub(lambda m: m.group(0) if m.group(1).lower() in ("a", "an") and not _DIRECT_UNIT.match(text, m.end())
                          # "their first order": the first ever, not one order
                          or m.group(1).lower() == "first" and _FIRST_ORDER.match(text, m.end()) else number(m), text)
    return re.sub(r"\b(day)[\s-]+(one|two|three|four|five|six|seven|eight|nine|ten|fourteen|thirty)\b",
                  lambda m: f"{m.group(1)} {NUMBER_WORDS[m.group(2).lower()]}", text, flags=re.I)


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """Lower-case country names, common names and aliases to ISO codes (pycountry plus ours)."""
    import pycountry

    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            value = getattr(country, attribute, None)
            if value and "," not in value:
                names[value.lower()] = country.alpha_2
    names.update({name: code for name, code in ALIASES.items()})
    return names


# The countries whose shops store a state or province code as the contact's region (Shopify's
# province_code, WooCommerce's billing.state): their subdivisions can be named in words.
REGION_COUNTRIES = ("US", "CA", "AU")


# European shops' regions (WooCommerce's billing.state, an imported province) come as the ISO
# code or the region's own name ("BY", "Bayern", "SCT", "Scotland"): the top-level subdivisions of
# these countries can be named too, and match either form.
NAMED_REGION_COUNTRIES = ("GB", "IE", "DE", "AT", "CH", "FR", "ES", "IT", "NL", "BE", "PL", "SE", "PT", "DK")
# English names pycountry does not carry, to the subdivision's own name there.
ENGLISH_REGIONS = {
    "bavaria": "bayern", "hesse": "hessen", "saxony": "sachsen", "lower saxony": "niedersachsen", "thuringia": "thüringen",
    "north rhine-westphalia": "nordrhein-westfalen", "north rhine westphalia": "nordrhein-westfalen",
    "rhineland-palatinate": "rheinland-pfalz", "lombardy": "lombardia", "tuscany": "toscana", "piedmont": "piemonte",
    "sicily": "sicilia", "sardinia": "sardegna", "apulia": "puglia", "catalonia": "cataluña", "andalusia": "andalucía",
    "basque country": "país vasco", "brittany": "bretagne", "normandy": "normandie", "north holland": "noord-holland",
    "south holland": "zuid-holland", "flanders": "vlaams gewest", "wallonia": "wallonia", "tyrol": "tirol",
    "lower austria": "niederösterreich", "upper austria": "oberösterreich", "vienna": "wien", "zurich": "zürich",
    "geneva": "genève", "ile de france": "île-de-france", "ile-de-france": "île-de-france",
}


# The short names marketers type for a few regions ("quebec and BC", "NSW customers")
REGION_SHORT_NAMES = {"bc": "british columbia", "pei": "prince edward island", "nsw": "new south wales", "nrw": "nordrhein-westfalen",
                      "socal": "california", "norcal": "california"}


@lru_cache(maxsize=1)
def region_names() -> dict[str, tuple[str, str]]:
    """Lower-case state, province and region names to (country, region code), from pycountry."""
    import pycountry

    names: dict[str, tuple[str, str]] = {}
    for subdivision in pycountry.subdivisions:
        code = subdivision.code.split("-", 1)[1]
        if subdivision.country_code in REGION_COUNTRIES and subdivision.type in ("State", "Province", "Territory", "District"):
            names[subdivision.name.lower()] = (subdivision.country_code, code)
        elif subdivision.country_code in NAMED_REGION_COUNTRIES and getattr(subdivision, "parent_code", None) is None:
            for name in _own_names(subdivision.name):
                names.setdefault(name, (subdivision.country_code, code))
    for english, own in {**ENGLISH_REGIONS, **REGION_SHORT_NAMES}.items():
        if own in names:
            names[english] = names[own]
    names.pop("georgia", None)  # the country of that name is meant as often as the state: countries_in reads it
    for country_name, country in country_names().items():  # "Aruba" is a country first; "Scotland" is GB's region
        if country_name in names and names[country_name][0] != country:
            names.pop(country_name)
    return names


def _own_names(name: str, lower: bool = True) -> list[str]:
    """'Wales [Cymru GB-CYM]' -> wales; 'Asturias, Principado de' -> asturias; and without accents."""
    import unicodedata

    plain = re.sub(r"\s*\[.*?\]|\s*\(.*?\)|,.*$", "", name).strip()
    plain = plain.lower() if lower else plain
    ascii_name = unicodedata.normalize("NFKD", plain).encode("ascii", "ignore").decode()
    return [plain] if ascii_name == plain else [plain, ascii_name]


def region_values(country: str, code: str) -> list[str]:
    """What a contact's region may hold for that subdivision: the code (US, CA, AU shops store
    only that), and for European regions also its own name, with and without accents, and in
    English ("BY", "Bayern", "Bavaria")."""
    if country in REGION_COUNTRIES:
        return [code]
    import pycountry

    subdivision = pycountry.subdivisions.get(code=f"{country}-{code}")
    if subdivision is None:
        return [code]
    own = _own_names(subdivision.name, lower=False)
    english = [name.title() for name, target in ENGLISH_REGIONS.items() if target in _own_names(subdivision.name) and target != name]
    return list(dict.fromkeys([code, *own, *english]))


def regions_in(fragment: str) -> list[tuple[str, str, str]]:
    """(country, region code, the words) for each state or province named in `fragment`."""
    names = region_names()
    words = re.findall(r"[a-z]+", fragment.lower())
    found: list[tuple[str, str, str]] = []
    index = 0
    while index < len(words):
        for size in (4, 3, 2, 1):
            phrase = " ".join(words[index:index + size])
            if phrase in names:
                found.append((*names[phrase], phrase))
                index += size
                break
        else:
            # a typo of a one-word region ("califronia", "bavraia"), held to a close match
            word = words[index]
            if len(word) >= 7 and word not in COMMON_WORDS and word not in DOMAIN_WORDS and word not in _country_words():
                from rapidfuzz import fuzz, process

                match = process.extractOne(word, _region_fuzzy_keys(), scorer=fuzz.ratio, score_cutoff=85)
                if match:
                    found.append((*names[match[0]], word))
            index += 1
    return found


@lru_cache(maxsize=1)
def _country_words() -> frozenset[str]:
    """Every word of a country's name ("zealand" of New Zealand): never a region's typo."""
    return frozenset(word for name in country_names() for word in name.split())


@lru_cache(maxsize=1)
def _region_fuzzy_keys() -> list[str]:
    return [name for name in region_names() if len(name) >= 7 and " " not in name]


@lru_cache(maxsize=1)
def _country_fuzzy_keys() -> list[str]:
    return [name for name in country_names() if len(name) >= 6 and " " not in name]


@lru_cache(maxsize=1)
def _several_word_regions() -> frozenset[str]:
    countries = country_names()
    return frozenset(name for name in region_names() if " " in name and name not in countries and name not in GROUPS)


def countries_in(fragment: str) -> tuple[list[str], list[str]]:
    """ISO codes named in `fragment` (names, demonyms, groups, safe codes), and the words used."""
    from rapidfuzz import fuzz, process

    lowered = fragment.lower()
    found: list[str] = []
    used: list[str] = []
    names = country_names()
    words = re.findall(r"[a-z][a-z.]*[a-z.]|[a-z]{2}", lowered)
    index = 0
    several_words = _several_word_regions()
    while index < len(words):
        # "british columbia", "new south wales": a region's own words, never a country's ("british")
        region = next((size for size in (4, 3, 2) if " ".join(words[index:index + size]) in several_words), 0)
        if region:
            index += region
            continue
        hit = None
        for size in (3, 2, 1):
            phrase = " ".join(words[index:index + size])
            if phrase in GROUPS:
                hit, codes = (phrase, GROUPS[phrase])
                break
            if phrase in names:
                hit, codes = (phrase, [names[phrase]])
                break
        if hit is None and len(words[index]) == 2 and words[index] in SAFE_CODES:
            hit, codes = words[index], ["GB" if words[index] == "uk" else words[index].upper()]
        if hit is None and len(words[index]) >= 6 and words[index] not in COMMON_WORDS:
            match = process.extractOne(words[index], _country_fuzzy_keys(), scorer=fuzz.ratio, score_cutoff=84)
            if match:
                hit, codes = words[index], [names[match[0]]]
        if hit is not None:
            found += codes
            used.append(hit)
            index += len(hit.split())
        else:
            index += 1
    return sorted(set(found)), used


# The words requests hang on, for typo repair ("abandned cart sequnce" -> "abandoned cart sequence").
DOMAIN_WORDS = tuple("""
abandoned abandonment abandoners sequence campaign campaigns customers customer subscribers subscriber checkout discount
reminder reminders purchased purchase purchases ordered orders browsed browsing welcome winback schedule scheduled approve
reject cancel resume export segment audience contacts shoppers newsletter announcement unsubscribe unsubscribed compliance
compliant lookalike suppression revenue yesterday fortnight weekend previous
""".split())


def repaired(text: str) -> str:
    """`text` with misspelt request words put right (rapidfuzz, a close match starting with the same
    letter, 6 letters or more); other words, names and codes are left as they are."""
    from rapidfuzz import fuzz, process

    def fix(match: re.Match) -> str:
        word = match.group(0)
        lower = word.lower()
        # a word spelt like a request word's other form ("segments", "approved") is not a typo
        if lower in DOMAIN_WORDS or lower in COMMON_WORDS or any(w[:6] == lower[:6] for w in DOMAIN_WORDS):
            return word
        found = process.extractOne(lower, [w for w in DOMAIN_WORDS if w[0] == lower[0] and abs(len(w) - len(lower)) <= 2],
                                   scorer=fuzz.ratio, score_cutoff=85)
        return found[0] if found else word

    def fix_place(match: re.Match) -> str:
        # "customers in frnace", "from spian": a misspelt country where a place goes (a closer
        # cutoff than request words: two swapped letters in a short name score 80)
        word = match.group(2).lower()
        if word in DOMAIN_WORDS or word in COMMON_WORDS or word in country_names():
            return match.group(0)
        found = process.extractOne(word, [name for name in _single_word_countries() if name[0] == word[0] and abs(len(name) - len(word)) <= 1],
                                   scorer=fuzz.ratio, score_cutoff=80)
        return f"{match.group(1)} {found[0]}" if found else match.group(0)

    text = re.sub(r"\b(in|from|outside|excluding|except|and|or|not)\s+([A-Za-z]{5,})\b", fix_place, text, flags=re.I)
    return re.sub(r"(?<![@\w.])[A-Za-z]{6,}(?![@\w.])", fix, text)


@lru_cache(maxsize=1)
def _single_word_countries() -> tuple[str, ...]:
    return tuple(name for name in country_names() if name.isalpha() and len(name) >= 5)

"""Follow-ups to a count in the same thread: "what about France?", "and only the ones who spent
over 100?", "same for last month", "of those, how many opted in?".

The thread remembers the words of its last audience question (ThreadState.audience_words). A
follow-up either narrows that audience (its words are added as one more condition) or swaps one
kind of condition for another of the same kind (the place, the time, the spend, the order
count): the old words of that kind are taken out and the new ones put in. The result is planned
as a whole new question, so its "Read as" line states the full audience that was counted.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.engine.memory import ThreadState
from bot.engine.planner.audiences import BY_COUNTRY, RANKS
from bot.engine.planner.conditions import (
    ONE_TIME_BUYERS,
    ORDER_COUNT,
    ORDER_RANGE,
    REPEAT_BUYERS,
    SPEND,
    clauses,
    consent_condition,
    time_of,
    time_words_in,
)
from bot.engine.planner.dates import MONTHS, zone_now
from bot.engine.planner.places import (
    DEMONYMS,
    as_place_phrase,
    place_words,
    state_people,
)
from bot.engine.planner.stages import (
    ABANDONED,
    CART_VALUE,
    product_filter,
    purchases,
    stage_of,
)
from bot.engine.planner.vocabulary import (
    EXCLUDE_VERBS,
    NUMBER_WORDS,
    countries_in,
    regions_in,
    words_to_numbers,
)

_LEAD = r"^(?:and |but |ok |okay |so |now |then |hmm,? |huh,? |ah,? )*"
# "of those, how many ...", "only the ones who ...", "narrow it to ...": one more condition
FORGET_TIME = re.compile(r"^(?:ok |okay |so |actually |and )*(?:forget|drop|ignore|never mind|nevermind|scrap|lose) (?:about )?(?:the |that )?"
                         r"(?:date|dates|time|period|timeframe|time frame|window|since \w+|month)\b[,.;:]?\s*(?:and |then |now |just )?")
NARROW = re.compile(
    _LEAD + r"(?:(?:how many|how much|what about|and|what share|what part)\s+)?(?:of|among|out of|from) (?:those|them|these|that group|that list|that|the above)\b"
    r"[,:]?\s*(?:how many\b\s*)?(?:(?:are|were|have|had|did|do|was|came|come)\b\s*)?(?:(?<=was )from\s+|(?<=came )from\s+|(?<=come )from\s+)?"
    r"|" + _LEAD + r"(?:how many|which|who|what share|what percentage) of (?:them|those|these)\b\s*(?:(?:are|were|have|had|did|do|is)\b\s*)?"
    # "how many is that if we only count full opt-in", "what if we only count the real opt-ins"
    r"|" + _LEAD + r"(?:(?:how many|what) (?:is|are) (?:that|it|they) )?(?:what )?if (?:we |i |you )?(?:only )?(?:count|include|keep|look at)\s+(?:only |just )?"
    r"|" + _LEAD + r"(?:(?:how|what) about |(?:include|keep|count|show|take|leave) )?(?:only|just) (?:the ones|those|them|ones|the people|people|the customers|customers|the contacts|contacts)?\s*"
    r"|" + _LEAD + r"(?:narrow|filter|limit|restrict|cut) (?:it|that|this|them|those|the list)(?: down)? (?:to|by)\s+"
    r"|" + _LEAD + rf"(?=(?:{EXCLUDE_VERBS})\b)")
# "what about France?", "same for last month", "and in Canada?", "France instead": swap a kind
REPLACE = re.compile(
    _LEAD + r"(?:(?:what|how) about|same (?:thing |question |count |number |again )?(?:but |for |in |with )?"
    r"|do (?:the same|that|it|this) (?:again )?(?:for|with|in)|(?:and |now )?(?:for|in) (?=\w)|try|and"
    r"|(?:make|change|set|switch) (?:it|that|this)(?: to)?|how (?:does|do|did) (?:that|it|this) compare (?:with|to)|compare (?:that |it )?(?:with|to)"
    r"|versus|vs\.?|(?:no,? |sorry,? |oops,? )?i (?:meant|mean)(?: to say)?(?: only)?|(?:go )?back to)\s*(?:just |only )?")
# A verb makes a short phrase a request of its own ("pause it", "export them to meta").
VERBS = (r"\b(?:build|create|make|send|export|pause|resume|cancel|schedule|approve|reject|show|list|delete|remove|add|change"
         r"|move|set|draft|write|forget|unsubscribe|launch|stop|start|save|store|keep)\b")
MONTH = "(?:" + "|".join(MONTHS) + ")"
BROKEN_DOWN = re.compile(r"^(?:and |now |ok |okay |so |can you |could you |pls |please )*(?:break (?:it|that|this|them|those) (?:down|out)|split (?:it|that|this|them)"
                         r"(?: up)?|show (?:it|that|me that|me) |same |and |what about |how about |now )?\s*(?:by|per|for each|each) countr(?:y|ies)"
                         r"(?: (?:please|pls|too|instead|then))?$")
ORDER_QUESTION = re.compile(r"\b(?:revenue|sales|aov|average order value|turnover|how many orders|number of orders|orders and revenue)\b"
                            r"|\S+@\S+.*\b(?:buy|bought|order|ordered|orders|spent|spend|purchased?)\b|\b(?:orders|purchases)\b.*\S+@\S+"
                            r"|^(?:(?:our|the|total|all|and) )?orders\b|\borders (?:from|by|placed|made|came|did)\b")
# how a question says its consent ("who gave ad consent", "with email consent", "opted-in"), swapped as one
CONSENT_PHRASE = re.compile(r"\b(?:who |that )?(?:gave |give |have given |have |has |with )?(?:us )?(?:their )?(?:ad|ads|advertising|email|marketing)?\s?"
                            r"(?:consent(?:ed)?|opt.?ins?|opted.?in)\b(?: (?:to|for) (?:ads|advertising|email|marketing))?")
# "what about all countries", "everywhere": the question without its places
ALL_PLACES = re.compile(r"^(?:and |ok |so |now |but )*(?:(?:what|how) about |same (?:but |for )?|for |across |make it |do it for |in )?(?:the )?"
                        r"(?:(?:all|every|any) (?:countries|country|markets|regions|places|locations)|everywhere|worldwide|globally|world.?wide"
                        r"|(?:drop|remove|forget|ignore|lose|without) the (?:country|countries|place|location)(?: filter)?)(?: instead| then| again)*$")
AUDIENCE_NOUN = r"\b(?:customers|buyers|people|shoppers|contacts|subscribers|clients|ones)\b"
ADD_PLACES = re.compile(r"^(?:and |also |plus |ok |okay |now )*(?:include|add|plus|throw in|also include|and include)\s+(?:the |people in |those in |contacts in )?"
                        r"(?P<places>[a-z .,&'-]{2,80}?)(?:\s+(?:too|as well|also|please|then))*$")
# "and in canada too", "plus france as well": the places so far and these
PLACES_TOO = re.compile(r"^(?:and |also |plus |ok |now )+(?:in |from |for )?(?:the )?(?P<places>[a-z .,&'-]{2,80}?)\s+(?:too|as well|also)$")
# "what about dresses instead of shoes", "make it 30 days rather than 60 days"
WORDS_INSTEAD = re.compile(r"^(?:and |ok |so |but |hmm,? )*(?:(?:what|how) about |make it |try |same (?:but |for |with )?|do )?(?:the )?"
                           r"(?P<new>[\w' -]+?),? (?:instead of|rather than) (?:the )?(?P<old>[\w' -]+?)(?: instead)?$")
INSTEAD = re.compile(r"\s*,?\s*\binstead\b\s*")


OTHER_PRODUCT = re.compile(r"^(?:and |or |what about |how about |ok |now )*(?:anything |something |stuff )?(?:from |in )?(?:the |our )?(?P<what>[a-z][a-z -]{1,40}?)"
                           r"(?: category| collection| range| section| ones| too| instead)*\s*$")
VIEWED_ANYTHING = re.compile(r"\b(?:viewed|looked at|browsed|checked out|added)\s+(?P<what>something|anything|a product|products|stuff|an item|items|things)\b")
REACHABLE_OF_THEM = re.compile(r"^(?:and |so |ok |but )*how many (?:of (?:them|those|these) |of those people )?(?:can|could|may) we (?:actually |really |legally )?"
                               r"(?:email|e-mail|reach|contact|mail|send to|message)(?: them| of them)?(?: now| today)?$")


def refined_question(lowered: str, state: ThreadState) -> str | None:
    """The thread's last audience question, changed as the follow-up says (to be planned like any
    question); None when the thread has none or the words are not a change to it."""
    previous = state_people((state.audience_words or "").lower()).strip(" ?!.")
    if not previous:
        return None
    text = lowered.strip(" ?!.")
    text = re.sub(r"^((?:and|but|so|ok|now|what about)\s+)(?!only\b|just\b)(.{3,60}?)\s+only$", r"\1only \2", text)  # "and full opt in only?"
    if (bought := purchases(previous)) and (other := OTHER_PRODUCT.match(text)) and not (
            countries_in(other.group("what"))[0] or regions_in(other.group("what")) or time_of(other.group("what"), zone_now()).any) and purchases(
            f"bought {other.group('what')}") and bought[0][1] in previous:
        # "and bags?", "what about anything from the bags category" after "how many bought scarves": that product instead
        return previous.replace(bought[0][1], other.group("what"), 1)
    if (product := product_filter(text)) and (generic := VIEWED_ANYTHING.search(previous)):
        # "narrow to people who looked at shoes" after "viewed something but never added to cart": shoes viewed
        return previous[:generic.start("what")] + product + previous[generic.end("what"):]
    if REACHABLE_OF_THEM.match(text) and not ORDER_QUESTION.search(previous):
        return previous  # "and how many of them can we actually email": the same count, which says who is reachable
    when = time_of(words_to_numbers(re.sub(r"\b(?:that|the same) (?:week|month|period|day|quarter|year)\b", " ", text)), zone_now())
    # "what about last month's orders by country": that period instead; "which country brought in
    # the most revenue in the last 30 days" names its own, a question of its own
    if (BY_COUNTRY.search(text) and ORDER_QUESTION.search(previous) and not BY_COUNTRY.search(previous)
            and (not when.any or re.match(r"(?:and |ok |so |now )*(?:what|how) about\b|(?:and|same|now)\b", text))):
        # "which country has the most buyers", "top countries for that week" after an order question: its period
        asked = re.sub(r"\s*(?:\bvs\.?|\bversus|\bcompared (?:to|with)|\bagainst)\b.*$", "", previous).strip(" ?")
        if when.any:
            asked = _swapped(asked, when.source) or asked
        ranked = next((found.group(0) for pattern, _ in RANKS if (found := re.search(pattern, text))), None)
        return f"{asked} by country" + (f", {ranked}" if ranked else "")
    if BROKEN_DOWN.match(text) and re.search(r"\b(?:orders?|revenue|sales|aov|average order value|turnover)\b", previous):
        # "break that down by country" after an order question: the same orders, per country
        return re.sub(r"\s+(?:by|per) countr(?:y|ies)\b", "", previous) + " by country"
    if forget := FORGET_TIME.match(text):
        # "ok forget the date, how many of them bought in the last 60 days": the question without its time
        old_time = time_of(words_to_numbers(previous), zone_now())
        found = time_words_in(previous, old_time.source) if old_time.any else None
        previous = re.sub(r"\s+", " ", previous[:found.start()] + previous[found.end():]).strip() if found else previous
        text = text[forget.end():].strip(" ,") or previous
        if text == previous:
            return previous
    # "how does q2 compare", "how did last month compare": the same question for that period
    text = re.sub(r"^how (?:does|do|did|would|about) (.+?) compare(?: (?:to|with) (?:that|it|this|those))?$", r"what about \1", text)
    # "bump the spend threshold to five hundred", "what if it's over 500 instead": another amount, said as one
    text = re.sub(r"^(?:and |ok |so |now )*(?:bump|raise|lower|drop|change|set|make|move|up|push)(?: up| down)? (?:the )?(?:minimum |min )?(?:spend(?:ing)?|threshold|amount"
                  r"|cut-?off|bar|minimum|floor)(?: threshold| amount| limit| minimum)? (?:up |down )?(?:to|at) ", "over ", text)
    text = re.sub(r"^(?:and |ok |so )*what if (?:it'?s|it is|it was|we (?:say|make it|do)|we used) ", "", text)
    # "and under fifty?", "to five hundred": the amount in numbers
    text = re.sub(r"\b(over|above|more than|at least|under|below|less than) (" + "|".join(NUMBER_WORDS) + r")(?: hundred)?\b",
                  lambda m: f"{m.group(1)} {NUMBER_WORDS[m.group(2)] * (100 if 'hundred' in m.group(0) else 1)}", text)
    if SPEND.search(previous) and re.fullmatch(r"(?:over|above|more than|at least|under|below|less than) [$€£]?\d[\d,.]*k?(?: instead| then)?", text):
        text = "spent " + re.sub(r"\s+(?:instead|then)$", "", text)  # a spend question's amount: still its kind of spend
    # "and over 500?", "what about orders over 500 then" after "orders over 300": the order value swapped
    if (worth := re.search(r"\b(orders? (?:of |worth )?)(over|above|more than|under|below|less than) [$€£]?\d[\d,.]*(?:\s*(?:dollars|euros?|pounds|bucks))?", previous)) and (
            new_worth := re.match(r"^(?:and |what about |how about |ok |so )*(?:(?:the )?orders? (?:of |worth )?)?(?P<op>over|above|more than|under|below|less than)"
                                  r" (?P<amount>[$€£]?\d[\d,.]*)(?:\s*(?:dollars|euros?|pounds|bucks))?(?: instead| then)*$", text)):
        return previous[:worth.start()] + f"{worth.group(1)}{new_worth.group('op')} {new_worth.group('amount')}" + previous[worth.end():]
    # "and september?": a month alone is that month
    text = re.sub(rf"^((?:and |or |but |ok |what about |how about )*)(?:in )?(?={MONTH}(?: \d{{4}})?$)", r"\1in ", text)
    # "what about five or more?" after an order count: that many orders
    if ORDER_COUNT.search(words_to_numbers(previous)) or REPEAT_BUYERS.search(previous) or ORDER_RANGE.search(previous):
        text = re.sub(r"\b(" + "|".join(NUMBER_WORDS) + r")\b(?=\s*(?:\+|or more|or fewer|or less)$)", lambda m: str(NUMBER_WORDS[m.group(1)]), text)
        text = re.sub(r"(\b\d+\s*(?:\+|or more|or fewer|or less)|\b(?:at least|at most|more than|exactly) \d+|\bbetween \d+ and \d+)$", r"\1 orders",
                      words_to_numbers(text))
    # "and over 500 in total?": a lifetime spend, whatever was asked before
    text = re.sub(r"^((?:and |but |or |what about |how about )*)(?=(?:over|more than|at least|under|less than|above|below|between)\s+[$€£]?\d[\d,.]*k?"
                  r"(?:\s*(?:and|to)\s+[$€£]?\d[\d,.]*k?)?(?:\s*(?:dollars|euros?|pounds|bucks))?\s+(?:in total(?: spend)?|total(?: spend)?|lifetime(?: spend)?"
                  r"|in spend|spent|all.time|in lifetime spend)$)",
                  r"\1spent ", text)
    text = re.sub(r"^what if (?:we |i )?(?:widen|change|make|extend|shorten|narrow|set|push|stretch|expand)(?: it| that| the window| the time(?: frame)?)?"
                  r"(?: out| back)? to\b", "what about", text)  # "what if we widen it to a week": another window
    if ALL_PLACES.match(text) and _places(previous):
        return _without_places(previous)
    widen = re.match(r"^(?:and |ok |so |now |but )*(?:widen|extend|expand|broaden|open)(?: it| that| this)?(?: out| up)? to (?P<rest>.+)$", text)
    if widen and _places(widen.group("rest")) and not time_of(widen.group("rest"), zone_now()).any:
        text = "add " + widen.group("rest")  # "widen to austria and switzerland too": more places, the old ones kept
    # "widen it to the last 7 days", "extend it to a month": another window
    text = re.sub(r"^(?:and |ok |so |now |but )*(?:widen|extend|expand|broaden|stretch|shorten|narrow|change|push|make|set)(?: it| that| this| the window| the time(?: frame)?| the period)?"
                  r"(?: out| back)? to\b", "what about", text)
    # "how about the whole week" after a day: this week
    text = re.sub(r"^((?:and |ok |so )*(?:what|how) about )(?:the )?(?:whole|entire|full) (week|month|year|quarter)$", r"\1this \2", text)
    if (swap := WORDS_INSTEAD.match(text)) and len(swap.group("old").split()) <= 4 and (
            said := re.search(rf"\b(?:the )?{re.escape(swap.group('old'))}\b", previous)):
        # "what about dresses instead of shoes": the words the last question said, swapped
        return previous[:said.start()] + swap.group("new") + previous[said.end():]
    if (added := ADD_PLACES.match(text) or PLACES_TOO.match(text)) and _places(added.group("places")) and _places(previous):
        # "include the uk too" after a count in the EU: the places so far and these
        places = " and ".join(dict.fromkeys(_places(previous) + _places(added.group("places"))))
        return _swapped(previous, f"in {places}")
    narrowed = NARROW.match(text)
    if narrowed and not INSTEAD.search(text):
        rest = text[narrowed.end():].strip(" ,")
        if not rest:
            return None
        ordered = re.search(r"\b(?:ordered|bought|purchased|placed an order|made a purchase)(?: something| anything)?\b", previous)
        if ordered and re.match(r"(?:who |that )?(?:had |have |has )?(?:never|not) (?:ordered|bought|purchased|shopped)(?: anything| with us)?"
                                r"(?: before| previously| until then| prior)$", rest) and time_of(words_to_numbers(previous), zone_now()).any:
            # "and how many of them had never ordered before" after buyers of a period: first orders then
            first = previous[:ordered.start()] + "made their first order" + previous[ordered.end():]
            return re.sub(r"^how many (?=made|who)", "how many customers ", first)
        # "only the UK ones" after a count in the UK and Ireland: a subset of the places, so a swap
        swapped = _swapped(previous, rest) if _places(rest) and _places(previous) else None
        if swapped is None:
            rest = as_place_phrase(rest)  # "just the french ones": in France
        verb = re.search(r"(?:are|were|have|had|did|do)\s*$", text[:narrowed.end()])
        combined = swapped or f"{previous} and {'who ' + verb.group(0).strip() + ' ' if verb and not rest.startswith(('who', 'that')) else ''}{rest}"
        if not swapped and ORDER_QUESTION.search(previous) and re.match(r"(?:(?:the )?orders? (?:of |worth )?)?(?:over|above|more than|under|below|less than) [$€£]?\d", rest):
            # "only orders over 100", "how many of those were over 200 bucks": those orders
            combined = f"{previous} {rest if rest.startswith(('order', 'the order')) else 'orders ' + rest}"
        elif not swapped and (spent := SPEND.search(previous)) and time_of(words_to_numbers(rest), zone_now()).any and not re.search(
                r"\b(?:in total|total|lifetime|ever|all.time|overall)\b|\b(?:spen[dt]|spending)\b", previous[spent.end():] + " " + rest):
            # "and how many of them bought in q3" after "spent over 500": the spend stays lifetime
            combined = f"{previous[:spent.end()]} in total{previous[spent.end():]} and {'' if rest.startswith(('who', 'that')) else 'who '}{rest}"
        elif (not swapped and ORDER_QUESTION.search(previous) and not ORDER_QUESTION.search(rest.replace("orders", ""))
                and (_places(rest) or re.search(AUDIENCE_NOUN + r"|\b(?:buyers|customers|orders)\b", rest)) and "@" not in previous):
            # "only UK buyers" after a revenue question: the orders of those people
            whose = re.sub(r"\b(?:orders|purchases|sales)\b", "customers", rest)
            combined = f"{previous} from {whose if re.search(AUDIENCE_NOUN, whose) else 'customers ' + whose}"
    else:
        replaced = REPLACE.match(text)
        # "and France?" reaches here as "france" (the opener is not the request): a short phrase
        # naming only a place, a period or "the week before" is a swap too
        bare = not replaced and len(text.split()) <= 5 and not re.match(r"(?:how|what|which|who|show|list|give|tell)\b", text) and (
            BEFORE.match(text) or not re.search(VERBS, text) and (
            _places(text) or time_of(words_to_numbers(text), zone_now()).any or ORDER_COUNT.search(text) or ORDER_RANGE.search(text)
            or SPEND.search(text)))
        if not replaced and not INSTEAD.search(text) and not bare:
            return None
        rest = text[replaced.end():] if replaced else text
        if ORDER_QUESTION.search(previous) and re.match(rf"(?:the |those |all )?{AUDIENCE_NOUN}.*\b(?:who|that|with)\b", rest) and not ORDER_QUESTION.search(rest):
            # "what about people in the uk who ordered more than 5 times" after an order question: those people, counted
            return f"how many {rest}"
        # "new york instead of texas": what it replaces is the old condition, swapped out below
        rest = INSTEAD.sub(" ", re.sub(r"\s*,?\s*\b(?:instead of|rather than|not)\b.*$", "", rest) or rest).strip(" ,")
        # "for all of november", "the whole of q3", "the last quarter": the period itself
        rest = re.sub(r"\b(?:all of|the whole of|the whole|the entire|the full|whole)\s+", "", rest)
        rest = re.sub(r"^the (last|previous|past) (quarter|month|week|year)\b", r"\1 \2", rest)
        rest = re.sub(r"\s+then$", "", rest)
        if re.match(r"(?:over|more than|at least|under|less than|above|below)\s+[$€£]?\d", rest) and SPEND.search(previous) and not re.search(
                r"\b(?:orders?|times?|purchases?)\b", rest):
            rest = "spent " + rest  # "make it over 250 instead" after a spend question
        rest = re.sub(rf"^(?={MONTH}\b)", "in ", rest)
        if not rest or len(rest.split()) > 12:
            return None
        if (stage := stage_of(CART_VALUE.sub(" ", rest))) and stage_of(previous) and stage != stage_of(previous):
            # "what about checkout abandoners in the last 48 hours": another audience of the same
            # places, asked as a question of its own
            places = _places(previous) if not _places(rest) else []
            # "and at checkout specifically?" after abandoned carts yesterday: abandoned there, then
            left = " abandoned" if ABANDONED.search(previous) and not ABANDONED.search(rest) else ""
            old_time = time_of(words_to_numbers(previous), zone_now())
            when = f" {old_time.source}" if old_time.any and not time_of(words_to_numbers(rest), zone_now()).any else ""
            return re.sub(r"\s+", " ", f"how many {rest}{left}{when}" + (" in " + " and ".join(places) if places else "")).strip()
        # "same but 90 days": a bare length of time is the last that many days
        rest = re.sub(r"^(\d+)\s*(hours?|days?|weeks?|months?)$", r"in the last \1 \2", words_to_numbers(rest))
        # "and in new york, only those who opted in": the swap, then one more condition
        rest, *more = re.split(r"\s*(?:,\s*|\s(?=but ))(?=(?:and |but |plus )?(?:only|just)\b)", rest, maxsplit=1)
        combined = _shifted(previous, rest) if BEFORE.match(rest) else _swapped(previous, rest)
        if combined is not None and (who := re.search(r"\b(?:who|that)\b.+$", rest)) and set(clauses(who.group(0))) - set(clauses(previous)):
            # "and the irish ones who signed up before january?": the place swapped, and that condition too
            combined = f"{combined} and {who.group(0)}"
        if combined is not None and more:
            extra = re.sub(r"^(?:and |but |plus )?(?:only|just)\s+(?:the ones|those|them|ones|people|customers|contacts)?\s*", "", more[0]).strip()
            if extra and ORDER_QUESTION.search(previous):
                whose = re.sub(r"\b(?:orders|purchases|sales)\b", "customers", extra)  # "but just uk orders": their orders
                combined = f"{combined} from {whose if re.search(AUDIENCE_NOUN, whose) else 'customers ' + whose}"
            else:
                combined = f"{combined} and {'' if extra.startswith(('who', 'that', 'with', 'in ')) else 'who '}{extra}" if extra else combined
        if combined is None and replaced and re.match(r"(?:only|just|those|the ones|ones|people|customers)\b|.*\b(?:where|whose|with|who)\b", rest):
            # "what about only where the cart was over 150": no kind to swap, so one more condition
            condition = re.sub(r"^(?:only|just)\s+(?:where\s+)?", "", rest)
            if consent_condition(condition) and consent_condition(previous):
                # "what about those who actually opted in" after ad consent: the consent asked for instead
                previous = re.sub(r"\s+", " ", CONSENT_PHRASE.sub(" ", previous)).strip()
            combined = f"{previous} and {condition}"
        if combined is None:
            return None
    return re.sub(r"\s+", " ", combined).strip()


def _swapped(previous: str, new: str) -> str | None:
    """`previous` with each kind of condition `new` names (place, time, spend, order count) put
    where the old words of that kind were (or added, when it had none); None when `new` names
    none of them, so the follow-up is not a swap."""
    previous = words_to_numbers(previous)
    new = words_to_numbers(new)
    swaps: list[tuple[list[tuple[int, int]], str]] = []
    if places := _places(new):
        old = _place_matches(previous)
        excluded = re.search(rf"\b(?:{EXCLUDE_VERBS})\b", new)
        # "revenue from US customers" -> "from canada customers": the old preposition is kept
        # and "us customers" -> "canada customers": none where there was none
        preposition = next((match.group(1) + " " for match in old if match.group(1)), "" if old else "in ")
        if old and not preposition and all(previous[m.start():m.end()].removeprefix("the ") in DEMONYMS for m in old):
            preposition = "people in "  # "how many germans ordered" -> "how many people in france ordered"
        present = [match for match in old if any(re.search(rf"\b{re.escape(place)}\b", match.group(0)) for place in places)]
        if excluded and present and len(present) < len(old):
            # "drop sweden" from three countries: the other two ("in germany, france" keeps its "in")
            swaps.append((_merged_spans([match.span() for match in present]), next((f"{m.group(1)} " for m in present if m.group(1)), "")))
        elif excluded:
            swaps.append(([], "excluding " + " and ".join(places)))  # "but not germany" after the EU: the EU without it
        else:
            # "the us" is found as "us" too: one span, or the second edit cuts into the first
            swaps.append((_merged_spans([match.span() for match in old]), preposition + " and ".join(places)))
    now = zone_now()
    new_time = time_of(new, now)
    if new_time.any:
        old_time = time_of(previous, now)
        parts = clauses(previous)
        last_kind = max(parts, key=lambda kind: previous.rfind(parts[kind].strip()[:20])) if parts else None
        if not old_time.any and SPEND.search(previous) and (re.search(r"\b(?:spen[dt]|spending)\b", new) or last_kind == "spend"):
            # "same but for the last 30 days of spend" after a lifetime spend: the spend gets the time
            previous = re.sub(r"\s+(?:in total|lifetime|ever|of all time|all time)\b", "", previous)
        old = []
        if old_time.any:
            found = time_words_in(previous, old_time.source)
            if found is None:
                return None  # cannot tell which words were the old time: better not to guess
            old = [found.span()]
        swaps.append((old, new_time.source))
    # the spend, and the order count in numbers or in words, each swapped as one kind
    for kind in ((SPEND,), (ORDER_RANGE, ORDER_COUNT, REPEAT_BUYERS, ONE_TIME_BUYERS)):
        if found := next((match for pattern in kind if (match := pattern.search(new))), None):
            old = _merged_spans([match.span() for pattern in kind for match in pattern.finditer(previous)])
            lifetime = " in total" if kind[0] is SPEND and re.search(r"\b(?:in total|total|lifetime|all.time)\b", new[found.end():]) else ""
            said = found.group(0)
            if kind[0] is not SPEND and not old and not re.search(r"\b(?:order|bought|purchas|buy)", said):
                said = "who ordered " + said  # "and at least three times?" after a spend question: orders
            swaps.append((old, ("who " if kind[0] is SPEND else "") + said + lifetime))
    if not swaps:
        return None
    # the last spans first, so the earlier ones keep their places
    edits = []
    for spans, words in swaps:
        spans = sorted(spans)
        edits += [(spans[0], words)] + [(span, "") for span in spans[1:]] if spans else []
        if not spans:
            previous = f"{previous} {words}"
    for (begin, end), words in sorted(edits, key=lambda edit: -edit[0][0]):
        previous = f"{previous[:begin]} {words} {previous[end:]}"
    # joiners left dangling by the words taken out ("in , and")
    previous = re.sub(r"(?:\s*,\s*|\s+and\s+|\s+or\s+)+(?=\s*(?:,|$))", " ", previous)
    previous = re.sub(r"\b(in|from)\s*(?:,\s*|and\s+|or\s+)+", r"\1 ", previous)  # "in , france and the uk"
    return re.sub(r"\s+", " ", previous).strip(" ,")


def _place_matches(previous: str) -> list[re.Match[str]]:
    """Where `previous` names each of its places, with the words that lead in ("excluding", "living
    in", "from the"); group 1 is the preposition when there is one."""
    return [match for words in _places(previous)
            for match in re.finditer(rf"(?:\b(?:{EXCLUDE_VERBS})\s+)?(?:\b(?:based |living |located )?(in|from) )?(?:the )?"
                                     rf"\b{re.escape(words)}\b", previous)]


def _without_places(previous: str) -> str:
    """`previous` with its places taken out ("... from customers in germany" -> "...")."""
    spans = _merged_spans([match.span() for match in _place_matches(previous)])
    for begin, end in reversed(spans):
        previous = previous[:begin] + " " + previous[end:]
    previous = re.sub(r"\b(?:from|by|of) customers\s+customers\b", "", previous)
    previous = re.sub(r"(?:\s*,\s*|\s+and\s+|\s+or\s+|\s+from\s+customers)+(?=\s*(?:,|$))", " ", previous)
    return re.sub(r"\s+", " ", previous).strip(" ,")


def _merged_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans as one ("between 5 and 9 times" is found whole and as "9 times")."""
    merged: list[tuple[int, int]] = []
    for begin, end in sorted(spans):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((begin, end))
    return merged


def _places(text: str) -> list[str]:
    """The words naming places in `text`, bare ("france") or where a place goes ("the US")."""
    found = countries_in(text)[1] + [phrase for _, _, phrase in regions_in(state_people(text))] + place_words(text)
    if re.search(r"\bthe (?:us|u\.s\.?|usa)\b", text):
        # "the us", once: a bare "us" is no place when the words are put back ("are from us")
        found = [word for word in found if word not in ("us", "usa", "u.s.", "u.s")] + ["the us"]
    return list(dict.fromkeys(found))


# "and the week before?": the same length of time, just before the thread's last period
BEFORE = re.compile(r"^(?:the |that )?(?:(?:week|month|day|year|period|one|time|fortnight) before(?: that)?|previous (?:week|month|day|year"
                    r"|period|one)|prior (?:week|month|year|period)|(?:week|month|year) prior"
                    r"|(?:\d+) (?:days?|weeks?) (?:before|prior)(?: that| it| then)?|(?:previous|prior) (?:\d+) (?:days?|weeks?))$")
# the length a "before" names, in days ("the week before" after "yesterday" is the 7 days before it)
BEFORE_LENGTH = re.compile(r"\b(?:(\d+) )?(day|week|fortnight)s?\b")


def _shifted(previous: str, asked: str = "") -> str | None:
    """`previous` with its period moved back by its own length (a calendar month to the month
    before), or by the length `asked` names ("the week before", "the 7 days before that"), as
    explicit days so the reading says which; None when it names no period."""
    now = zone_now()
    previous = words_to_numbers(previous)
    old = time_of(previous, now)
    if old.period is not None:
        start, end = old.period.start, old.period.end
    elif old.win is not None:
        end, start = now, now - timedelta(hours=old.win.hours)
    else:
        return None
    first = start.date()
    named = BEFORE_LENGTH.search(asked)
    if named and not (named.group(2) == "day" and not named.group(1)):
        days = int(named.group(1) or 1) * {"day": 1, "week": 7, "fortnight": 14}[named.group(2)]
        before = (first - timedelta(days=days), first - timedelta(days=1))
    elif first.day == 1 and end.date().day == 1 and (end.date() - first).days in range(28, 32):
        before = ((first - timedelta(days=1)).replace(day=1), first - timedelta(days=1))  # the calendar month before
    else:
        length = end - start
        before = ((start - length).date(), (start - timedelta(seconds=1)).date())
    found = time_words_in(previous, old.source)
    if found is None:
        return None
    days = f"between {before[0].isoformat()} and {before[1].isoformat()}"
    return f"{previous[:found.start()]} {days} {previous[found.end():]}"

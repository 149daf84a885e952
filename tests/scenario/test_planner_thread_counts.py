"""Counts and order numbers asked in a marketer's words, several in one thread, through the
conversation engine and the offline planner, on a seeded demo store: each number in the reply
must equal the one computed here from the raw rows, and a follow-up must keep the thread's
audience ("and who spent over 300 in total?" is of the people just counted).

Mutations tried: without `conditions.NO_CONSENT` "have no email consent" counted the people
*with* consent (the opposite); without `extract.FIRST_ORDER` "made their first order in the last
30 days" counted people with exactly one order then; without the "and" reading of
`choose._plan` (refine on the words before the openers are taken off) "and who spent over 300
in total?" counted everyone over 300; without `refine.ORDER_QUESTION` "only UK buyers" after a
revenue question repeated every country's revenue; without `order_summary`'s `by` the ranking
question gave the total alone; without `conversation`'s copy of `Plan.orders_of` "and in the last
60 days?" after "what did they spend" gave the whole shop's revenue; without
`campaigns.campaign_audience_narrowed` "how many in germany would get it?" counted every German;
without `conditions.SIGNED_LONG_AGO` "signed up over six months ago" counted the newer sign-ups.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, timezone

import orjson
import pytest
from sqlalchemy import text

from bot.engine.conversation import Conversation
from tests.count_support import aware, reply_number
from tools.ingest.seed import seed_store

NOW = datetime.now(timezone.utc)


@pytest.fixture
def store(engine):
    seed_store(engine, contacts=150, now=NOW)
    with engine.connect() as connection:
        people = {row.id: row for row in connection.execute(text(
            "SELECT id, email, country, region, email_consent, ad_consent, do_not_sell FROM contacts WHERE email IS NOT NULL"))}
        orders = defaultdict(list)
        for row in connection.execute(text("SELECT contact_id, occurred_at, properties FROM events WHERE name = 'Order Completed'")):
            properties = row.properties if isinstance(row.properties, dict) else orjson.loads(row.properties)
            orders[row.contact_id].append((aware(row.occurred_at), float(properties["total"])))
    return people, orders


def _ask(engine, settings, *requests: str) -> list[str]:
    talk = Conversation(engine, settings, use_agent=False)
    return [talk.handle(request, "UAPPROVER", "T-thread").text for request in requests]


def test_negated_consent_and_do_not_sell_are_read_as_said(engine, settings, store):
    people, orders = store
    no_consent, german_buyers, uk_ads = _ask(engine, settings, "how many people have no email consent?",
                                             "how many germans bought from us without ever opting in",
                                             "how many uk contacts gave us ad consent and arent do not sell")
    assert "without email consent" in no_consent.splitlines()[0], no_consent
    assert reply_number(no_consent) == len([k for k, p in people.items() if p.email_consent in ("none", "opt_out")]), no_consent
    assert reply_number(german_buyers) == len([k for k, p in people.items() if p.country == "DE" and orders.get(k)
                                          and p.email_consent in ("none", "opt_out")]), german_buyers
    assert reply_number(uk_ads) == len([k for k, p in people.items() if p.country == "GB" and p.ad_consent and not p.do_not_sell]), uk_ads


def test_first_orders_and_order_ranges(engine, settings, store):
    people, orders = store
    since = NOW - timedelta(days=30)
    first, ranged = _ask(engine, settings, "how many customers made their first order in the last 30 days",
                         "how many customers ordered between 2 and 4 times")
    assert "whose first order was in the last 30 days" in first.splitlines()[0], first
    assert reply_number(first) == len([k for k in people if orders.get(k) and min(at for at, _ in orders[k]) >= since]), first
    assert reply_number(ranged) == len([k for k in people if 2 <= len(orders.get(k, [])) <= 4]), ranged


def test_and_follow_ups_keep_the_threads_audience(engine, settings, store):
    people, orders = store
    first, more = _ask(engine, settings, "how many people in the uk have ordered 2 or more times", "and who spent over 300 in total?")
    gb_repeat = [k for k, p in people.items() if p.country == "GB" and len(orders.get(k, [])) >= 2]
    assert reply_number(first) == len(gb_repeat), first
    assert reply_number(more) == len([k for k in gb_repeat if sum(total for _, total in orders[k]) > 300]), more


def test_revenue_follow_ups_and_the_ranking_by_country(engine, settings, store):
    people, orders = store
    since = NOW - timedelta(days=30)
    total, uk, ranked = _ask(engine, settings, "what's our revenue in the last 30 days", "only UK buyers",
                             "which country brought in the most revenue in the last 30 days")
    by_country: dict[str, float] = defaultdict(float)
    for key, placed in orders.items():
        if key in people:
            by_country[people[key].country or "unknown"] += sum(value for at, value in placed if at >= since)
    assert f"revenue {round(sum(by_country.values()), 2):,.2f}" in total, total
    assert "in GB" in uk.splitlines()[0] and f"revenue {round(by_country['GB'], 2):,.2f}" in uk, uk
    best = max(by_country, key=by_country.get)
    assert f"By country, ranked by revenue: {best} " in ranked, ranked
    assert f"revenue {round(by_country[best], 2):,.2f}" in ranked.split("By country", 1)[1], ranked


def test_a_segment_is_redefined_in_words_and_never_saved_half_read(engine, settings, store):
    people, orders = store
    unread, saved, replaced = _ask(engine, settings, "save the uk big spenders as a segment called uk_whales",
                                   "create a segment called uk_whales of uk customers",
                                   "replace uk_whales with uk customers who spent over 1000 in total")
    assert "nothing was saved" in unread and "'big spenders'" in unread, unread
    assert "version 2 of segment 'uk_whales'" in replaced, replaced
    assert reply_number(replaced.split("\n\n", 1)[1].split("version 2", 1)[1]) == len(
        [k for k, p in people.items() if p.country == "GB" and sum(total for _, total in orders.get(k, [])) > 1000]), replaced


def test_their_orders_follow_ups_stay_with_the_people_counted(engine, settings, store):
    """"how many germans ordered 3+ times", "what did they spend in the last 30 days", "and in the
    last 60?": both revenue answers are those people's, not the whole shop's (ThreadState.orders_of)."""
    people, orders = store
    count, recent, wider = _ask(engine, settings, "how many germans ordered at least twice", "what did they spend in the last 30 days",
                                "and in the last 60 days?")
    germans = {key for key, person in people.items() if person.country == "DE" and len(orders.get(key, [])) >= 2}
    assert reply_number(count) == len(germans), count
    for reply, days in ((recent, 30), (wider, 60)):
        since = NOW - timedelta(days=days)
        spent = sum(value for key in germans for at, value in orders[key] if at >= since)
        assert "revenue by contacts in DE" in reply.splitlines()[0], reply
        assert f"revenue {round(spent, 2):,.2f}" in reply, reply


def test_who_in_a_place_would_get_the_campaign_is_its_audience_there_and_who_got_it_is_its_report(engine, settings, store):
    """"how many in germany would get it?" in a win-back's thread counts the win-back's audience in
    Germany, not every German; "how many people got the win back email?" is its report, not a count."""
    people, orders = store
    talk = Conversation(engine, settings, use_agent=False)
    talk.handle("build a winback for people who haven't ordered in 90 days: 15% off right away", "UAPPROVER", "T-reach")
    there = talk.handle("how many in germany would get it?", "UAPPROVER", "T-reach").text
    cutoff = NOW - timedelta(days=90)
    lapsed = [key for key, person in people.items() if person.country == "DE" and orders.get(key)
              and max(at for at, _ in orders[key]) < cutoff]
    assert "audience in DE" in there.splitlines()[0], there
    assert reply_number(there) == len(lapsed), there
    got = talk.handle("how many people got the win back email?", "UAPPROVER", "T-reach")
    assert [call.name for call in got.calls] == ["campaign_report"], got.text
    assert "0 sent" in got.text, got.text


def test_signed_up_over_six_months_ago_is_before_then_and_drop_one_place_keeps_the_others(engine, settings, store):
    """"signed up over six months ago" counts sign-ups older than 180 days (it once counted the
    newer ones); "drop germany" after three countries counts the other two."""
    people, orders = store
    with engine.connect() as connection:
        signed = {row.id: aware(row.created_at) for row in connection.execute(text("SELECT id, created_at FROM contacts WHERE email IS NOT NULL"))}
    old, places = _ask(engine, settings, "how many people signed up over six months ago", "how many customers in germany, france and the uk")
    cutoff = (NOW - timedelta(days=180)).date()
    assert reply_number(old) == len([key for key, at in signed.items() if at.date() < cutoff]), old
    talk = Conversation(engine, settings, use_agent=False)
    talk.handle("how many customers in germany, france and the uk", "UAPPROVER", "T-drop")
    dropped = talk.handle("drop germany", "UAPPROVER", "T-drop").text
    assert reply_number(dropped) == len([key for key, person in people.items() if person.country in ("FR", "GB")]), dropped

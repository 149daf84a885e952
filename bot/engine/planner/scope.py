"""Requests outside what Nudge does (SMS, buying ads, refunds, forecasts, posting to social media,
shop prices, creating codes in the shop, plain contact lists): said plainly, with the nearest
thing it can do, instead of being read as a nearby request ("send an SMS to cart abandoners"
must not build an email campaign).
"""

from __future__ import annotations

import re

from bot.engine.memory import ThreadState
from bot.engine.planner.plans import Plan

# (what the sentence asks, what Nudge cannot do, what it can do instead)
OUTSIDE = (
    (r"\b(sms|text messages?|texts? (them|everyone|people|customers)|(?:^|(?:you|we|i|please|pls|to|and) )text (our |the |all |my |those |these )?(\w+ )?(customers|people"
     r"|subscribers|vips?|list|contacts|buyers|shoppers|abandoners)|whatsapp|push notifications?|in-app messages?"
     r"|direct mail|postcards?|letters? in the post)\b",
     "send that: Nudge sends email only (and writes ad copy)",
     'Ask for an email instead, e.g. "build an abandoned-cart sequence".'),
    (r"\b(buy|purchase|boost\w*|place|book|promote)\b.*\b(ads?|adverts?|advertising|ad space|impressions|posts?)\b"
     r"|\bspend\b.*\d.*\b(on|boosting|promoting)\b.*\bads?\b|\bad (budget|spend)\b"
     r"|\b(run|launch|start|set up|create)\b.*\bad campaigns?\b|[$€£]\s*\d+.*\bad campaigns?\b"
     r"|\bspend\b.*\d.*\bon (facebook |meta |google |instagram |linkedin )?ads\b|\b(run|launch|start) (an? )?(ad|ads|advertising)"
     r" campaigns? on\b|\bad budgets?\b",
     "buy or run ads: Nudge writes ad copy and exports hashed audiences; the ad platform runs them",
     'Try e.g. "write meta ad copy for our summer sale" or "export the cart abandoners to meta".'),
    (r"\bput [$€£]?\s*\d[\d,.]*k?\s*(?:dollars |euros |pounds |bucks )?(?:behind|into|on)\b",
     "buy or run ads: Nudge writes ad copy and exports hashed audiences; the ad platform runs them",
     'Try e.g. "write meta ad copy for our summer sale" or "export the cart abandoners to meta".'),
    (r"\brename\b(?!.*\b(?:subject|headline|preheader|subject line)s?\b)|\bchange (?:the |its |the campaign'?s? )?name\b",
     "rename a campaign or a segment: its name is the one it was built with",
     "Build it again under the new name, or refer to it by its number (\"campaign 7\")."),
    (r"\brefund", "issue refunds: that happens in your shop's admin", "Nudge only reads orders."),
    (r"\b(conversion rate|ctr|cpc|cpm|roas|cost per \w+|ad spend|clicks?|impressions|performance|results?)\b.*\b(on|of|for|from|in) (our )?"
     r"(google|facebook|meta|instagram|linkedin|tiktok) ads\b|\b(google|facebook|meta|instagram|linkedin|tiktok) ads?\b.*\b(performance|"
     r"conversion rate|ctr|cpc|roas|results|doing|performing)\b",
     "read ad platform results: Nudge writes ad copy and exports audiences, the ad platform reports on the ads",
     'I report on Nudge\'s emails, e.g. "how did the cart sequence do last week?".'),
    (r"\b(change|set|update|lower|raise|drop|reduce|increase|cut|slash|mark down)\b.*\bprices?\b(?!.*\b(email|ad|copy)\b)",
     "change prices: that happens in your shop's admin", "Nudge only reads the catalogue."),
    (r"\b(predict|forecast|projections?|project|extrapolate)\b|\b(revenue|sales|orders) (will|are going to)\b|\bnext (month|week|"
     r"quarter|year)'?s? (revenue|sales|orders)\b|\bwill (we|i) (make|sell|earn)\b",
     "forecast: Nudge reports what happened, not what will",
     'Ask e.g. "revenue last month" or "orders in the last 30 days".'),
    (r"\b(post|publish|tweet|share)\b.*\b(on|to) (our |my |the )?(twitter|x|tiktok|instagram|facebook|linkedin|pinterest|threads|socials?"
     r"|social media)\b|\bfollowers?\b|\bfollower count\b",
     "post to or read social media accounts",
     'I can write ad copy, e.g. "write meta ad copy for our new winter collection".'),
    (r"\b(create|make|generate|set up|add)\b.*\b(discount|coupon|promo|voucher) codes?\b.*\b(in|on) (shopify|woocommerce|woo|"
     r"the shop|our shop|the store|our store)\b",
     "create codes in your shop",
     "Create them in the shop's admin, then import them for a step with nudge discount import (see the README)."),
    (r"^(?!.*\b(lookalike|look-alike|seed|export|meta|google|facebook|how many|count|number of|email|emails|campaign|sequence"
     r"|flow)\b).*(\b(top|best|biggest|highest)\s+(\d+\s+)?(customers|spenders|buyers)\b|\bwho (are|is) (my|our) (best|top|biggest)\b)",
     "show individual customers in chat (their personal data stays out of threads)",
     'I can count them ("how many customers spent over 500?") or export the best ones as a hashed lookalike seed '
     '("lookalike seed of our top 500 customers for meta").'),
    (r"\b(average|avg|mean|median|total|typical|combined)\b.*\b(cart|basket|checkout)s?\b.*\b(value|size|worth|amount|total)s?\b"
     r"|^(what|whats|what's|how|show|tell|give)\b.*\b(cart|basket|checkout) (value|size)s?\b(?!\s*(over|under|above|below|of|>|<))|\bvalue of (the |all |our )?(abandoned )?(carts|baskets|checkouts)\b"
     r"|\b(abandoned|lost) (cart |checkout )?revenue\b|\bhow much (money )?(is|was|are|were) (left|sitting|abandoned) in\b",
     "total or average the value of carts: Nudge counts the people who abandoned them and reports orders and revenue",
     'Ask e.g. "how many people abandoned a cart yesterday?" or "average order value last month".'),
    (r"\b(cart|checkout|browse|funnel|site|store|shop|website|landing page|product page)\b[\w -]{0,30}\b(conversion|abandonment|drop.?off|bounce)"
     r" rates?\b|\b(conversion|abandonment|drop.?off|bounce) rates? (of|for|on|from) (the |our )?(cart|checkout|funnel|site|store|shop|website)"
     r"|\b(cart|view|browse|visit)s? to (checkout|cart|order|purchase)s?\b.*\b(rate|ratio|percent|%)|\b(traffic|page ?views|sessions"
     r"|visits|unique visitors)\b(?!.*\b(who|people|contacts|customers)\b)"
     r"|\b(conversion|drop.?off|abandonment) rates? from\b|\bvisitors\b.*\b(site|store|shop|website)\b(?!.*\bwho\b)",
     "report funnel rates or site traffic: Nudge counts the people at each stage and reports orders, revenue and its emails' results",
     'Ask e.g. "how many started checkout this week?", "how many ordered this week?" or "how did the cart sequence do?".'),
    (r"\bphone numbers?\b|\b(download|csv|spreadsheet|excel|list)\b.*\b(all|every)\b.*\b(emails?|addresses|contacts)\b"
     r"(?!.*\b(meta|facebook|google|hashed|ads?)\b)",
     "hand out plain contact lists: ad exports are hashed, and one person's data comes from an access request",
     'Try e.g. "export the cart abandoners to meta" or "what data do we have on jo@example.com".'),
)


def outside(clean: str, lowered: str, state: ThreadState) -> Plan | None:
    """A plain "I can't ..." with the nearest thing Nudge can do, when the request is outside it."""
    for pattern, cannot, instead in OUTSIDE:
        if re.search(pattern, lowered):
            return Plan("out_of_scope", answer=f"I can't {cannot}. {instead}")
    return None


PATTERN = "|".join(f"(?:{pattern})" for pattern, _, _ in OUTSIDE)

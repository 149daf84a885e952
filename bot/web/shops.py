"""The shop doors' routes: Shopify (`bot.web.shopify`) and WooCommerce (`bot.web.woocommerce`).

What the two doors share (signatures, once-per-delivery storing, the shop's consent) is
`bot.web.shop_door`; `bot.web.app` collects these routes with the other doors'.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from bot.web import shopify, woocommerce
from tools.core.settings import Settings


def routes(settings: Settings) -> list[BaseRoute]:
    return [*shopify.routes(settings), *woocommerce.routes(settings)]

"""The segment language: a pydantic tree of all/any/not over attribute, event, since and aggregate.

A `SegmentSpec` is what a marketer (or the LLM, which sees these models as its tool schema)
writes to describe an audience, e.g. the abandoned cart::

    {"all": [{"since": "Checkout Started", "within_last": "24h", "then_not": "Order Completed"},
             {"attribute": "email", "op": "exists"}]}

Each node is recognised by its own key (`all`, `any`, `not`, `attribute`, `event`, `since`,
`aggregate`). Validation here is purely structural: known fields, operators that suit the field,
values of the right shape, windows like "24h", "7d" or "2w". Event names are checked against
the database by `tools.audience.segments`, and `tools.audience.sql` turns a valid spec into SQL.
"""

from __future__ import annotations

import operator
import re
from datetime import datetime, timezone
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    RootModel,
    Tag,
    field_validator,
    model_validator,
)

from tools.core import windows
from tools.core.vocabulary import SuppressionReason
from tools.core.windows import DURATION, normal_duration

CONSENT_STATES = ("none", "opt_in", "soft_opt_in", "opt_out")
SUPPRESSION_REASONS = tuple(str(reason) for reason in SuppressionReason)
FIELD_KINDS = {
    "email": "text",
    "country": "country",
    "region": "text",
    "timezone": "text",
    "created_at": "time",
    "consent_at": "time",  # when their email consent was last given or changed
    "email_consent": "consent",
    "ad_consent": "flag",
    "do_not_sell": "flag",
    # on the suppression list, by reason (unsubscribed, bounced, complained, erased): "exists" for any
    "suppressed": "suppression",
    # when the address went on that list (its latest entry): "who unsubscribed in the last 30 days"
    "suppressed_at": "suppression_time",
}
OPERATORS_BY_KIND = {
    "text": ("eq", "ne", "in", "contains", "exists"),
    "country": ("eq", "ne", "in", "exists"),
    "consent": ("eq", "ne", "in"),
    "suppression": ("eq", "in", "exists"),
    "suppression_time": ("gt", "lt", "within_last"),
    "flag": ("eq", "ne"),
    "time": ("gt", "lt", "within_last"),
    "json": ("eq", "ne", "in", "contains", "gt", "lt", "exists"),
}
KNOWN_FIELDS = ", ".join([*FIELD_KINDS, "traits.<key>"])
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_\- ]{0,63}$")
MAX_LIST = 1000
MAX_LEAVES = 40
# What the comparison operators mean, for SQL expressions and Python values alike.
COMPARE = {"eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "lt": operator.lt}

Operator = Literal["eq", "ne", "in", "contains", "gt", "lt", "exists", "within_last"]
PropertyOperator = Literal["eq", "ne", "in", "contains", "gt", "lt", "exists"]


Window = Annotated[str, AfterValidator(normal_duration), Field(description='e.g. "24h", "7d", "2w"')]


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _key(text: str, prefix: str) -> str:
    key = text.strip().removeprefix(prefix)
    if not KEY_PATTERN.match(key):
        raise ValueError(
            f"'{text}' is not a usable key; use letters, digits, spaces, '_' or '-' (max 64)"
        )
    return key


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _scalar(value: Any, what: str) -> Any:
    if isinstance(value, (str, bool)) or _is_number(value):
        return value
    raise ValueError(f"{what} needs a text, number or true/false value, got {value!r}")


def json_value(op: str, value: Any, what: str) -> Any:
    """Check a value compared with a JSON property or trait, for operator `op`."""
    if op in ("eq", "ne"):
        return _scalar(value, what)
    if op == "in":
        if not isinstance(value, list) or not 0 < len(value) <= MAX_LIST:
            raise ValueError(f"{what} 'in' needs a list of 1 to {MAX_LIST} values")
        return [_scalar(item, what) for item in value]
    if op == "contains":
        if not isinstance(value, str) or not value:
            raise ValueError(f"{what} 'contains' needs a non-empty text value")
        return value
    if op in ("gt", "lt"):
        if not _is_number(value):
            raise ValueError(f"{what} '{op}' needs a number, got {value!r}")
        return value
    if value is None:
        return True
    if not isinstance(value, bool):
        raise ValueError(f"{what} 'exists' takes true or false, got {value!r}")
    return value


class Node(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class PropertyFilter(Node):
    """A test on one event property: `{"property": "total", "op": "gt", "value": 100}`."""

    property: str = Field(description='an event property, e.g. "total" or "product_id"; "products" contains "scarf": an order '
                                      'line whose product name, or catalogue name or category, contains it')
    op: PropertyOperator
    value: Any = None

    @field_validator("property")
    @classmethod
    def _property(cls, value: str) -> str:
        return _key(value, "properties.")

    @model_validator(mode="after")
    def _value(self) -> PropertyFilter:
        self.value = json_value(self.op, self.value, f"property '{self.property}'")
        return self


class AttributeCondition(Node):
    """A contact field compared with a value, e.g. country in ["DE", "FR"], traits.plan eq "pro"."""

    attribute: str = Field(description=f"one of: {KNOWN_FIELDS}")
    op: Operator
    value: Any = None

    @property
    def kind(self) -> str:
        return "json" if self.attribute.startswith("traits.") else FIELD_KINDS[self.attribute]

    @property
    def trait(self) -> str:
        return self.attribute.removeprefix("traits.")

    @model_validator(mode="after")
    def _check(self) -> AttributeCondition:
        if self.attribute.startswith("traits."):
            self.attribute = "traits." + _key(self.attribute, "traits.")
        elif self.attribute not in FIELD_KINDS:
            raise ValueError(f"unknown field '{self.attribute}'; known fields: {KNOWN_FIELDS}")
        allowed = OPERATORS_BY_KIND[self.kind]
        if self.op not in allowed:
            raise ValueError(
                f"field '{self.attribute}' does not take '{self.op}'; use one of: {', '.join(allowed)}"
            )
        self.value = _field_value(self.kind, self.op, self.value, f"field '{self.attribute}'")
        return self


def _field_value(kind: str, op: str, value: Any, what: str) -> Any:
    if kind == "json":
        return json_value(op, value, what)
    if op == "exists":
        return json_value(op, value, what)
    if kind in ("time", "suppression_time"):
        return _time_value(op, value, what)
    if kind == "flag":
        if not isinstance(value, bool):
            raise ValueError(f"{what} needs true or false, got {value!r}")
        return value
    values = value if op == "in" else [value]
    if op == "in" and (not isinstance(value, list) or not 0 < len(value) <= MAX_LIST):
        raise ValueError(f"{what} 'in' needs a list of 1 to {MAX_LIST} values")
    cleaned = [_text_value(kind, item, what) for item in values]
    return cleaned if op == "in" else cleaned[0]


def _text_value(kind: str, value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} needs a non-empty text value, got {value!r}")
    value = value.strip()
    if kind == "country":
        if not re.fullmatch(r"[A-Za-z]{2}", value):
            raise ValueError(f"{what} takes two-letter country codes (DE, US, GB), got '{value}'")
        return value.upper()
    if kind == "consent" and value not in CONSENT_STATES:
        raise ValueError(f"{what} is one of {', '.join(CONSENT_STATES)}, got '{value}'")
    if kind == "suppression" and value not in SUPPRESSION_REASONS:
        raise ValueError(f"{what} is one of {', '.join(SUPPRESSION_REASONS)}, got '{value}'")
    return value


def _time_value(op: str, value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} needs a window (\"7d\") or an ISO date-time, got {value!r}")
    if op == "within_last" or DURATION.match(value):
        return normal_duration(value)
    try:
        return _aware(datetime.fromisoformat(value)).isoformat()
    except ValueError:
        raise ValueError(
            f"{what} needs a window (\"7d\") or an ISO date-time (2026-11-01), got '{value}'"
        ) from None


def moment(value: str, now: datetime) -> datetime:
    """A validated time value: a window means that long before `now`."""
    if DURATION.match(value):
        return now - windows.duration(value)
    return datetime.fromisoformat(value)


class EventCondition(Node):
    """Did (or did not) do an event, optionally filtered by properties, in a window, N times."""

    event: str = Field(description='an event name, e.g. "Product Viewed"')
    did: bool = True
    where: list[PropertyFilter] = Field(default_factory=list, max_length=10)
    within_last: Window | None = None
    between: tuple[datetime, datetime] | None = None
    at_least: int | None = Field(None, ge=0)
    at_most: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _check(self) -> EventCondition:
        _check_window_choice(self.within_last, self.between)
        if self.between:
            self.between = (_aware(self.between[0]), _aware(self.between[1]))
        if self.at_least is not None and self.at_most is not None and self.at_least > self.at_most:
            raise ValueError(f"at_least ({self.at_least}) is more than at_most ({self.at_most})")
        return self


def _check_window_choice(within_last: str | None, between: tuple | None) -> None:
    if within_last and between:
        raise ValueError("give either within_last or between, not both")
    if between and _aware(between[0]) >= _aware(between[1]):
        raise ValueError("between needs [start, end] with start before end")


class SinceCondition(Node):
    """Did `since` (in a window) and not `then_not` after it, or has not done `since` for a while.

    Abandoned cart: {"since": "Checkout Started", "within_last": "24h", "then_not": "Order Completed"}.
    Lapsed: {"since": "Order Completed", "inactive_for": "60d"} (did it before, not in 60 days).
    """

    since: str = Field(description="the event that happened")
    within_last: Window | None = None
    between: tuple[datetime, datetime] | None = Field(
        None, description="[start, end): the event happened in this period (\"abandoned a cart yesterday\"); with then_not only")
    where: list[PropertyFilter] = Field(default_factory=list, max_length=10)
    then_not: str | None = Field(None, description="an event that must not have followed it")
    inactive_for: Window | None = Field(None, description="no `since` event for this long")

    @model_validator(mode="after")
    def _check(self) -> SinceCondition:
        if (self.then_not is None) == (self.inactive_for is None):
            raise ValueError("a since condition needs exactly one of then_not or inactive_for")
        _check_window_choice(self.within_last, self.between)
        if self.between:
            if self.inactive_for:
                raise ValueError("between goes with then_not (an event in a period not followed by another), not inactive_for")
            self.between = (_aware(self.between[0]), _aware(self.between[1]))
        return self


class AggregateCondition(Node):
    """Lifetime or windowed sum/count of an event compared with a value (spend gt 500)."""

    aggregate: Literal["sum", "count"]
    event: str = Field(description='an event name, e.g. "Order Completed"')
    property: str | None = Field(None, description='the summed property, e.g. "total"')
    where: list[PropertyFilter] = Field(default_factory=list, max_length=10)
    within_last: Window | None = None
    between: tuple[datetime, datetime] | None = Field(None, description="[start, end): only events in this period count")
    op: Literal["eq", "ne", "gt", "lt"]
    value: float

    @model_validator(mode="after")
    def _check(self) -> AggregateCondition:
        _check_window_choice(self.within_last, self.between)
        if self.between:
            self.between = (_aware(self.between[0]), _aware(self.between[1]))
        if self.aggregate == "sum":
            if not self.property:
                raise ValueError("aggregate 'sum' needs a property to add up, e.g. \"total\"")
            self.property = _key(self.property, "properties.")
        elif self.property is not None:
            raise ValueError("aggregate 'count' counts events; leave out property")
        return self


class AllOf(Node):
    """Every condition holds."""

    all: list[Condition] = Field(min_length=1, max_length=MAX_LEAVES)


class AnyOf(Node):
    """At least one condition holds."""

    any: list[Condition] = Field(min_length=1, max_length=MAX_LEAVES)


class NotOf(Node):
    """The condition does not hold."""

    not_: Condition = Field(alias="not")


NODE_KEYS = ("all", "any", "not", "attribute", "since", "aggregate", "event")


def _node_kind(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return _TAGS.get(type(value))
    if isinstance(value, dict):
        if "not_" in value:
            return "not"
        return next((key for key in NODE_KEYS if key in value), None)
    return None


Condition = Annotated[
    Union[
        Annotated[AllOf, Tag("all")],
        Annotated[AnyOf, Tag("any")],
        Annotated[NotOf, Tag("not")],
        Annotated[AttributeCondition, Tag("attribute")],
        Annotated[SinceCondition, Tag("since")],
        Annotated[AggregateCondition, Tag("aggregate")],
        Annotated[EventCondition, Tag("event")],
    ],
    Discriminator(
        _node_kind,
        custom_error_type="unknown_condition",
        custom_error_message="a condition needs one of the keys: " + ", ".join(NODE_KEYS),
        custom_error_context={"keys": ", ".join(NODE_KEYS)},
    ),
]

_TAGS = {AllOf: "all", AnyOf: "any", NotOf: "not", AttributeCondition: "attribute",
         SinceCondition: "since", AggregateCondition: "aggregate", EventCondition: "event"}

for _model in (AllOf, AnyOf, NotOf):
    _model.model_rebuild()


class SegmentSpec(RootModel[Condition]):
    """An audience: one condition, usually an `all` of several."""

    @model_validator(mode="after")
    def _size(self) -> SegmentSpec:
        leaves = sum(1 for _ in iter_leaves(self.root))
        if leaves > MAX_LEAVES:
            raise ValueError(f"a segment may have at most {MAX_LEAVES} conditions, this has {leaves}")
        return self

    def stored(self) -> dict[str, Any]:
        """The spec as plain JSON for the segments table."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def iter_leaves(node: Any):
    """Every non-group condition in the tree, depth first."""
    if isinstance(node, (AllOf, AnyOf)):
        for child in node.all if isinstance(node, AllOf) else node.any:
            yield from iter_leaves(child)
    elif isinstance(node, NotOf):
        yield from iter_leaves(node.not_)
    else:
        yield node


def event_names(spec: SegmentSpec) -> set[str]:
    """Every event name the spec refers to."""
    names: set[str] = set()
    for leaf in iter_leaves(spec.root):
        if isinstance(leaf, (EventCondition, AggregateCondition)):
            names.add(leaf.event)
        elif isinstance(leaf, SinceCondition):
            names.update(name for name in (leaf.since, leaf.then_not) if name)
    return names

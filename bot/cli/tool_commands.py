"""The `nudge` commands that run one tool, generated from the registry's input models.

Each tool in `tools/registry.py` gets a command: its options, their types, defaults and help come
from the tool's input model (a field's `description`, a `Literal`'s choices), and its help text
from the tool's docstring. `COMMANDS` only says where a command sits (`nudge draft approve`),
which fields are positional, and the few CLI spellings that differ from the field names
(`--since` for a report's `period`). A tool not listed gets `nudge TOOL-NAME` by itself, so a new
tool needs no hand-written command; `HAND_WRITTEN` names the few whose commands do more than
call the tool (a spec file or a saved name; writing the access export to a file).

Every generated command prints the result's summary (`--json`: the whole result), asks before
an irreversible call (or takes `--yes`), and turns bad input into one line on stderr, exit 2.
A field the shell cannot type directly (a segment spec, a list of steps) takes JSON text or the
path of a JSON file.
"""

from __future__ import annotations

import inspect
import json
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Optional

import typer
from pydantic.fields import FieldInfo

from bot.cli.common import YES_OPTION, fail, run_tool
from tools import registry
from tools.core.context import ToolResult


@dataclass(frozen=True)
class Command:
    """Where one tool's command sits and how its fields are spelled on the command line."""

    tool: str
    path: tuple[str, ...]
    positional: tuple[str, ...] = ()
    options: dict[str, str] = field(default_factory=dict)  # field -> "--flag" when it differs
    absolute: tuple[str, ...] = ()  # output paths: relative to where the shell user stands
    show: Callable[[ToolResult], None] | None = None  # printing beyond the summary
    exit_code: Callable[[ToolResult], int] | None = None


def _segment_rows(result: ToolResult) -> None:
    for row in result.segments:
        typer.echo(f"{row.name}  v{row.version}  {row.created_at:%Y-%m-%d}  {row.description or ''}".rstrip())


GROUPS = {
    "draft": "Draft, revise, approve, reject and preview emails and ad copy.",
    "campaign": "Create, edit, list, schedule, pause, resume, cancel or discard campaigns.",
    "segment": "Build, preview and list segments.",
    "audience": "Export hashed ad audiences (Meta, Google).",
    "rules": "Show or change the frequency rules.",
}

COMMANDS = [
    Command("draft_email", ("draft", "email")),
    Command("draft_ad_copy", ("draft", "ad")),
    Command("revise_draft", ("draft", "revise"), positional=("draft_id",)),
    Command("approve_draft", ("draft", "approve"), positional=("draft_id",)),
    Command("reject_draft", ("draft", "reject"), positional=("draft_id",)),
    Command("preview_draft", ("draft", "preview"), positional=("draft_id",), options={"contact_ids": "--contact"}),
    Command("check_compliance", ("check",), positional=("draft_id",),
            exit_code=lambda result: 1 if result.blocked else 0),
    Command("preflight", ("preflight",), positional=("campaign",)),
    Command("show_rules", ("rules", "show")),
    Command("set_rule", ("rules", "set"), positional=("key", "value")),
    Command("create_sequence", ("campaign", "create"), positional=("name",)),
    Command("update_sequence", ("campaign", "edit"), positional=("campaign",)),
    Command("list_campaigns", ("campaign", "list")),
    Command("schedule_campaign", ("campaign", "schedule"), positional=("campaign",)),
    Command("pause_campaign", ("campaign", "pause"), positional=("campaign",)),
    Command("resume_campaign", ("campaign", "resume"), positional=("campaign",)),
    Command("cancel_campaign", ("campaign", "cancel"), positional=("campaign",)),
    Command("discard_campaign", ("campaign", "discard"), positional=("campaign",)),
    Command("explain_contact", ("explain",), positional=("contact", "campaign")),
    Command("create_segment", ("segment", "create"), positional=("name", "spec")),
    Command("list_segments", ("segment", "list"), show=_segment_rows),
    Command("export_audience", ("audience", "export"), positional=("segment",), absolute=("out",)),
    Command("export_buyer_suppression", ("audience", "buyers"), absolute=("out",)),
    Command("export_lookalike_seed", ("audience", "lookalike"), absolute=("out",)),
    Command("forget_contact", ("forget",), positional=("contact",)),
    Command("unsubscribe_contact", ("unsubscribe",), positional=("contact",)),
    Command("purge_old_data", ("purge",)),
    Command("campaign_report", ("report",), positional=("campaign",), options={"period": "--since"}),
    Command("order_summary", ("orders",)),
]
# Tools whose command is written by hand in an area module, and that command's words: a spec file
# or a saved name; the access export written to a file; the whole audit log, as CSV too; the
# digest with its chart, posted to Slack; discount codes read from the shop's file.
HAND_WRITTEN = {"preview_segment": ("segment", "preview"), "export_contact": ("export-contact",),
                "audit_log": ("audit",), "daily_digest": ("digest",),
                "import_discount_codes": ("discount", "import"), "show_discount_codes": ("discount", "status")}
# A group run without a subcommand runs this tool: `nudge rules` shows the rules.
GROUP_DEFAULTS = {"rules": "show_rules"}
SIMPLE = (str, int, float, bool)


def every_command() -> list[Command]:
    """The listed commands, plus `nudge TOOL-NAME` for every tool nobody placed yet."""
    placed = {command.tool for command in COMMANDS} | set(HAND_WRITTEN)
    return COMMANDS + [Command(tool.name, (tool.name.replace("_", "-"),))
                       for tool in registry.TOOLS if tool.name not in placed]


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    """Add every tool command to `app`, creating the groups (`draft`, `campaign`, ...) in `groups`."""
    for command in every_command():
        target = app
        if len(command.path) == 2:
            group = command.path[0]
            if group not in groups:
                groups[group] = _group(group)
                app.add_typer(groups[group], name=group)
            target = groups[group]
        tool = registry.get(command.tool)
        short = tool.description.split("\n\n")[0].replace("\n", " ")
        target.command(command.path[-1], help=tool.description, short_help=short)(build(command, tool))


def _group(name: str) -> typer.Typer:
    default = GROUP_DEFAULTS.get(name)
    if default is None:
        return typer.Typer(no_args_is_help=True, help=GROUPS.get(name))
    group = typer.Typer(invoke_without_command=True, help=GROUPS.get(name))

    @group.callback()
    def run_default(ctx: typer.Context) -> None:
        if ctx.invoked_subcommand is None:
            typer.echo(run_tool(default, {}).summary)

    return group


def build(command: Command, tool: registry.Tool) -> Callable[..., None]:
    """A Typer command function whose parameters are the tool's input fields."""
    fields = tool.input_model.model_fields
    parameters, annotations = [], {}
    order = list(command.positional) + [name for name in fields if name not in command.positional]
    for name in order:
        kind, default = _parameter(name, fields[name], command)
        parameters.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                            annotation=kind))
        annotations[name] = kind
    extras = {"as_json": (bool, typer.Option(False, "--json", help="Print the whole result as JSON."))}
    if tool.confirm is not None:
        extras["yes"] = (bool, YES_OPTION)
    for name, (kind, default) in extras.items():
        parameters.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                            annotation=kind))
        annotations[name] = kind

    def run(**given: Any) -> None:
        as_json, yes = given.pop("as_json"), given.pop("yes", False)
        arguments = {name: _value(name, value, fields[name], command) for name, value in given.items()
                     if value is not None and value != []}
        result = run_tool(tool.name, arguments, yes)
        typer.echo(result.model_dump_json(indent=2) if as_json else result.summary)
        if command.show and not as_json:
            command.show(result)
        if command.exit_code and command.exit_code(result):
            raise typer.Exit(command.exit_code(result))

    run.__signature__ = inspect.Signature(parameters)
    run.__annotations__ = annotations
    run.__name__ = tool.name
    return run


def _parameter(name: str, info: FieldInfo, command: Command) -> tuple[Any, Any]:
    """The CLI type and the typer.Argument / typer.Option of one input field."""
    base, choices = _shape(info.annotation)
    help_text = (info.description or "").strip()
    if help_text and not help_text.endswith("."):
        help_text += "."
    if choices:
        help_text = f"{help_text} One of: {', '.join(choices)}.".strip()
    if base is _JSON:
        help_text = f"{help_text} JSON text, or the path of a JSON file.".strip()
    required = info.is_required()
    # A list a model fills in itself (default_factory=list) is simply left out when not given.
    default = None if required else info.get_default(call_default_factory=True)
    default = None if default in ([], {}) else default
    if base is _JSON or base is datetime or choices:
        base, default = str, (None if default is None else str(default) if not choices else default)
    kind = Optional[base] if default is None else base
    if name in command.positional:
        return kind, typer.Argument(... if required else None, help=help_text or None, show_default=False)
    flags = [command.options.get(name, "--" + name.replace("_", "-"))]
    if base is bool:
        flags = [f"{flags[0]}/--no-{flags[0][2:]}"]
    return kind, typer.Option(... if required else default, *flags, help=help_text or None)


class _JSON:
    """Marks a field the shell passes as JSON (a spec, steps, a dict)."""


def _shape(annotation: Any) -> tuple[Any, list[str]]:
    """(the simple type a shell can type, the choices of a Literal) for a field's annotation."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _shape(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(options) == 1:
            return _shape(options[0])
        return _JSON, []
    if origin is Literal:
        return str, [str(choice) for choice in typing.get_args(annotation)]
    if origin is list:
        (item,) = typing.get_args(annotation)
        return (list[item], []) if item in SIMPLE else (_JSON, [])
    if annotation in SIMPLE or annotation is datetime:
        return annotation, []
    return _JSON, []


def _value(name: str, value: Any, info: FieldInfo, command: Command) -> Any:
    if name in command.absolute:
        return str(Path(value).expanduser().absolute())
    if _shape(info.annotation)[0] is not _JSON or not isinstance(value, str):
        return value
    return _json_or_file(name, value, accepts_text=_accepts_text(info.annotation))


def _accepts_text(annotation: Any) -> bool:
    return str in typing.get_args(annotation) or annotation is str


def _json_or_file(name: str, text: str, accepts_text: bool) -> Any:
    """A JSON value given inline or as a file path; plain text when the field also takes text."""
    source, where = text, "the value"
    if text.endswith(".json") or (not text.lstrip().startswith(("{", "[")) and Path(text).is_file()):
        path = Path(text)
        try:
            source, where = path.read_text(encoding="utf-8"), str(path)
        except FileNotFoundError:
            fail(f"{text}: no such file")
        except (OSError, UnicodeDecodeError) as error:
            fail(f"{text}: cannot read it ({error.__class__.__name__})")
    try:
        return json.loads(source)
    except json.JSONDecodeError as error:
        if accepts_text and where == "the value":
            return text  # e.g. a saved segment's name where a name or a spec may go
        fail(f"--{name.replace('_', '-')}: {where} is not valid JSON "
             f"(line {error.lineno}, column {error.colno}: {error.msg})")

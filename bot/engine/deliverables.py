"""Files a reply delivers: an access request ("what data do we have on jo@example.com") ends in
the person's record as a JSON file, not only in a sentence saying it was exported.

`attachments` picks them out of a request's successful calls (today: `export_contact`, which
only runs confirmed, by an approver); the file never goes into the stored conversation turn.
`save` is how the console and `nudge ask` deliver one: written under NUDGE_EXPORT_DIR (inside
the working directory), readable by its owner only. Slack uploads it to the asker privately
instead (bot/slack/files.py).
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path

from bot.engine.results import Attachment, CallRecord
from tools.core.context import ToolError
from tools.core.safe_output import output_path
from tools.core.settings import Settings

FILE_TOOLS = {"export_contact"}


def attachments(records: list[CallRecord], now: datetime) -> list[Attachment]:
    """The files `records`' successful calls hand back to the asker."""
    found = []
    for record in records:
        if record.ok and record.name in FILE_TOOLS and record.result and "data" in record.result:
            who = re.sub(r"[^A-Za-z0-9]+", "-", str(record.arguments.get("contact", "contact"))).strip("-")[:60]
            name = f"contact-export-{who or 'contact'}-{now:%Y%m%dT%H%M%SZ}.json"
            content = json.dumps(record.result["data"], indent=2, ensure_ascii=False) + "\n"
            found.append(Attachment(name, content.encode("utf-8"), f"Data held on {record.arguments.get('contact')}"))
    return found


def save(attachment: Attachment, settings: Settings) -> Path:
    """Write `attachment` under the export directory (owner-only: it is personal data)."""
    target = output_path(Path(settings.export_dir) / attachment.filename,
                         example=f"NUDGE_EXPORT_DIR=exports (it holds {attachment.filename})")
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(attachment.content)
    return target


def save_all(found: list[Attachment], settings: Settings) -> list[str]:
    """Save each attachment; one line each saying where it is (or why it could not be written)."""
    lines = []
    for attachment in found:
        try:
            path = save(attachment, settings)
        except (ToolError, OSError) as error:
            lines.append(f"Could not write {attachment.filename}: {error}")
            continue
        lines.append(f"{attachment.title}: written to {_shown(path)}")
    return lines


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)

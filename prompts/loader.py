"""The one small loader for Nudge's prompt and template files (data kept apart from code).

Files live beside this module: `email/<purpose>.txt` (ready copy for each email purpose: a
`key: value` header, a `---` line, then the body's paragraphs), `email/tones.txt` (each voice's
greeting, sign-off and lines), the email layouts `email/layout.{html,txt}.j2`, ad copy pools
`ads/<purpose>.txt` (`[section]` headers, one line per candidate; `ads/offer.txt` says any ad's
discount), and the model prompts `drafting.md` and `system.md`. Everything is read as UTF-8 text
and cached; nothing here renders a template.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

PROMPTS_DIR = Path(__file__).parent


@lru_cache(maxsize=64)
def read(name: str) -> str:
    """The text of `name` (a path relative to prompts/), or FileNotFoundError naming it."""
    path = (PROMPTS_DIR / name).resolve()
    if PROMPTS_DIR.resolve() not in path.parents:
        raise FileNotFoundError(f"prompt file '{name}' is outside prompts/")
    return path.read_text(encoding="utf-8")


def email_template(purpose: str) -> dict[str, str]:
    """The ready copy for `purpose`: header fields plus `body` (paragraphs, blank-line separated)."""
    header, _, body = read(f"email/{purpose}.txt").partition("\n---\n")
    fields = {}
    for line in header.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    fields["body"] = body.strip()
    return fields


TONE_PARTS = ("greeting", "signoff", "subject_opening", "opening", "closing")


def tones() -> dict[str, dict[str, str]]:
    """Voice name -> its TONE_PARTS for the template writer (a part left empty is "")."""
    result = {}
    for line in read("email/tones.txt").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, _, rest = line.partition(":")
        parts = [part.strip().replace("\\n", "\n") for part in rest.split("|")]
        result[name.strip()] = dict(zip(TONE_PARTS, parts + [""] * len(TONE_PARTS)))
    return result


def ad_lines(purpose: str) -> dict[str, list[str]]:
    """Candidate ad lines for `purpose`, by section (`headlines`, `long`, `texts`, `short`, `paths`)."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in read(f"ads/{purpose}.txt").splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        elif line and current is not None:
            current.append(line)
    return sections

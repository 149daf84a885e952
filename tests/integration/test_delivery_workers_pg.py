"""Scale-out on PostgreSQL: four `nudge worker` processes share 3,000 due messages through
`FOR UPDATE SKIP LOCKED` claims; each is delivered exactly once, none lost.

3,000 messages in batches of 100 keep all four workers claiming side by side for 30 rounds,
which is what the test is about; 10,000 took 85 s of the suite's 5-minute budget and found
nothing more. `NUDGE_SCALE_MESSAGES=10000` runs the larger size.

The workers deliver into one shared Maildir (the embedded sender), which any number of
processes may write at once; the SMTP path itself is covered by the other integration tests.
Counting the files' recipients is counting what was delivered.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from scheduler import jobs
from tests.delivery_support import (
    add_contacts,
    approved_sequence,
    daytime_zone,
    statuses,
)
from tools.core.clock import SYSTEM_CLOCK

MESSAGES = int(os.environ.get("NUDGE_SCALE_MESSAGES", "3000"))
WORKERS = 4
TO = re.compile(rb"^To: .*<([^>]+)>", re.MULTILINE)


def delivered_to(maildir: Path) -> list[str]:
    return [TO.search(path.read_bytes()).group(1).decode() for path in (maildir / "new").iterdir()]


@pytest.mark.postgres
@pytest.mark.slow
def test_four_workers_deliver_thousands_of_messages_exactly_once(engine, settings):
    if engine.dialect.name != "postgresql":
        pytest.skip("scale-out workers are a PostgreSQL feature")
    now = SYSTEM_CLOCK.now()
    recipients = add_contacts(engine, MESSAGES, now=now - timedelta(hours=1), zone=daytime_zone(now))
    approved_sequence(engine, settings, [{"delay_hours": 0, "purpose": "welcome"}])
    jobs.enrol(engine, settings, SYSTEM_CLOCK)
    assert jobs.materialise(engine, SYSTEM_CLOCK) == MESSAGES
    workers = [subprocess.Popen([sys.executable, "-c", "from bot.cli.main import main; main()", "worker",
                                 "--once", "--batch-size", "100"], env=dict(os.environ),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
               for _ in range(WORKERS)]
    errors = [worker.communicate(timeout=900)[1].decode() for worker in workers]
    assert [worker.returncode for worker in workers] == [0] * WORKERS, errors
    received = Counter(delivered_to(Path(settings.outbox_dir)))
    assert len(received) == MESSAGES and set(received.values()) == {1}
    assert set(received) == set(recipients)
    assert Counter(status for _, status, _ in statuses(engine)) == {"sent": MESSAGES}
    shares = [error.count("sent") for error in errors]
    assert sum(1 for share in shares if share) >= 2, "the work should be shared between workers"

"""Workers starting side by side share one Maildir (the embedded sender) without tripping.

`mailbox.Maildir(create=True)` raises FileExistsError when another process created the folder
between its check and its mkdir; a second `nudge worker` (or a test's second worker thread)
then died before sending anything. Seen once in the PostgreSQL run of the discount-pool test.

Mutation tried: restoring `mailbox.Maildir(self.directory, create=True)` alone in
`MaildirSender.__init__` fails this test (FileExistsError in some rounds).
"""

from __future__ import annotations

import mailbox
import threading

from scheduler.senders import MaildirSender


def test_many_workers_creating_the_same_maildir_at_once(tmp_path, monkeypatch):
    real_mkdir = mailbox.os.mkdir
    barrier = threading.Barrier(4)

    def slow_mkdir(path, mode=0o777):
        # Everyone passes the "does it exist?" check before anyone creates it: the worst case.
        barrier.wait(timeout=5)
        return real_mkdir(path, mode)

    monkeypatch.setattr(mailbox.os, "mkdir", slow_mkdir)
    errors: list[BaseException] = []

    def start() -> None:
        try:
            MaildirSender(tmp_path / "outbox")
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not errors, errors
    assert all((tmp_path / "outbox" / folder).is_dir() for folder in ("tmp", "new", "cur"))

"""A session is atomic on every backend, savepoints included: a rollback undoes all of it."""

from sqlalchemy import func, select

from tools.core import db as nudge_db
from tools.core.models import KeyValue


def test_rolling_back_a_session_undoes_work_done_in_a_released_savepoint(engine):
    session = nudge_db.session_factory(engine)()
    with session.begin_nested():
        session.add(KeyValue(key="inside-savepoint", value="1"))
    session.add(KeyValue(key="after-savepoint", value="2"))
    session.flush()
    session.rollback()
    session.close()
    with nudge_db.session_scope(engine) as check:
        assert check.scalar(select(func.count()).select_from(KeyValue)) == 0


def test_committing_keeps_savepoint_work(engine):
    with nudge_db.session_scope(engine) as session:
        with session.begin_nested():
            session.add(KeyValue(key="kept", value="1"))
    with nudge_db.session_scope(engine) as check:
        assert check.get(KeyValue, "kept").value == "1"

"""Flask extensions, created unbound and initialised by create_app."""

from contextlib import contextmanager

from flask import g
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    'ix': 'ix_%(column_0_label)s',
    'uq': 'uq_%(table_name)s_%(column_0_name)s',
    'ck': 'ck_%(table_name)s_%(constraint_name)s',
    'fk': 'fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s',
    'pk': 'pk_%(table_name)s',
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


@contextmanager
def savepoint():
    """`db.session.begin_nested()` that stays inside the transaction on SQLite too.

    pysqlite opens its transaction only before an INSERT/UPDATE/DELETE: a SAVEPOINT issued
    first starts SQLite's own transaction, and its RELEASE commits it, so a later rollback no
    longer undoes the savepoint's writes. On SQLite the transaction is begun explicitly first."""
    conn = db.session.connection()
    if conn.dialect.name == 'sqlite' and not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql('BEGIN')
    with db.session.begin_nested() as nested:
        yield nested


def held(name, key, load):
    """`load()`'s row, loaded once per app context while it stays in the session.

    The session's identity map holds rows weakly: a row nobody keeps is collected, and the next
    `session.get` of it is another SELECT. A row read several times per request (the CA, the
    vendor of the user, the tender's key) is kept here instead — the same object the identity
    map would give, refreshed as usual after a commit expires it. A missing row (None) is not
    kept: it is looked for again next time."""
    rows = g.setdefault('_lpse_held', {})
    row = rows.get((name, key))
    if row is not None and row in db.session:
        return row
    row = load()
    if row is not None:
        rows[(name, key)] = row
    return row

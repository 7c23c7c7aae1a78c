"""Flask extensions, created unbound and initialised by create_app."""

from contextlib import contextmanager

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

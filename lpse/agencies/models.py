"""Agencies (instansi) and their work units (satuan kerja): the tenants of every tender."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lpse.extensions import db
from lpse.types import UTCDateTime

# Indonesia's three zones and the abbreviations people read on a schedule.
TIMEZONES = {'Asia/Jakarta': 'WIB', 'Asia/Makassar': 'WITA', 'Asia/Jayapura': 'WIT'}


class Agency(db.Model):
    """An instansi (ministry, province, regency…) that runs tenders in its declared time zone."""

    __tablename__ = 'agency'
    __table_args__ = (
        CheckConstraint(f'timezone IN {tuple(TIMEZONES)!r}', name='indonesian_timezone'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    work_units = relationship(
        'WorkUnit', back_populates='agency', order_by='WorkUnit.code', cascade='all'
    )

    @property
    def zone_name(self):
        return TIMEZONES[self.timezone]


class WorkUnit(db.Model):
    """A satuan kerja (satker): the unit inside an agency that owns a procurement package."""

    __tablename__ = 'work_unit'
    __table_args__ = (UniqueConstraint('agency_id', 'code', name='uq_work_unit_agency_id_code'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey('agency.id'), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))

    agency = relationship('Agency', back_populates='work_units')

"""The declarative base every table of the line's records is declared on."""

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass

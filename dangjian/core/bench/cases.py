"""What a bench row is: a page requested many times (`Case`) or a write timed once
(`OperationCase`), measured against the people and organisations of a `BenchWorld`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class BenchWorld:
    """The people and organisations the cases need, found in (or added to) the database."""

    secretary: object
    group_department: object
    mine: object
    member: object | None = None  # a member of the mine, for the detail page and ID search
    branch: object | None = None  # the secretary's branch


@dataclass(frozen=True)
class Case:
    label: str
    url: Callable[[BenchWorld], str | None]  # None: the database has nothing to ask for
    user: str = ""  # "secretary", "group_department" or "" (anonymous)
    shown: str = ""  # what the table shows instead of the URL (never a full ID number)


class Skip(Exception):
    """An operation that cannot run on this database (yet); the message is the row's note."""


def _nothing(outcome) -> None:
    return None


@dataclass(frozen=True)
class Operation:
    """A prepared write: the call that is timed, how its row describes the outcome (given the
    outcome and the seconds it took), and what to clean up after the rollback (files the
    operation stored outside the database)."""

    run: Callable[[], object]
    describe: Callable[[object, float], str]
    cleanup: Callable[[object], None] = _nothing


@dataclass(frozen=True)
class OperationCase:
    """A write timed once, end to end, inside a transaction that is rolled back.

    `prepare(world, folder, size)` builds the operation (input files go to `folder`, a
    temporary directory) or raises `Skip`; `size` is how much input it generates, which the
    harness test shrinks. Preparing is not timed."""

    label: str
    prepare: Callable[[BenchWorld, Path, int | None], Operation]
    size: int | None = None


@dataclass
class Result:
    label: str
    median_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    note: str = ""

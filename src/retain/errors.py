"""The error every interface shows as a message: a request the collection cannot carry out."""

from __future__ import annotations


class CollectionError(Exception):
    """A request the collection cannot carry out; the message says why, in words a person
    understands."""


class NotFound(CollectionError):
    """No such object for this account: it does not exist, or it is not this account's.
    Both read the same, so that no one can learn which ids exist."""

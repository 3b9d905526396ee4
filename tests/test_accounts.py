"""Accounts: sign-up, sign-in with argon2id, server-side sessions, throttling in the store,
and one account never reaching another's decks, cards or answers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from retain.collection import Collection
from retain.collection.accounts import (
    ARGON2_MEMORY_KIB,
    ARGON2_PARALLELISM,
    ARGON2_TIME_COST,
    THROTTLE_BLOCK,
    THROTTLE_FAILURES,
    SignInFailed,
    Throttled,
)
from retain.core.model import CardId, Rating
from retain.errors import CollectionError, NotFound
from retain.storage import schema
from tests.conftest import NOW, make_draft

PASSWORD = "correct horse battery"


def test_argon2id_is_at_or_above_the_owasp_minimum(collection: Collection) -> None:
    assert ARGON2_MEMORY_KIB >= 19 * 1024 and ARGON2_TIME_COST >= 2 and ARGON2_PARALLELISM >= 1
    collection.accounts.sign_up("Ana", PASSWORD, now=NOW)
    with collection.engine.connect() as conn:
        stored = conn.execute(schema.accounts.select().where(schema.accounts.c.name == "Ana")).one()
    assert stored.password_hash.startswith("$argon2id$")
    assert f"m={ARGON2_MEMORY_KIB},t={ARGON2_TIME_COST},p={ARGON2_PARALLELISM}" in (
        stored.password_hash
    )
    assert PASSWORD not in stored.password_hash


def test_sign_in_gives_a_session_that_sign_out_ends(collection: Collection) -> None:
    ana = collection.accounts.sign_up("Ana", PASSWORD, now=NOW)
    signed = collection.accounts.sign_in("ana", PASSWORD, now=NOW)  # names ignore case
    assert signed.account == ana
    assert collection.accounts.session(signed.token, now=NOW) == ana
    with collection.engine.connect() as conn:
        ids = [row.id for row in conn.execute(schema.account_sessions.select())]
    assert signed.token not in ids  # the store keeps only a hash of it
    collection.accounts.sign_out(signed.token)
    assert collection.accounts.session(signed.token, now=NOW) is None


def test_each_sign_in_gets_a_new_id_and_ends_the_previous_one(collection: Collection) -> None:
    collection.accounts.sign_up("Ana", PASSWORD, now=NOW)
    first = collection.accounts.sign_in("Ana", PASSWORD, now=NOW)
    second = collection.accounts.sign_in("Ana", PASSWORD, now=NOW, previous=first.token)
    assert second.token != first.token
    assert collection.accounts.session(first.token, now=NOW) is None
    rotated = collection.accounts.rotate(second.token, now=NOW)
    assert rotated is not None and rotated.token != second.token
    assert collection.accounts.session(second.token, now=NOW) is None
    assert collection.accounts.session(rotated.token, now=NOW) == rotated.account


def test_sessions_expire_when_idle(collection: Collection) -> None:
    collection.accounts.sign_up("Ana", PASSWORD, now=NOW)
    signed = collection.accounts.sign_in("Ana", PASSWORD, now=NOW)
    assert collection.accounts.session(signed.token, now=NOW + timedelta(days=1)) is not None
    assert collection.accounts.session(signed.token, now=NOW + timedelta(days=5)) is None


@pytest.mark.parametrize(
    ("name", "password"), [("Ana", "wrong password"), ("Nobody", PASSWORD), ("", PASSWORD)]
)
def test_a_wrong_name_or_password_reads_the_same(
    collection: Collection, name: str, password: str
) -> None:
    collection.accounts.sign_up("Ana", PASSWORD, now=NOW)
    with pytest.raises(SignInFailed, match="^the name or the password is wrong$"):
        collection.accounts.sign_in(name, password, now=NOW)


def test_repeated_failures_are_throttled_for_every_process(
    store_target: object, collection: Collection
) -> None:
    collection.accounts.sign_up("Ana", PASSWORD, now=NOW)
    for _ in range(THROTTLE_FAILURES):
        with pytest.raises(SignInFailed):
            collection.accounts.sign_in("Ana", "wrong password", now=NOW, client="10.0.0.1")
    # Another process (another Collection on the store) sees the same count.
    with Collection.open(store_target) as other:  # type: ignore[arg-type]
        with pytest.raises(Throttled) as refused:
            other.accounts.sign_in("Ana", PASSWORD, now=NOW, client="10.0.0.2")
    assert refused.value.retry_after <= THROTTLE_BLOCK
    later = NOW + THROTTLE_BLOCK + timedelta(seconds=1)
    assert collection.accounts.sign_in("Ana", PASSWORD, now=later).account.name == "Ana"


def test_sign_up_checks_names_and_passwords(collection: Collection) -> None:
    collection.accounts.sign_up("Ana", PASSWORD, now=NOW)
    with pytest.raises(CollectionError, match="taken"):
        collection.accounts.sign_up("ANA", PASSWORD, now=NOW)
    with pytest.raises(CollectionError, match="too short"):
        collection.accounts.sign_up("Ben", "short", now=NOW)
    with pytest.raises(CollectionError, match="control character"):
        collection.accounts.sign_up("Be\x00n", PASSWORD, now=NOW)
    with pytest.raises(SignInFailed):  # the local account never signs in
        collection.accounts.sign_in("local", "", now=NOW)


def test_accounts_never_reach_each_others_decks_cards_or_answers(
    collection: Collection,
) -> None:
    ana = collection.as_account(collection.accounts.sign_up("Ana", PASSWORD, now=NOW).id)
    ben = collection.as_account(collection.accounts.sign_up("Ben", PASSWORD, now=NOW).id)
    deck = ana.decks.import_deck(make_draft(3, title="Ana's deck"), now=NOW).deck
    item = ana.study.next_card(NOW)
    assert item is not None
    answered = ana.study.answer(item.card.id, Rating.GOOD, NOW)
    assert ben.decks.all() == [] and ben.decks.counts(NOW) == []
    assert ben.study.next_card(NOW) is None and ben.study.counts(NOW).done_today == 0
    assert ben.stats.review_count() == 0 and ben.stats.reviews(item.card.id) == []
    # Unknown ids and another's ids fail alike.
    for card_id in (item.card.id, CardId(999_999)):
        with pytest.raises(NotFound, match=r"^no card with id \d+$"):
            ben.study.card(card_id)
        with pytest.raises(NotFound, match=r"^no card with id \d+$"):
            ben.study.answer(card_id, Rating.GOOD, NOW)
    with pytest.raises(NotFound):
        ben.study.undo(NOW, review_id=answered.review_id)
    with pytest.raises(NotFound):
        ben.decks.delete(deck)
    with pytest.raises(NotFound):
        ben.decks.rename(deck, "Mine now")
    with pytest.raises(NotFound):
        ben.decks.notes(deck)
    with pytest.raises(NotFound):
        ben.decks.edit_note(item.note.id, "Changed?", ["changed"], now=NOW)
    # A deck name is unique per owner: Ben's deck of the same name is a deck of his own.
    bens = ben.decks.import_deck(make_draft(1, title="Ana's deck"), now=NOW).deck
    assert bens.id != deck.id and [d.id for d in ben.decks.all()] == [bens.id]
    assert [d.name for d in ana.decks.all()] == ["Ana's deck"]
    assert len(ana.decks.notes(deck)) != len(ben.decks.notes(bens))
    assert ana.stats.review_count() == 1 and ana.check().ok


def test_the_same_name_signed_up_at_once_is_taken_not_a_storage_failure(
    store_target: object, collection: Collection
) -> None:
    import threading

    others = [Collection.open(store_target) for _ in range(4)]  # type: ignore[arg-type]
    start = threading.Barrier(len(others))
    made: list[str] = []
    refused: list[str] = []

    def sign_up(col: Collection) -> None:
        start.wait(timeout=60)
        try:
            made.append(col.accounts.sign_up("Ana", PASSWORD, now=NOW).name)
        except CollectionError as error:
            refused.append(str(error))

    threads = [threading.Thread(target=sign_up, args=(col,)) for col in others]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        for col in others:
            col.close()
    assert made == ["Ana"]
    assert len(refused) == 3 and all("is taken" in reason for reason in refused)

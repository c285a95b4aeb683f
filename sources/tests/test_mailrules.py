from hypothesis import given
from hypothesis import strategies as st

from sources import mailrules

ME = mailrules.own_addresses("alice@example.org", "Alice.Work@Corp.example", "alice", "")

addresses = st.builds(
    lambda local, domain: f"{local}@{domain}.example",
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFXYZ0123456789.-_+", min_size=1, max_size=20),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10),
)


def test_own_addresses_are_lowercased_and_logins_without_at_dropped():
    assert ME == {"alice@example.org", "alice.work@corp.example"}


def test_sent_by_me_the_other_people_are_to_and_cc():
    people = mailrules.other_people(
        sender="Alice@Example.org",
        recipients=["Bob@X.example", "carol@y.example", "alice.work@corp.example", "bob@x.example"],
        own=ME,
    )
    assert people == ("bob@x.example", "carol@y.example")


def test_received_the_other_person_is_the_sender_only():
    people = mailrules.other_people(
        sender="bob@x.example", recipients=["alice@example.org", "carol@y.example"], own=ME
    )
    assert people == ("bob@x.example",)


def test_in_the_sent_folder_an_unknown_alias_is_still_me():
    people = mailrules.other_people(
        sender="alice@alias.example", recipients=["bob@x.example", "alice@alias.example"], own=ME, sent=True
    )
    assert people == ("bob@x.example",)
    # The same message elsewhere (an Inbox) reads as received from the alias.
    assert mailrules.other_people(sender="alice@alias.example", recipients=["bob@x.example"], own=ME) == (
        "alice@alias.example",
    )


def test_a_note_to_myself_is_nobody():
    assert mailrules.other_people(sender="alice@example.org", recipients=["alice@example.org"], own=ME) == ()
    assert mailrules.other_people(sender="", recipients=["bob@x.example"], own=ME) == ()


@given(sender=addresses, recipients=st.lists(addresses, max_size=6), mine=st.booleans())
def test_other_people_never_holds_my_own_address_nor_repeats(sender, recipients, mine):
    sender = "ALICE@example.org" if mine else sender
    people = mailrules.other_people(sender=sender, recipients=[*recipients, "alice@example.org"], own=ME)
    assert not set(people) & ME
    assert list(people) == sorted(set(people))
    assert all(p == p.lower() for p in people)
    if mine:
        assert set(people) == {r.lower() for r in recipients} - ME
    else:
        assert set(people) <= {sender.lower()}


def test_mailing_lists_and_bulk_are_automated():
    assert mailrules.automated_reason(sender="bob@x.example", list_id="<team.lists.example>")
    for precedence in ("bulk", "List", " junk "):
        assert mailrules.automated_reason(sender="bob@x.example", precedence=precedence)
    assert not mailrules.automated_reason(sender="bob@x.example", precedence="first-class")


def test_auto_submitted_other_than_no_is_automated():
    assert mailrules.automated_reason(sender="bob@x.example", auto_submitted="auto-replied")
    assert mailrules.automated_reason(sender="bob@x.example", auto_submitted="auto-generated; type=vacation")
    assert not mailrules.automated_reason(sender="bob@x.example", auto_submitted="no")
    assert not mailrules.automated_reason(sender="bob@x.example", auto_submitted=" No ")


def test_noreply_senders_are_automated():
    for sender in (
        "noreply@github.com",
        "no-reply@accounts.google.com",
        "No_Reply@x.example",
        "do-not-reply@bank.example",
        "DoNotReply@x.example",
        "MAILER-DAEMON@mx.example",
        "postmaster@x.example",
        "notifications@github.com",
        "notification@x.example",
        "noreply-billing@x.example",
        "no.reply+123@x.example",
        "bounces+4242@mail.x.example",
        "newsletter@x.example",
    ):
        assert mailrules.automated_reason(sender=sender), sender


def test_people_whose_names_merely_contain_the_words_are_not():
    for sender in ("noah@x.example", "replyguy@x.example", "notifications.lead@x.example", "news@x.example"):
        assert mailrules.automated_reason(sender=sender) == "", sender


@given(
    sender=st.text(max_size=40),
    list_id=st.text(max_size=20),
    precedence=st.text(max_size=20),
    auto_submitted=st.text(max_size=20),
)
def test_automated_reason_never_raises_on_any_text(sender, list_id, precedence, auto_submitted):
    reason = mailrules.automated_reason(
        sender=sender, list_id=list_id, precedence=precedence, auto_submitted=auto_submitted
    )
    assert isinstance(reason, str)
    if list_id.strip():
        assert reason

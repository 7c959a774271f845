"""The incident's history reads as sentences."""

from core.models import ChangeRecord
from incidents.history import change_details, change_sentence


def _change(**fields) -> ChangeRecord:
    return ChangeRecord(object_type="action item", object_repr="Alert on lag", **fields)


def test_a_moved_due_date_reads_as_a_sentence_with_both_dates():
    change = _change(action="updated", changes={"due_date": ["2026-12-12", "2026-12-20"]})
    assert change_sentence(change) == (
        "moved the due date of action item ‘Alert on lag’ from 12 Dec 2026 to 20 Dec 2026"
    )
    assert change_details(change) == []


def test_two_fields_read_as_one_sentence_and_more_are_listed_under_it():
    two = _change(
        action="updated",
        changes={"causes": ["", "Replica lag"], "owner": ["Bob", "Alice"]},
    )
    assert change_sentence(two) == (
        "linked action item ‘Alert on lag’ to Replica lag and changed its owner from Bob to Alice"
    )
    three = _change(
        action="updated",
        changes={"title": ["a", "b"], "kind": ["Prevent", "Detect"], "priority": ["P1", "P2"]},
    )
    assert change_sentence(three) == (
        "changed the title, kind and priority of action item ‘Alert on lag’"
    )
    assert change_details(three)[1] == ("kind", "Prevent", "Detect")


def test_created_deleted_and_moved_keep_their_verbs():
    assert change_sentence(_change(action="created")) == "created action item ‘Alert on lag’"
    assert change_sentence(_change(action="deleted")) == "deleted action item ‘Alert on lag’"
    moved = _change(action="updated", note="moved up")
    assert change_sentence(moved) == "moved action item ‘Alert on lag’ up"


def test_same_root_cause_links_name_the_other_incident():
    linked = ChangeRecord(
        event="recurrence.linked", action="created", object_type="incident",
        object_repr="INC-7 Checkout down",
    )  # fmt: skip
    assert change_sentence(linked) == "marked INC-7 Checkout down as having the same root cause"
    linked.event = "recurrence.unlinked"
    assert change_sentence(linked) == "unmarked INC-7 Checkout down as having the same root cause"


def test_a_tag_merge_reads_as_its_note():
    merged = ChangeRecord(
        event="tag.merged", action="updated", object_type="tag", object_repr="database",
        note="merged tag ‘db’ into ‘database’",
    )  # fmt: skip
    assert change_sentence(merged) == "merged tag ‘db’ into ‘database’"

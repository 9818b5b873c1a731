"""The local cloud's journal file: records read back in order, a torn or damaged record ends
its segment's replay with a message and never a crash, segments a snapshot covers go."""

from __future__ import annotations

from pathlib import Path

from infra.local.journal import Journal


def written(directory: Path, *records: list[tuple[str, ...]]) -> tuple[Journal, list[str]]:
    messages: list[str] = []
    journal = Journal(directory, log=messages.append)
    journal._open(1)  # a segment, without hooking moto (start() does)
    for record in records:
        journal.append(record)
    journal.close()
    return journal, messages


def test_records_come_back_in_order(tmp_path: Path) -> None:
    journal, messages = written(tmp_path, [("a",)], [("b",), ("c",)])
    assert list(journal.records(since=1)) == [[("a",)], [("b",), ("c",)]]
    assert list(journal.records(since=2)) == []
    assert messages == []


def test_a_torn_last_record_is_skipped_with_a_message(tmp_path: Path) -> None:
    journal, messages = written(tmp_path, [("kept",)], [("torn",) * 50])
    path = tmp_path / "journal-00000001.log"
    path.write_bytes(path.read_bytes()[:-7])  # the power went mid-write
    assert list(journal.records(since=1)) == [[("kept",)]]
    assert len(messages) == 1
    assert "torn record" in messages[0]


def test_a_damaged_record_ends_its_segment_not_the_replay(tmp_path: Path) -> None:
    journal, messages = written(tmp_path, [("first",)], [("damaged",)])
    path = tmp_path / "journal-00000001.log"
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))
    later = Journal(tmp_path, log=messages.append)
    later._open(2)
    later.append([("next segment",)])
    later.close()
    assert list(journal.records(since=1)) == [[("first",)], [("next segment",)]]
    assert any("damaged record" in message for message in messages)


def test_segments_a_snapshot_covers_are_deleted(tmp_path: Path) -> None:
    journal, _ = written(tmp_path, [("a",)])
    journal._open(2)
    journal.append([("b",)])
    journal.close()
    journal.discard_before(2)
    assert [number for number, _path in journal.segments()] == [2]

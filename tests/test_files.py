"""Reading input in chunks (incremental decoding) and writing output atomically."""

from __future__ import annotations

import codecs
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from restorer import InputError
from restorer.files import AtomicWriter, read_chunks

NO_NUL = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"))


def _read(data: bytes, chunk_bytes: int, errors: str = "strict") -> str:
    return "".join(read_chunks(io.BytesIO(data), "input.txt", errors, chunk_bytes))


@settings(max_examples=200, deadline=None)
@given(NO_NUL, st.integers(min_value=1, max_value=16))
def test_utf8_chunks_decode_to_the_text(text, chunk_bytes):
    # A leading U+FEFF encodes to the UTF-8 byte-order mark: it is read as the file's
    # signature and dropped, as Python's utf-8-sig codec does.
    expected = text.removeprefix("\ufeff")
    assert _read(text.encode("utf-8"), chunk_bytes) == expected


@pytest.mark.parametrize("chunk_bytes", [1, 2, 3, 8])
def test_a_file_holding_only_a_bom_reads_as_empty(chunk_bytes):
    assert _read(codecs.BOM_UTF8, chunk_bytes) == ""
    assert _read(codecs.BOM_UTF8 * 2, chunk_bytes) == "\ufeff"


@settings(max_examples=100, deadline=None)
@given(NO_NUL, st.integers(min_value=4, max_value=16))
def test_utf8_bom_is_dropped(text, chunk_bytes):
    assert _read(codecs.BOM_UTF8 + text.encode("utf-8"), chunk_bytes) == text


@settings(max_examples=100, deadline=None)
@given(st.text(), st.sampled_from(["utf-16", "utf-16-le", "utf-16-be"]))
def test_utf16_with_bom(text, codec):
    data = text.encode(codec)
    if codec != "utf-16":
        bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
        data = bom + data
    assert _read(data, 1 << 20) == text


@pytest.mark.parametrize("chunk_bytes", [1, 2, 3, 5, 1 << 20])
def test_invalid_byte_offset_is_exact(chunk_bytes):
    data = "naïve café ".encode() + b"\xff" + b" tail"
    with pytest.raises(InputError) as info:
        _read(data, chunk_bytes)
    assert f"byte offset {len('naïve café '.encode())}" in str(info.value)
    assert info.value.source == "input.txt"


def test_invalid_bytes_replaced_on_request():
    assert _read(b"caf\xe9 ok", 2, errors="replace") == "caf\ufffd ok"


def test_nul_bytes_mean_binary():
    with pytest.raises(InputError, match="binary"):
        _read(b"PK\x03\x04\x00\x00", 1 << 20)


def test_empty_input():
    assert _read(b"", 8) == ""


def test_atomic_writer_commit(tmp_path):
    target = tmp_path / "out.txt"
    with AtomicWriter(target) as writer:
        writer.file.write("hello\n")
        assert not target.exists()
        writer.commit()
    assert target.read_text() == "hello\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_writer_discards_on_error(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), AtomicWriter(target) as writer:
        writer.file.write("partial")
        raise RuntimeError
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_writer_in_a_missing_directory(tmp_path):
    with pytest.raises(InputError):
        AtomicWriter(tmp_path / "no" / "such" / "dir" / "out.txt")

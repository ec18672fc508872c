"""engine.gguf_file against the gguf package's GGUFReader and GGUFWriter (the oracle)."""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np
import pytest

from engine.gguf_file import GGUFFormatError, GGUFTensor, read_gguf, write_gguf
from engine.quantize import quantize

METADATA = {
    "general.architecture": "llama",
    "general.name": "tiny ünïcode",
    "test.u32": np.uint32(4_000_000_000),
    "test.i32": -7,
    "test.f32": 0.25,
    "test.u64": np.uint64(2**40 + 3),
    "test.bool": True,
    "test.strings": ["a", "", "ccc"],
    "test.ints": [1, -2, 3],
    "test.floats": np.array([1.5, -2.25], np.float32),
    "test.u64s": np.array([1, 2**50], np.uint64),
    "test.bools": [True, False, True],
}
ORACLE_VALUE_TYPE = {
    "general.architecture": "STRING", "general.name": "STRING", "test.u32": "UINT32", "test.i32": "INT32",
    "test.f32": "FLOAT32", "test.u64": "UINT64", "test.bool": "BOOL", "test.strings": "STRING",
    "test.ints": "INT32", "test.floats": "FLOAT32", "test.u64s": "UINT64", "test.bools": "BOOL",
}  # fmt: skip


def _tensors() -> list[GGUFTensor]:
    rng = np.random.default_rng(0)
    return [
        GGUFTensor.from_array("f32.odd", rng.standard_normal((3, 5)).astype(np.float32)),
        GGUFTensor.from_array("f16.vec", rng.standard_normal(7), "F16"),
        GGUFTensor.from_array("q8", rng.standard_normal((2, 64)), "Q8_0"),
        GGUFTensor.from_array("q4_1", rng.standard_normal((1, 96)), "Q4_1"),
        GGUFTensor.from_array("q4k", rng.standard_normal((2, 256)), "Q4_K"),
        GGUFTensor.from_array("q6k", rng.standard_normal(256), "Q6_K"),
        GGUFTensor.from_array("f32.tail", rng.standard_normal(3).astype(np.float32)),
    ]


def test_oracle_reads_what_we_write(tmp_path: Path) -> None:
    path = tmp_path / "ours.gguf"
    tensors = _tensors()
    write_gguf(path, tensors, METADATA)
    reader = gguf.GGUFReader(path)
    assert [t.name for t in reader.tensors] == [t.name for t in tensors]
    for mine, theirs in zip(tensors, reader.tensors, strict=True):
        assert theirs.tensor_type.name == mine.ggml_type
        assert tuple(int(d) for d in theirs.shape) == tuple(reversed(mine.shape))  # ggml dims: fastest first
        assert theirs.data_offset % 32 == 0
        assert np.asarray(theirs.data).tobytes() == mine.data.tobytes()
    for key, value in METADATA.items():
        field = reader.get_field(key)
        assert field is not None and field.types[-1].name == ORACLE_VALUE_TYPE[key]
        expected = value.tolist() if isinstance(value, np.ndarray) else value
        assert field.contents() == pytest.approx(expected) if isinstance(expected, float) else field.contents() == expected


def test_we_read_what_the_oracle_writes(tmp_path: Path) -> None:
    path = tmp_path / "theirs.gguf"
    rng = np.random.default_rng(1)
    f32 = rng.standard_normal((4, 64)).astype(np.float32)
    odd = rng.standard_normal(5).astype(np.float32)
    q4 = gguf.quants.quantize(f32, gguf.GGMLQuantizationType.Q4_0)
    writer = gguf.GGUFWriter(path, "llama")
    writer.add_uint32("x.u32", 5)
    writer.add_string("x.s", "hé")
    writer.add_array("x.arr", [1.5, 2.5])
    writer.add_bool("x.b", False)
    writer.add_tensor("odd", odd)
    writer.add_tensor("q", q4, raw_dtype=gguf.GGMLQuantizationType.Q4_0)
    writer.add_tensor("f", f32)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    got = read_gguf(path)
    assert got.version == 3 and got.alignment == 32 and got.data_offset % 32 == 0
    assert got.metadata["general.architecture"] == "llama"
    assert got.metadata["x.u32"] == 5 and got.metadata["x.u32"].dtype == np.uint32
    assert got.metadata["x.s"] == "hé" and got.metadata["x.b"] is False
    assert got.metadata["x.arr"].tolist() == [1.5, 2.5]
    assert [t.name for t in got.tensors] == ["odd", "q", "f"]
    assert np.array_equal(got.tensor("odd").data, odd)
    assert np.array_equal(got.tensor("f").data, f32)
    q = got.tensor("q")
    assert q.ggml_type == "Q4_0" and q.shape == (4, 64) and np.array_equal(q.data, q4)


def test_our_round_trip_keeps_types(tmp_path: Path) -> None:
    path = tmp_path / "rt.gguf"
    tensors = _tensors()
    write_gguf(path, tensors, METADATA)
    got = read_gguf(path)
    for mine, back in zip(tensors, got.tensors, strict=True):
        assert (back.name, back.ggml_type, back.shape) == (mine.name, mine.ggml_type, mine.shape)
        assert back.data.dtype == mine.data.dtype and np.array_equal(back.data, mine.data)
    write_gguf(tmp_path / "again.gguf", got.tensors, got.metadata)
    assert (tmp_path / "again.gguf").read_bytes() == path.read_bytes()


@pytest.mark.parametrize("alignment", [32, 64])
def test_data_section_and_tensors_aligned(tmp_path: Path, alignment: int) -> None:
    path = tmp_path / "aligned.gguf"
    arrays = [np.arange(size, dtype=np.float32) + 1 for size in (15, 7, 3)]
    metadata = {"general.alignment": np.uint32(alignment)} if alignment != 32 else {}
    write_gguf(path, [GGUFTensor.from_array(f"t{i}", a) for i, a in enumerate(arrays)], metadata)
    reader = gguf.GGUFReader(path)
    assert reader.alignment == alignment and reader.data_offset % alignment == 0
    for a, t in zip(arrays, reader.tensors, strict=True):
        assert (t.data_offset - reader.data_offset) % alignment == 0
        assert np.array_equal(t.data, a)
    ours = read_gguf(path)
    assert ours.data_offset == reader.data_offset and ours.alignment == alignment
    assert all(np.array_equal(t.data, a) for t, a in zip(ours.tensors, arrays, strict=True))


def test_quantized_tensor_decodes_through_oracle(tmp_path: Path) -> None:
    path = tmp_path / "q.gguf"
    x = np.random.default_rng(2).standard_normal((2, 512)).astype(np.float32)
    write_gguf(path, [GGUFTensor("w", "Q6_K", x.shape, quantize(x, "Q6_K"))])
    t = gguf.GGUFReader(path).tensors[0]
    y = gguf.quants.dequantize(np.asarray(t.data), t.tensor_type)
    assert y.shape == x.shape and np.abs(y - x).max() <= 0.03 * np.abs(x).max()


def test_malformed_files_name_the_file(tmp_path: Path) -> None:
    good = tmp_path / "good.gguf"
    write_gguf(good, _tensors(), METADATA)
    raw = good.read_bytes()
    cases = {
        "magic.gguf": (b"GGUX" + raw[4:], "not a GGUF file"),
        "version.gguf": (raw[:4] + (1).to_bytes(4, "little") + raw[8:], "unsupported GGUF version"),
        "header.gguf": (raw[:100], "truncated"),
        "data.gguf": (raw[:-40], "truncated"),
        "empty.gguf": (b"", "truncated"),
    }
    for name, (content, phrase) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(GGUFFormatError) as caught:
            read_gguf(path)
        assert str(path) in str(caught.value) and phrase in str(caught.value)


def test_writer_rejects_inconsistent_tensors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs"):
        write_gguf(tmp_path / "x.gguf", [GGUFTensor("w", "Q8_0", (64,), np.zeros(30, np.uint8))])
    with pytest.raises(ValueError, match="duplicate"):
        t = GGUFTensor.from_array("w", np.zeros(4, np.float32))
        write_gguf(tmp_path / "y.gguf", [t, t])

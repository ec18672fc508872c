"""engine.gguf_file beyond its falsifiers (falsifiers/test_quantize.py, FALSIFY-QG-011/012):
its own round trip, quantized tensors through the oracle, malformed files, writer refusals."""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np
import pytest

from engine.gguf_file import GGUFFormatError, GGUFTensor, read_gguf, write_gguf
from engine.quantize import quantize

METADATA = {  # one of each value kind; the oracle's view of them is FALSIFY-QG-012's
    "general.architecture": "llama",
    "x.u32": np.uint32(7),
    "x.i64": -(2**40),
    "x.f32": 0.5,
    "x.flag": False,
    "x.strings": ["a", "", "ü"],
    "x.u64s": np.array([1, 2**50], np.uint64),
    "x.bools": [True, False],
}


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

"""A minimal GGUF v3 writer and reader (llama.cpp's model container), contract `quantize-ggml-v1`.

Layout (all little-endian, ggml docs/gguf.md):

    header      magic "GGUF", uint32 version (3), uint64 tensor_count, uint64 kv_count
    metadata    kv_count x (string key, uint32 value type, value)
    tensor info tensor_count x (string name, uint32 n_dims, uint64 dims[n_dims] with
                dims[0] the fastest-varying axis, i.e. numpy's shape reversed,
                uint32 ggml type, uint64 offset relative to the data section)
    padding     zeros up to a multiple of the alignment
    data        each tensor at its offset, every offset a multiple of the alignment

A string is a uint64 byte length then UTF-8 bytes. The alignment is the uint32
`general.alignment` when present, else 32. A reader that forgets the padding before the
data section reads zeros and tiny denormals instead of the tensors.

Metadata values: `str` -> STRING, `bool`/`np.bool_` -> BOOL, numpy scalars keep their
type (np.uint32 -> UINT32, np.float32 -> FLOAT32, ...), a Python `int` -> INT32 when it
fits (else INT64, else UINT64), a Python `float` -> FLOAT32; lists (of one type) and
1-D numpy arrays -> ARRAY. The reader returns numpy scalars, `bool`, `str`, lists of
`str` and 1-D numpy arrays, so a file read and written again keeps its value types.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.quantize import BLOCK_SIZE, TYPE_SIZE, quantize

MAGIC = b"GGUF"
VERSION = 3
DEFAULT_ALIGNMENT = 32

# ggml_type ids (ggml.h enum ggml_type) of the tensor types this module handles
GGML_TYPE_ID = {"F32": 0, "F16": 1, "Q4_0": 2, "Q4_1": 3, "Q5_0": 6, "Q5_1": 7, "Q8_0": 8, "Q4_K": 12, "Q6_K": 14}
GGML_TYPE_NAME = {v: k for k, v in GGML_TYPE_ID.items()}
_PLAIN = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2")}

# gguf_type (GGUFValueType) ids and the numpy dtype of each fixed-size scalar type
STRING, ARRAY = 8, 9
_SCALAR_DTYPE = {
    0: np.dtype("u1"), 1: np.dtype("i1"), 2: np.dtype("<u2"), 3: np.dtype("<i2"),
    4: np.dtype("<u4"), 5: np.dtype("<i4"), 6: np.dtype("<f4"), 7: np.dtype("?"),
    10: np.dtype("<u8"), 11: np.dtype("<i8"), 12: np.dtype("<f8"),
}  # fmt: skip
_TYPE_OF_DTYPE = {dt.newbyteorder("="): t for t, dt in _SCALAR_DTYPE.items()}


class GGUFFormatError(ValueError):
    """A file is not a well-formed GGUF file; the message names the file and the offset."""


@dataclass(frozen=True)
class GGUFTensor:
    """One tensor: `shape` in numpy order (values, not bytes); `data` float32/float16
    values of that shape, or for a quantized type uint8 bytes of shape
    (..., shape[-1] / block * bytes_per_block) as `engine.quantize.quantize` returns."""

    name: str
    ggml_type: str
    shape: tuple[int, ...]
    data: np.ndarray

    @classmethod
    def from_array(cls, name: str, values: np.ndarray, ggml_type: str = "F32") -> GGUFTensor:
        """A tensor of `values`, stored as F32, F16 or quantized to a GGML block type."""
        values = np.asarray(values)
        if ggml_type in _PLAIN:
            return cls(name, ggml_type, values.shape, values.astype(_PLAIN[ggml_type]))
        return cls(name, ggml_type, values.shape, quantize(values, ggml_type))

    @property
    def nbytes(self) -> int:
        if self.ggml_type in _PLAIN:
            return int(np.prod(self.shape, dtype=np.int64)) * _PLAIN[self.ggml_type].itemsize
        count = int(np.prod(self.shape, dtype=np.int64))
        return count // BLOCK_SIZE[self.ggml_type] * TYPE_SIZE[self.ggml_type]


@dataclass(frozen=True)
class GGUFFile:
    version: int
    metadata: dict[str, Any]
    tensors: list[GGUFTensor]
    alignment: int
    data_offset: int  # absolute file offset of the data section

    def tensor(self, name: str) -> GGUFTensor:
        for t in self.tensors:
            if t.name == name:
                return t
        raise KeyError(name)


# ------------------------------------------------------------------------------ write


def _string(text: str) -> bytes:
    raw = text.encode("utf-8")
    return struct.pack("<Q", len(raw)) + raw


def _scalar_type(value: Any) -> int:
    if isinstance(value, (bool, np.bool_)):
        return 7
    if isinstance(value, str):
        return STRING
    if isinstance(value, np.generic):
        try:
            return _TYPE_OF_DTYPE[value.dtype.newbyteorder("=")]
        except KeyError:
            raise TypeError(f"no GGUF value type for numpy {value.dtype}") from None
    if isinstance(value, int):
        if -(2**31) <= value < 2**31:
            return 5
        return 11 if -(2**63) <= value < 2**63 else 10
    if isinstance(value, float):
        return 6
    raise TypeError(f"no GGUF value type for {type(value).__name__} {value!r}")


def _encode_value(value: Any) -> bytes:
    """uint32 type then the value, for a scalar, a string or a flat array."""
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind != "U":
        sub = _TYPE_OF_DTYPE.get(value.dtype.newbyteorder("="))
        if sub is None:
            raise TypeError(f"no GGUF array type for numpy {value.dtype}")
        body = value.astype(_SCALAR_DTYPE[sub]).tobytes()
        return struct.pack("<IIQ", ARRAY, sub, len(value)) + body
    if isinstance(value, (list, tuple, np.ndarray)):
        items = list(value.tolist() if isinstance(value, np.ndarray) else value)
        types = {_scalar_type(item) for item in items}
        if len(types) > 1:
            raise TypeError(f"GGUF arrays hold one type; got {sorted(types)}")
        sub = types.pop() if types else 5
        if sub == STRING:
            body = b"".join(_string(item) for item in items)
        else:
            body = np.array(items, dtype=_SCALAR_DTYPE[sub]).tobytes()
        return struct.pack("<IIQ", ARRAY, sub, len(items)) + body
    kind = _scalar_type(value)
    if kind == STRING:
        return struct.pack("<I", STRING) + _string(value)
    return struct.pack("<I", kind) + np.array(value, dtype=_SCALAR_DTYPE[kind]).tobytes()


def _pad(size: int, alignment: int) -> int:
    return -size % alignment


def write_gguf(path: str | Path, tensors: Sequence[GGUFTensor], metadata: Mapping[str, Any] | None = None) -> None:
    """Write a GGUF v3 file; `general.alignment` in `metadata` (uint32) sets the alignment."""
    metadata = dict(metadata or {})
    alignment = int(metadata.get("general.alignment", DEFAULT_ALIGNMENT))
    if "general.alignment" in metadata:
        metadata["general.alignment"] = np.uint32(alignment)  # the spec types it uint32
    if alignment <= 0 or alignment % 8:
        raise ValueError(f"{path}: general.alignment must be a positive multiple of 8, got {alignment}")
    names = [t.name for t in tensors]
    if len(set(names)) != len(names):
        raise ValueError(f"{path}: duplicate tensor names")
    head = [MAGIC, struct.pack("<IQQ", VERSION, len(tensors), len(metadata))]
    for key, value in metadata.items():
        head += [_string(key), _encode_value(value)]
    blobs, offset = [], 0
    for t in tensors:
        if t.ggml_type not in GGML_TYPE_ID:
            raise ValueError(f"{path}: tensor {t.name!r} has unsupported type {t.ggml_type!r}")
        raw = np.ascontiguousarray(t.data).tobytes()
        if len(raw) != t.nbytes:
            raise ValueError(f"{path}: tensor {t.name!r} holds {len(raw)} bytes, {t.ggml_type} {t.shape} needs {t.nbytes}")
        dims = tuple(reversed(t.shape))
        head += [_string(t.name), struct.pack(f"<I{len(dims)}Q", len(dims), *dims)]
        head.append(struct.pack("<IQ", GGML_TYPE_ID[t.ggml_type], offset))
        blobs.append(raw + bytes(_pad(len(raw), alignment)))
        offset += len(blobs[-1])
    header = b"".join(head)
    with open(path, "wb") as handle:
        handle.write(header)
        handle.write(bytes(_pad(len(header), alignment)))  # the data section starts aligned
        for blob in blobs:
            handle.write(blob)


# ------------------------------------------------------------------------------- read


class _Cursor:
    """Bounds-checked little-endian reads over the file's bytes."""

    def __init__(self, buf: bytes, path: str) -> None:
        self.buf, self.path, self.pos = buf, path, 0

    def fail(self, what: str) -> GGUFFormatError:
        return GGUFFormatError(f"{self.path}: {what} (at byte offset {self.pos})")

    def take(self, size: int, what: str) -> bytes:
        if size < 0 or self.pos + size > len(self.buf):
            raise self.fail(f"truncated: {what} needs {size} bytes, {len(self.buf) - self.pos} remain")
        chunk = self.buf[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def unpack(self, fmt: str, what: str) -> tuple:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))

    def string(self, what: str) -> str:
        (size,) = self.unpack("<Q", f"{what} length")
        try:
            return self.take(size, what).decode("utf-8")
        except UnicodeDecodeError:
            raise self.fail(f"{what} is not UTF-8") from None

    def value(self, kind: int, what: str) -> Any:
        if kind == STRING:
            return self.string(what)
        if kind in _SCALAR_DTYPE:
            dtype = _SCALAR_DTYPE[kind]
            scalar = np.frombuffer(self.take(dtype.itemsize, what), dtype)[0]
            return bool(scalar) if kind == 7 else scalar.astype(dtype.newbyteorder("="))
        if kind == ARRAY:
            sub, count = self.unpack("<IQ", f"{what} array header")
            if sub == STRING:
                return [self.string(f"{what}[{i}]") for i in range(count)]
            if sub not in _SCALAR_DTYPE:
                raise self.fail(f"{what}: unsupported array element type {sub}")
            dtype = _SCALAR_DTYPE[sub]
            if count > len(self.buf):
                raise self.fail(f"truncated: {what} claims {count} elements")
            return np.frombuffer(self.take(count * dtype.itemsize, what), dtype).astype(dtype.newbyteorder("="))
        raise self.fail(f"{what}: unknown value type {kind}")


def read_gguf(path: str | Path) -> GGUFFile:
    """Parse a GGUF v2/v3 file: metadata, tensor infos and tensor data (copied out)."""
    name = str(path)
    buf = Path(path).read_bytes()
    cur = _Cursor(buf, name)
    magic = cur.take(4, "magic")
    if magic != MAGIC:
        raise GGUFFormatError(f"{name}: not a GGUF file (magic {magic!r}, expected {MAGIC!r})")
    (version,) = cur.unpack("<I", "version")
    if version not in (2, 3):
        raise GGUFFormatError(f"{name}: unsupported GGUF version {version} (this reader handles 2 and 3)")
    n_tensors, n_kv = cur.unpack("<QQ", "tensor and metadata counts")
    if n_tensors > len(buf) or n_kv > len(buf):
        raise cur.fail(f"truncated: counts {n_tensors} tensors, {n_kv} metadata entries exceed the file")
    metadata: dict[str, Any] = {}
    for i in range(n_kv):
        key = cur.string(f"metadata key #{i}")
        (kind,) = cur.unpack("<I", f"type of {key!r}")
        if key in metadata:
            raise cur.fail(f"duplicate metadata key {key!r}")
        metadata[key] = cur.value(kind, key)
    infos = []
    for i in range(n_tensors):
        tname = cur.string(f"tensor name #{i}")
        (n_dims,) = cur.unpack("<I", f"n_dims of {tname!r}")
        if n_dims > 8:
            raise cur.fail(f"tensor {tname!r} claims {n_dims} dimensions")
        dims = cur.unpack(f"<{n_dims}Q", f"dims of {tname!r}")
        type_id, offset = cur.unpack("<IQ", f"type and offset of {tname!r}")
        if type_id not in GGML_TYPE_NAME:
            raise cur.fail(f"tensor {tname!r} has unsupported ggml type {type_id}")
        infos.append((tname, tuple(int(d) for d in reversed(dims)), GGML_TYPE_NAME[type_id], int(offset)))
    alignment = int(metadata.get("general.alignment", DEFAULT_ALIGNMENT))
    if alignment <= 0:
        raise GGUFFormatError(f"{name}: general.alignment is {alignment}")
    data_offset = cur.pos + _pad(cur.pos, alignment)  # skip the padding after the header
    tensors = []
    for tname, shape, ggml_type, offset in infos:
        if offset % alignment:
            raise GGUFFormatError(f"{name}: tensor {tname!r} offset {offset} is not a multiple of {alignment}")
        info = GGUFTensor(tname, ggml_type, shape, np.empty(0, np.uint8))
        if ggml_type not in _PLAIN and (not shape or shape[-1] % BLOCK_SIZE[ggml_type]):
            raise GGUFFormatError(f"{name}: tensor {tname!r} shape {shape} is not whole {ggml_type} blocks")
        start, size = data_offset + offset, info.nbytes
        if start + size > len(buf):
            raise GGUFFormatError(
                f"{name}: truncated: tensor {tname!r} needs bytes {start}..{start + size}, the file has {len(buf)}"
            )
        raw = np.frombuffer(buf, np.uint8, size, start)
        if ggml_type in _PLAIN:
            data = raw.view(_PLAIN[ggml_type]).astype(_PLAIN[ggml_type].newbyteorder("=")).reshape(shape)
        else:
            data = raw.reshape(*shape[:-1], shape[-1] // BLOCK_SIZE[ggml_type] * TYPE_SIZE[ggml_type]).copy()
        tensors.append(GGUFTensor(tname, ggml_type, shape, data))
    return GGUFFile(version, metadata, tensors, alignment, data_offset)

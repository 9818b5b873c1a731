"""HyperLogLog: how many distinct accounts saw something, in 12 KB at most, mergeable.

Reach (distinct accounts served a post, a story, or any of an account's posts and stories on a
day) is counted by the insights aggregator without keeping who: each account id is hashed
(BLAKE2b, 64 bits: deterministic, so a sketch built twice from the same ids is the same
sketch), its first `PRECISION` bits choose a register and the position of the first one-bit in
the rest is kept if it is the register's highest so far. Two sketches merge by taking each
register's maximum, so adding the same account twice, merging a sketch into itself or
applying a re-delivered batch again changes nothing (the idempotence the aggregator relies on
for reach).

Precision 14 (16,384 registers) has a standard error of 1.04/√16384 = 0.81%: within 2% of the
exact count at 100,000 accounts with room to spare (tests/unit/test_hll.py checks 10^5, the
benchmark 10^6). The count is Ertl's improved estimator ("New cardinality estimation
algorithms for HyperLogLog sketches", 2017): no bias tables, accurate from one account up.

Stored form (`to_bytes`): a few accounts are kept sparse (3 bytes per non-zero register,
sorted), which a post seen by a handful of people needs; past 4,096 registers the sketch is
dense (6 bits a register, 12,288 bytes): either way far under DynamoDB's 400 KB item limit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from hashlib import blake2b

PRECISION = 14
REGISTERS = 1 << PRECISION  # m
_Q = 64 - PRECISION  # bits left for the rank
_MAX_RANK = _Q + 1
_LOW = (1 << _Q) - 1
_SPARSE, _DENSE = 1, 2
_MAGIC = b"H"
DENSE_BYTES = REGISTERS * 6 // 8  # 12,288
_SPARSE_LIMIT = DENSE_BYTES // 3  # registers kept sparse at most
_ALPHA_INF = 0.5 / math.log(2)


def hash64(value: str) -> int:
    return int.from_bytes(blake2b(value.encode(), digest_size=8).digest(), "big")


class Sketch:
    """A HyperLogLog sketch of precision 14 (registers in a bytearray while in memory)."""

    __slots__ = ("registers",)

    def __init__(self, registers: bytearray | None = None) -> None:
        self.registers = registers if registers is not None else bytearray(REGISTERS)

    # ------------------------------------------------------------------ building
    @classmethod
    def of(cls, values: Iterable[str]) -> Sketch:
        sketch = cls()
        sketch.update(values)
        return sketch

    def add(self, value: str) -> None:
        self.add_hash(hash64(value))

    def add_hash(self, hashed: int) -> None:
        index = hashed >> _Q
        rank = _Q - (hashed & _LOW).bit_length() + 1
        if rank > self.registers[index]:
            self.registers[index] = rank

    def update(self, values: Iterable[str]) -> None:
        for value in values:
            self.add_hash(hash64(value))

    def merge(self, other: Sketch) -> bool:
        """Take each register's maximum; whether this sketch changed."""
        merged = bytes(map(max, self.registers, other.registers))
        changed = merged != self.registers
        self.registers[:] = merged
        return changed

    @classmethod
    def union(cls, sketches: Iterable[Sketch]) -> Sketch:
        total = cls()
        for sketch in sketches:
            total.merge(sketch)
        return total

    # ------------------------------------------------------------------ counting
    def count(self) -> int:
        """The estimated number of distinct values added (Ertl's improved estimator)."""
        histogram = [0] * (_MAX_RANK + 1)
        for value in self.registers:
            histogram[value] += 1
        if histogram[0] == REGISTERS:
            return 0
        z = REGISTERS * _tau((REGISTERS - histogram[_MAX_RANK]) / REGISTERS)
        for k in range(_Q, 0, -1):
            z = 0.5 * (z + histogram[k])
        z += REGISTERS * _sigma(histogram[0] / REGISTERS)
        return round(_ALPHA_INF * REGISTERS * REGISTERS / z)

    def __len__(self) -> int:
        return self.count()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sketch) and self.registers == other.registers

    __hash__ = None  # type: ignore[assignment]  # mutable

    # ------------------------------------------------------------------ storing
    def to_bytes(self) -> bytes:
        """Sparse (3 bytes per non-zero register) while that is smaller, else dense."""
        used = [(i, r) for i, r in enumerate(self.registers) if r]
        if len(used) <= _SPARSE_LIMIT:
            body = b"".join(((i << 6) | r).to_bytes(3, "big") for i, r in used)
            return _MAGIC + bytes([_SPARSE]) + body
        packed = bytearray(DENSE_BYTES)
        regs = self.registers
        for group in range(REGISTERS // 4):
            a, b, c, d = regs[4 * group : 4 * group + 4]
            word = (a << 18) | (b << 12) | (c << 6) | d
            packed[3 * group : 3 * group + 3] = word.to_bytes(3, "big")
        return _MAGIC + bytes([_DENSE]) + bytes(packed)

    @classmethod
    def from_bytes(cls, data: bytes | None) -> Sketch:
        """The sketch `to_bytes` wrote (None or empty: an empty sketch); ValueError if the
        bytes are not one."""
        sketch = cls()
        if not data:
            return sketch
        if len(data) < 2 or data[:1] != _MAGIC or data[1] not in (_SPARSE, _DENSE):
            raise ValueError("not a HyperLogLog sketch")
        body = memoryview(data)[2:]
        regs = sketch.registers
        if data[1] == _SPARSE:
            if len(body) % 3:
                raise ValueError("a sparse sketch is 3 bytes per register")
            for start in range(0, len(body), 3):
                entry = int.from_bytes(body[start : start + 3], "big")
                index, rank = entry >> 6, entry & 0x3F
                if index >= REGISTERS or rank > _MAX_RANK:
                    raise ValueError("a register out of range")
                regs[index] = max(regs[index], rank)
            return sketch
        if len(body) != DENSE_BYTES:
            raise ValueError(f"a dense sketch is {DENSE_BYTES} bytes")
        for group in range(REGISTERS // 4):
            word = int.from_bytes(body[3 * group : 3 * group + 3], "big")
            regs[4 * group : 4 * group + 4] = bytes(
                (word >> 18 & 0x3F, word >> 12 & 0x3F, word >> 6 & 0x3F, word & 0x3F)
            )
        if max(regs) > _MAX_RANK:
            raise ValueError("a register out of range")
        return sketch


def _sigma(x: float) -> float:
    if x == 1.0:
        return math.inf
    y, z = 1.0, x
    while True:
        x *= x
        previous = z
        z += x * y
        y += y
        if z == previous:
            return z


def _tau(x: float) -> float:
    if x in (0.0, 1.0):
        return 0.0
    y, z = 1.0, 1.0 - x
    while True:
        x = math.sqrt(x)
        previous = z
        y *= 0.5
        z -= (1.0 - x) ** 2 * y
        if z == previous:
            return z / 3.0

"""A forward-only DER header reader, so a large .p7m is checked without holding it in memory."""

import io
import os
from typing import BinaryIO

from .errors import NotAnEnvelope, TrailingData, TruncatedEnvelope, UnsupportedEncoding

CHUNK = 1024 * 1024
MAX_LENGTH_OCTETS = 4  # 4 GiB: far beyond any envelope we accept


class DerReader:
    """Walks nested DER elements of a file object, keeping only the current header in memory."""

    def __init__(self, fileobj: BinaryIO):
        self._file = fileobj
        self._peeked = b''
        self._ends: list[int] = []
        self.pos = 0

    def peek_tag(self) -> int:
        """The tag byte of the next element, without consuming it."""
        if not self._peeked:
            self._peeked = self._read(1)
            self.pos -= 1
        return self._peeked[0]

    def enter(self, tag: int, error: type[Exception], what: str) -> None:
        """Step into a constructed element; `leave` must later find its end exactly."""
        length, _ = self._header(tag, error, what)
        self._ends.append(self.pos + length)

    def leave(self, what: str) -> None:
        """Step out of the innermost element, refusing content left over inside it."""
        if self.pos != self._ends.pop():
            raise NotAnEnvelope(f'{what} has unexpected content at byte {self.pos}')

    def read_element(self, tag: int, error: type[Exception], what: str, max_length: int) -> bytes:
        """The whole encoding (header and value) of a small element, for a full DER parser."""
        length, header = self._header(tag, error, what)
        if length > max_length:
            raise NotAnEnvelope(f'{what} is implausibly large ({length} bytes)')
        return header + self._read(length)

    def skip_element(self, tag: int, error: type[Exception], what: str) -> int:
        """Step past a primitive element; its value length. In a file that holds all of it,
        by seeking (the encrypted content of a sealed bid is megabytes nobody needs to read
        here); otherwise by reading it in chunks, so a stream or a truncated file ends the
        same way (TruncatedEnvelope)."""
        length, _ = self._header(tag, error, what)
        remaining = length
        if remaining and not self._peeked and self._holds(remaining):
            self._file.seek(remaining, os.SEEK_CUR)
            self.pos += remaining
            return length
        while remaining:
            remaining -= len(self._read(min(CHUNK, remaining)))
        return length

    def expect_eof(self) -> None:
        """Refuse bytes after the outermost element."""
        if self._peeked or self._file.read(1):
            raise TrailingData(f'unexpected bytes after the end of the envelope (byte {self.pos})')

    @property
    def declared_size(self) -> int | None:
        """Total size the outermost element announces, once its header is read."""
        return self._ends[0] if self._ends else None

    def _holds(self, n: int) -> bool:
        """Whether the file is a seekable regular file with at least `n` bytes left."""
        try:
            if not self._file.seekable():
                return False
            return os.fstat(self._file.fileno()).st_size - self._file.tell() >= n
        except (AttributeError, OSError, io.UnsupportedOperation):
            return False

    def _header(self, tag: int, error: type[Exception], what: str) -> tuple[int, bytes]:
        start = self.pos
        head = self._read(2)
        if head[0] != tag:
            raise error(f'expected {what} (tag 0x{tag:02x}) at byte {start}, found 0x{head[0]:02x}')
        if head[1] == 0x80:
            raise UnsupportedEncoding(
                f'{what} uses indefinite-length (BER streaming) encoding; DER is required '
                '(create the envelope without -stream)'
            )
        if head[1] < 0x80:
            length = head[1]
        else:
            count = head[1] & 0x7F
            if count > MAX_LENGTH_OCTETS:
                raise NotAnEnvelope(f'{what} at byte {start} has an impossible length')
            extra = self._read(count)
            head += extra
            length = int.from_bytes(extra, 'big')
        if self._ends and self.pos + length > self._ends[-1]:
            raise NotAnEnvelope(f'{what} at byte {start} overruns the element containing it')
        return length, head

    def _read(self, n: int) -> bytes:
        data, self._peeked = self._peeked[:n], self._peeked[n:]
        if len(data) < n:
            data += self._file.read(n - len(data))
        self.pos += len(data)
        if len(data) < n:
            if self.pos == 0:
                raise NotAnEnvelope('the file is empty')
            declared = self.declared_size
            limit = f'the envelope declares {declared} bytes' if declared else 'inside a header'
            raise TruncatedEnvelope(f'the file ends after {self.pos} bytes; {limit}')
        return data

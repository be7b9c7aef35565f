"""The QR code on "App instellen": the otpauth:// URI drawn as one SVG path, cheaply.

The page is opened once per enrolment, but it used to cost five times the step before it, and
nearly all of it was the QR code: qrcode's `make()` tries the eight masks by placing the data
module by module eight times and scoring each matrix cell by cell, and its SVG factory builds
an element per dark module. Here the same code is made with whole rows as Python integers:

- the version and error-correction level are picked, not fitted: version 10 at level M holds
  216 bytes, which an otpauth:// URI for an issuer of 24 characters and an address of 64 fills
  with room to spare (tests/tokens/test_qr.py asserts it); a longer URI takes the smallest
  version after it that holds it (any address the model holds fits: 254 characters, and what
  is percent-encoded is coded as alphanumeric; past version 40 the page has no code, only the
  link and the key to type);
- the segments are qrcode's own (`optimal_data_chunks`, so the seed is alphanumeric), the bits
  and the Reed-Solomon codewords are computed here, a table lookup per byte;
- the data is placed once (a precomputed order of modules per version), each of the eight masks
  is one XOR of big integers, and its penalty (ISO/IEC 18004 rules 1 to 4, scored exactly as
  qrcode scores them) is counted with shifts and `int.bit_count`, so the chosen mask, and with it
  the whole matrix, equals qrcode's own;
- the path is one stroke per row, written by `str.translate`, not a square per module.

What is cached is geometry (which module holds which bit, the masks, the function patterns,
the Reed-Solomon tables): nothing that depends on the URI, so nothing that holds a seed.
"""

from __future__ import annotations

import functools
import logging
import operator

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.views.decorators.debug import sensitive_variables
from qrcode import LUT, base, util
from qrcode.constants import ERROR_CORRECT_M
from qrcode.main import QRCode

VERSION = 10  # 57 × 57 modules
ERROR_CORRECTION = ERROR_CORRECT_M  # 15 % of the code may be lost (glare on a screen, say)
BORDER = 4  # the quiet zone the standard asks for, in modules
TITLE_ID = "qr-code-title"

logger = logging.getLogger(__name__)

# Penalty rule 3: the finder-like pattern 1:1:3:1:1 with four light modules before or after.
_FINDER_LIKE = ((1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0), (0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1))


@sensitive_variables("uri")
def qr_svg(uri: str) -> SafeString:
    """The URI as an inline SVG QR code with a title for screen readers; drawn here, not fetched.

    Safe to insert in a page: the URI is only drawn, and the title is escaped.
    """
    try:
        size, dark = matrix_rows(uri)
    except TooLong:
        logger.warning(
            "No QR code: the otpauth URI has %d bytes, more than a QR code holds", len(uri.encode())
        )
        return SafeString()
    width = size + 2 * BORDER
    # One stroke one module high along the middle of each row: "h" over dark modules, "m" over
    # light ones, and back to the start of the next row; str.translate writes it, in C.
    strokes = "\n".join(dark).replace("1111", "a").replace("0000", "b")
    strokes = strokes.translate(_strokes_table(size))
    title = escape(gettext("QR-code om uw account toe te voegen aan uw authenticator-app"))
    return mark_safe(  # noqa: S308  # nosec B308, B703 (numbers and an escaped title)
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {width}" '
        f'class="qr-code" role="img" aria-labelledby="{TITLE_ID}" shape-rendering="crispEdges">'
        f'<title id="{TITLE_ID}">{title}</title>'
        f'<rect width="{width}" height="{width}" fill="#fff"/>'
        f'<path d="M{BORDER} {BORDER + 0.5}{strokes}" fill="none" stroke="#000" '
        f'stroke-width="1"/></svg>'
    )


@functools.cache
def _strokes_table(size: int) -> dict[int, str]:
    return str.maketrans({"1": "h1", "a": "h4", "0": "m1 0", "b": "m4 0", "\n": f"m-{size} 1"})


@sensitive_variables("data", "segments", "codewords", "bits", "rows", "columns")
def matrix_rows(data: str) -> tuple[int, list[str]]:
    """The QR code's size and its rows as strings of "1" (dark) and "0", without the border."""
    segments = list(util.optimal_data_chunks(data, minimum=20))  # as qrcode's add_data does
    version = version_for(segments)
    layout = _layout(version)
    codewords = _codewords(segments, version)
    bits = "".join(map("{:08b}".format, codewords)) + "0"  # the last "0": remainder bits
    rows = int(layout.rows_from(bits)[::-1], 2)  # bit i is module i, row by row
    columns = int(layout.columns_from(bits)[::-1], 2)  # bit i is module i, column by column
    mask = min(range(8), key=lambda m: (layout.penalty(rows, columns, m), m))
    modules = layout.functions[mask] | (rows ^ layout.masks[mask][0])
    text = f"{modules:0{layout.size**2}b}"[::-1]
    n = layout.size
    return n, [text[i : i + n] for i in range(0, n * n, n)]


class TooLong(ValueError):
    """More data than a QR code of version 40 holds at the level."""


def version_for(segments) -> int:
    """VERSION, or for a URI too long for it the smallest version that holds it at the level."""
    for version in range(VERSION, 41):
        if _bit_count(segments, version) <= util.BIT_LIMIT_TABLE[ERROR_CORRECTION][version]:
            return version
    raise TooLong


def _bit_count(segments, version) -> int:
    total = 0
    for segment in segments:
        length = len(segment.data)
        total += 4 + util.length_in_bits(segment.mode, version)
        if segment.mode == util.MODE_NUMBER:
            total += 10 * (length // 3) + (0, 4, 7)[length % 3]
        elif segment.mode == util.MODE_ALPHA_NUM:
            total += 11 * (length // 2) + 6 * (length % 2)
        else:
            total += 8 * length
    return total


@sensitive_variables("segments", "value", "data", "block", "blocks", "register")
def _codewords(segments, version) -> list[int]:
    """Data and error-correction codewords, interleaved, as qrcode's `create_data` makes them."""
    value, length = 0, 0
    for segment in segments:
        for part, bits in _segment_parts(segment, version):
            value, length = (value << bits) | part, length + bits
    rs_blocks = base.rs_blocks(version, ERROR_CORRECTION)
    limit = sum(block.data_count for block in rs_blocks) * 8
    terminator = min(limit - length, 4)
    length += terminator
    padding = -length % 8
    value <<= terminator + padding
    data = list(value.to_bytes((length + padding) // 8, "big"))
    data += [util.PAD0, util.PAD1] * ((limit // 8 - len(data)) // 2 + 1)
    del data[limit // 8 :]

    blocks, offset = [], 0
    for block in rs_blocks:
        blocks.append(data[offset : offset + block.data_count])
        offset += block.data_count
    ec_count = rs_blocks[0].total_count - rs_blocks[0].data_count
    table, top = _rs_table(ec_count), 8 * (ec_count - 1)
    corrections = []
    for block in blocks:
        register = 0
        for byte in block:
            register = ((register << 8) & ((1 << (top + 8)) - 1)) ^ table[byte ^ (register >> top)]
        corrections.append(list(register.to_bytes(ec_count, "big")))
    interleaved = [b[i] for i in range(max(map(len, blocks))) for b in blocks if i < len(b)]
    return interleaved + [c[i] for i in range(ec_count) for c in corrections]


def _segment_parts(segment, version):
    """(value, bit length) pairs: mode, character count, then the characters."""
    data = segment.data
    yield segment.mode, 4
    yield len(data), util.length_in_bits(segment.mode, version)
    if segment.mode == util.MODE_NUMBER:
        for i in range(0, len(data), 3):
            chunk = data[i : i + 3]
            yield int(chunk), util.NUMBER_LENGTH[len(chunk)]
    elif segment.mode == util.MODE_ALPHA_NUM:
        index = util.ALPHA_NUM.index
        for i in range(0, len(data) - 1, 2):
            yield index(data[i : i + 1]) * 45 + index(data[i + 1 : i + 2]), 11
        if len(data) % 2:
            yield index(data[-1:]), 6
    else:
        yield int.from_bytes(data, "big"), 8 * len(data)


@functools.cache
def _rs_table(ec_count: int) -> tuple[int, ...]:
    """For each leading byte, the generator polynomial times it, as one integer of ec_count
    bytes: a long division step of Reed-Solomon is then a shift and an XOR."""
    generator = _generator(ec_count)[1:]
    exp, log = base.EXP_TABLE, base.LOG_TABLE
    table = [0]
    for factor in range(1, 256):
        products = bytes(exp[(log[g] + log[factor]) % 255] if g else 0 for g in generator)
        table.append(int.from_bytes(products, "big"))
    return tuple(table)


def _generator(ec_count: int) -> list[int]:
    if ec_count in LUT.rsPoly_LUT:
        return list(LUT.rsPoly_LUT[ec_count])
    poly = base.Polynomial([1], 0)
    for i in range(ec_count):
        poly = poly * base.Polynomial([1, base.gexp(i)], 0)
    return list(poly)


class _Layout:
    """One version's geometry, as integers whose bit i is module i (row by row; `columns`:
    column by column): which module holds which data bit, the function patterns, the masks.

    The function patterns are drawn by qrcode's own `setup_*` methods (qrcode 8); the tests
    compare whole matrices with qrcode's, so a change there shows."""

    def __init__(self, version: int):
        n = self.size = version * 4 + 17
        code = QRCode(version=version, error_correction=ERROR_CORRECTION)
        code.modules_count = n
        code.modules = [[None] * n for _ in range(n)]
        code.setup_position_probe_pattern(0, 0)
        code.setup_position_probe_pattern(n - 7, 0)
        code.setup_position_probe_pattern(0, n - 7)
        code.setup_position_adjust_pattern()
        code.setup_timing_pattern()
        code.setup_type_info(True, 0)  # format (and version) modules reserved, light
        if version >= 7:
            code.setup_type_number(True)
        grid = [row[:] for row in code.modules]
        order = _placement_order(grid)
        data_bits = len(order) // 8 * 8  # the rest are remainder bits, always "0"
        where = {cell: i if i < data_bits else data_bits for i, cell in enumerate(order)}
        by_row = [where.get((r, c), data_bits) for r in range(n) for c in range(n)]
        by_column = [where.get((r, c), data_bits) for c in range(n) for r in range(n)]
        self.rows_from = _joined(operator.itemgetter(*by_row))
        self.columns_from = _joined(operator.itemgetter(*by_column))

        self.blank = _as_ints(grid, lambda r, c: grid[r][c] is True)
        self.masks = []
        for mask in range(8):
            applies = util.mask_func(mask)
            self.masks.append(
                _as_ints(grid, lambda r, c, applies=applies: grid[r][c] is None and applies(r, c))
            )
        self.functions = []
        for mask in range(8):
            code.setup_type_info(False, mask)
            if version >= 7:
                code.setup_type_number(False)
            self.functions.append(
                _as_ints(code.modules, lambda r, c: code.modules[r][c] is True)[0]
            )

        whole = (1 << n * n) - 1

        def starts(width: int, *, rows: int = 1) -> int:
            """Modules where a window `width` wide (and `rows` high) fits in the matrix."""
            line = (1 << (n - width + 1)) - 1
            return sum(line << (r * n) for r in range(n - rows + 1)) & whole

        self.within = {w: starts(w) for w in (5, 6, 11)}
        self.square = starts(2, rows=2)

    def penalty(self, rows: int, columns: int, mask: int) -> int:
        """qrcode's `util.lost_point` of the matrix with this mask (format modules light)."""
        row_mask, column_mask = self.masks[mask]
        blank_rows, blank_columns = self.blank
        by_row = blank_rows | (rows ^ row_mask)
        by_column = blank_columns | (columns ^ column_mask)
        n, within = self.size, self.within
        score = 0
        for matrix in (by_row, by_column):
            same = ~(matrix ^ (matrix >> 1))  # module i has the colour of module i + 1
            four = same & (same >> 1)
            four &= four >> 2  # modules i to i + 4 have one colour
            # Rule 1: a run of L >= 5 scores L - 2; it holds L - 4 windows of 5, L - 5 of 6.
            fives = (four & within[5]).bit_count()
            sixes = (four & (same >> 4) & within[6]).bit_count()
            score += 3 * fives - 2 * sixes
            # Rule 3: 40 for each finder-like pattern.
            light = ~matrix
            for pattern in _FINDER_LIKE:
                found = within[11]
                for offset, colour in enumerate(pattern):
                    found &= (matrix if colour else light) >> offset
                score += 40 * found.bit_count()
        # Rule 2: 3 for each 2 × 2 block of one colour.
        same = ~(by_row ^ (by_row >> 1))
        below = ~(by_row ^ (by_row >> n))
        score += 3 * (same & below & (below >> 1) & self.square).bit_count()
        # Rule 4: 10 for each 5 % the share of dark modules is away from half.
        percent = float(by_row.bit_count()) / (n**2)
        return score + int(abs(percent * 100 - 50) / 5) * 10


@functools.cache
def _layout(version: int) -> _Layout:
    return _Layout(version)


def _joined(getter):
    return lambda bits: "".join(getter(bits))


def _placement_order(grid) -> list[tuple[int, int]]:
    """The modules that hold data, in the order the bits go in: two columns at a time, up and
    down from the bottom right, skipping the timing column (qrcode's `map_data`)."""
    n = len(grid)
    order = []
    upward = True
    for right in range(n - 1, 0, -2):
        if right <= 6:
            right -= 1
        for row in range(n - 1, -1, -1) if upward else range(n):
            for col in (right, right - 1):
                if grid[row][col] is None:
                    order.append((row, col))
        upward = not upward
    return order


def _as_ints(grid, dark) -> tuple[int, int]:
    """The modules for which `dark(row, col)` holds, by row and by column."""
    n = len(grid)
    by_row = "".join("1" if dark(r, c) else "0" for r in range(n) for c in range(n))
    by_column = "".join("1" if dark(r, c) else "0" for c in range(n) for r in range(n))
    return int(by_row[::-1], 2), int(by_column[::-1], 2)

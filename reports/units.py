#!/usr/bin/python3
"""Formatting of SI values for humans.

Run files keep plain SI (joules, seconds, bytes); tables show engineering
units so that 2.36e-11 J reads as "23.6 pJ".

    >>> energy(2.36e-11)
    '23.6 pJ'
    >>> time(4.8e-06)
    '4.80 µs'
"""

import math

MISSING = "—"

# Exponent of 1000 -> prefix. Stops at giga: nothing nmsim reports is larger.
PREFIXES = {-5: "f", -4: "p", -3: "n", -2: "µ", -1: "m", 0: "", 1: "k", 2: "M", 3: "G"}


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def prefix_exponent(value):
    """Power of 1000 whose SI prefix shows |value| in [1, 1000), clamped to PREFIXES."""
    exp3 = int(math.floor(math.log10(abs(value)) / 3)) if value else 0
    return max(min(exp3, max(PREFIXES)), min(PREFIXES))


def eng(value, unit, digits=3):
    """`value` in SI base units with an SI prefix and `digits` significant digits."""
    if not _is_number(value):
        return MISSING
    if value == 0:
        return f"0 {unit}"
    exp3 = int(math.floor(math.log10(abs(value)) / 3))
    if exp3 != prefix_exponent(value):  # beyond femto or giga: plain scientific notation
        return f"{value:.{digits}g} {unit}"
    mantissa = float(f"{value / 1000.0 ** exp3:.{digits}g}")
    # Rounding can carry 999.96 up to 1000; move to the next prefix then.
    if abs(mantissa) >= 1000 and exp3 + 1 in PREFIXES:
        exp3 += 1
        mantissa = float(f"{value / 1000.0 ** exp3:.{digits}g}")
    decimals = max(digits - 1 - int(math.floor(math.log10(abs(mantissa)))), 0)
    return f"{mantissa:.{decimals}f} {PREFIXES[exp3]}{unit}"


def energy(joules):
    return eng(joules, "J")


def time(seconds):
    return eng(seconds, "s")


def power(watts):
    return eng(watts, "W")


def count(n):
    """Integer counts with thousands separators: 1234567 -> '1,234,567'."""
    if not _is_number(n):
        return MISSING
    if float(n).is_integer():
        return f"{int(n):,}"
    return f"{n:,.3g}"


def nbytes(n):
    """Byte counts in binary units, as memory sizes are quoted (KiB, MiB)."""
    if not _is_number(n):
        return MISSING
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{int(n)} B" if unit == "B" else f"{n:.3g} {unit}"
        n /= 1024.0
    return MISSING  # not reached


def percent(fraction, decimals=1):
    if not _is_number(fraction):
        return MISSING
    return f"{100.0 * fraction:.{decimals}f} %"


def ratio(value, decimals=3):
    if not _is_number(value):
        return MISSING
    return f"{value:.{decimals}f}"


def by_suffix(key, value):
    """Formats a run-file field by its unit suffix (`_j`, `_s`, `_bytes`)."""
    base = key.replace("_per_sample", "")
    if base.endswith("_j"):
        return energy(value)
    if base.endswith("_s"):
        return time(value)
    if base.endswith("_bytes"):
        return nbytes(value)
    if base.endswith("_w"):
        return power(value)
    if base in ("accuracy",):
        return percent(value)
    if base.endswith("rate"):
        return ratio(value, 4)
    return count(value)

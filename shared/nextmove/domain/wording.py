"""How the advice writes figures and lists, the same in every rule and in the email.

Money: '$172,000' for US dollars and 'EUR 95,000' for any other currency (its ISO code,
no symbol guessing); with ``cents``, amounts under 1,000 keep any cents ('$65.38', an
hourly wage), where on a salary they would be noise.
"""

from __future__ import annotations


def money(amount: float, currency: str = "USD", *, cents: bool = False) -> str:
    """``amount`` in ``currency``: '$172,000', '-$5,000', 'EUR 95,000'."""
    sign = "-" if amount < 0 else ""
    small = cents and abs(amount) < 1000
    figure = number(abs(amount), decimals=2, cents=True) if small else f"{round(abs(amount)):,}"
    return f"{sign}${figure}" if currency == "USD" else f"{sign}{currency} {figure}"


def number(value: float, *, decimals: int, cents: bool = False) -> str:
    """Thousands separators and no trailing zeros (``18.5``), except that ``cents`` keeps
    a pair of decimals on money that has any (``65.50``)."""
    rounded = round(value, decimals)
    if rounded == int(rounded):
        return f"{int(rounded):,}"
    text = f"{rounded:,.{decimals}f}"
    return text if cents else text.rstrip("0").rstrip(".")


def pct(fraction: float) -> str:
    """0.187 -> '19%'."""
    return f"{fraction * 100:.0f}%"


def ordinal(n: int) -> str:
    """1 -> '1st', 12 -> '12th', 23 -> '23rd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def join_words(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c': lists as a coach would say them.

    When an item has an "and" of its own ("hiring and interviewing"), a comma before the
    last "and" keeps the items apart.
    """
    if len(items) == 1:
        return items[0]
    last = ", and" if len(items) > 2 and any(" and " in i for i in items) else " and"
    return f"{', '.join(items[:-1])}{last} {items[-1]}"


def with_article(phrase: str) -> str:
    """'an Engineering Manager', 'a $1B company' (by spelling, which is close enough)."""
    return f"{'an' if phrase[:1].lower() in 'aeiou' else 'a'} {phrase}"

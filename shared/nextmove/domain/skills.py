"""Skills: build the skills of the next job, not only the current one.

Compares the skills a person lists with the core skills of the role their goal targets
and proposes the next two or three to build, each with a project they can run in their
current job, and says which of their skills carry over. The roles, their core skills
(most important first) and the projects come from the NextMove role catalogue
(``reference/roles.json``), versioned and with its provenance; SOC codes in it follow
the 2018 Standard Occupational Classification.

The catalogue's order carries the advice: a software engineer heading for engineering
manager first needs team leadership, for sales engineer customer interaction, and for
implementation services leader learning new environments fast.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from nextmove.contracts.events import GoalData, GoalUpdated, ProfileUpdated
from nextmove.contracts.recommendation import Evidence, Recommendation
from nextmove.domain.state import PersonState
from nextmove.domain.wording import join_words, with_article

PLAN_SIZE = 3  # more than three skills at once is a list, not a plan


@dataclass(frozen=True)
class Skill:
    id: str
    name: str
    aliases: tuple[str, ...]
    project: str


@dataclass(frozen=True)
class Role:
    id: str
    title: str
    family: str
    aliases: tuple[str, ...]
    soc: str | None
    soc_title: str | None
    step_up: str | None  # the role this one typically leads to, for example rewrites
    core_skills: tuple[str, ...]  # skill ids, most important first


@dataclass(frozen=True)
class Catalogue:
    name: str
    version: str
    roles: dict[str, Role]
    skills: dict[str, Skill]
    _role_names: dict[str, str]  # normalised title or alias -> role id
    _skill_names: dict[str, str]  # normalised name or alias -> skill id
    _role_pattern: re.Pattern[str]

    def find_role(self, text: str) -> Role | None:
        """The catalogue role named in ``text`` (a title or free text), if any.

        The longest name wins, so "VP of Engineering" is not read as "Engineering".
        """
        found = self._role_pattern.findall(normalise(text))
        if not found:
            return None
        return self.roles[self._role_names[max(found, key=len)]]

    def role_spans(self, text: str) -> list[tuple[int, int]]:
        """Where catalogue role names stand in ``text`` (single-spaced, so its lower case
        keeps every offset)."""
        return [m.span() for m in self._role_pattern.finditer(text.lower())]

    def skill_for(self, name: str) -> Skill | None:
        """The catalogue skill a person's own wording names (case- and alias-insensitive)."""
        skill_id = self._skill_names.get(normalise(name))
        return self.skills[skill_id] if skill_id else None


def normalise(text: str) -> str:
    """Lower case with single spaces: how names are compared."""
    return " ".join(text.lower().split())


@cache
def catalogue() -> Catalogue:
    """The packaged role catalogue, read once per process."""
    raw = json.loads(
        resources.files("nextmove").joinpath("reference", "roles.json").read_text("utf-8")
    )
    skills = {
        skill_id: Skill(skill_id, s["name"], tuple(s["aliases"]), s["project"])
        for skill_id, s in raw["skills"].items()
    }
    roles = {
        r["id"]: Role(
            id=r["id"],
            title=r["title"],
            family=r["family"],
            aliases=tuple(r["aliases"]),
            soc=r["soc"],
            soc_title=r["soc_title"],
            step_up=r["step_up"],
            core_skills=tuple(r["core_skills"]),
        )
        for r in raw["roles"]
    }
    role_names = _index({r.id: (r.title, *r.aliases) for r in roles.values()})
    # Names are matched as whole words: "cto" must not match inside "director".
    alternatives = "|".join(re.escape(n) for n in sorted(role_names, key=len, reverse=True))
    return Catalogue(
        name=raw["catalogue"],
        version=raw["version"],
        roles=roles,
        skills=skills,
        _role_names=role_names,
        _skill_names=_index({s.id: (s.name, *s.aliases) for s in skills.values()}),
        _role_pattern=re.compile(rf"(?<![\w&+#])(?:{alternatives})(?![\w&+#])"),
    )


def _index(names_by_id: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Normalised name -> id; a name claimed by two entries is a catalogue error."""
    index: dict[str, str] = {}
    for entry_id, names in names_by_id.items():
        for name in names:
            key = normalise(name)
            if index.setdefault(key, entry_id) != entry_id:
                raise ValueError(f"{name!r} names both {index[key]!r} and {entry_id!r}")
    return index


def target_role(goal: GoalData | None) -> Role | None:
    """The catalogue role a goal aims at: its explicit target role, else its statement."""
    if goal is None:
        return None
    cat = catalogue()
    if goal.target_role and (role := cat.find_role(goal.target_role)):
        return role
    return cat.find_role(goal.statement)


@dataclass(frozen=True)
class GapPlan:
    role: Role
    to_build: tuple[Skill, ...]  # most important first
    carry_over: tuple[Skill, ...]  # core skills of the target the person already has

    @property
    def key(self) -> str:
        return "/".join([self.role.id, *(s.id for s in self.to_build)])

    @property
    def missing(self) -> int:
        """How many of the role's core skills the person lacks (``to_build`` shows the
        first ``PLAN_SIZE``)."""
        return len(self.role.core_skills) - len(self.carry_over)


def gap_plan(role: Role, person_skills: list[str]) -> GapPlan:
    """The next skills to build for ``role``, given the skills a person lists."""
    cat = catalogue()
    have = {skill.id for name in person_skills if (skill := cat.skill_for(name))}
    core = [cat.skills[skill_id] for skill_id in role.core_skills]
    return GapPlan(
        role=role,
        to_build=tuple(s for s in core if s.id not in have)[:PLAN_SIZE],
        carry_over=tuple(s for s in core if s.id in have),
    )


def advise_gap(
    state: PersonState, event: GoalUpdated | ProfileUpdated, *, tenant: str
) -> tuple[PersonState, Recommendation | None]:
    """Rule ``skills.gap_plan``: the next skills to build for the goal's target role.

    Needs a goal naming a catalogue role and a profile listing skills. A plan already
    sent is not sent again (a profile edit that leaves the skills alone changes nothing),
    except to the event that sent it, so a redelivery gets the same answer.
    """
    role = target_role(state.goal.data if state.goal else None)
    if role is None:
        return _advise_from_tasks(state, event, tenant)
    if state.profile is None or not state.profile.data.skills:
        return state, None
    plan = gap_plan(role, state.profile.data.skills)
    if not plan.to_build:
        return state, None
    mark = state.skills_plan
    if plan.key == mark.key and mark.sent_by != event.id:
        return state, None
    cat = catalogue()
    names = [s.name.lower() for s in plan.to_build]
    body = (
        f"To move towards {role.title}, build {join_words(names)} next: "
        f"{'they are' if len(names) > 1 else 'it is'} among the skills the role depends on "
        "most, and your profile does not list "
        f"{'them' if len(names) > 1 else 'it'} yet. Each comes with a project you can run "
        "in your current job, so you build it where people can see it."
    )
    if plan.carry_over:
        carried = join_words([s.name.lower() for s in plan.carry_over])
        body += f" What carries over: {carried}; say so when you make the case for the move."
    evidence = [
        Evidence(
            label=f"Core skill #{role.core_skills.index(s.id) + 1} of {role.title}",
            value=s.name,
            source=cat.name,
            year=cat.version,
            detail="missing from your profile",
        )
        for s in plan.to_build
    ] + [
        Evidence(
            label=f"Carries over to {role.title}",
            value=s.name,
            source=cat.name,
            year=cat.version,
            detail="listed in your profile",
        )
        for s in plan.carry_over
    ]
    rec = Recommendation.create(
        tenant=tenant,
        person_id=state.person_id,
        trigger_event_id=event.id,
        kind="skills",
        created_at=event.occurred_at,
        priority="normal",
        headline=f"Next skills for {role.title}: {join_words(names)}",
        body=body,
        evidence=evidence,
        actions=[f"Build {s.name.lower()}: {s.project}" for s in plan.to_build],
        rule="skills.gap_plan",
    )
    marked = state.model_copy(
        update={"skills_plan": mark.model_copy(update={"key": plan.key, "sent_by": event.id})}
    )
    return marked, rec


# ---- any occupation: a plan from O*NET's task statements ----------------------------

TASKS_READ = 25  # O*NET lists an occupation's core tasks first; these are what it does
SHARED_AT = 0.25  # word overlap (Jaccard) at which two tasks are the same work
TASKS_SOURCE = "O*NET 30.2 task statements"
_GENERIC = frozenset(
    """
    such as other related using use including etc may work perform provide ensure
    duties activities appropriate necessary various based according
    """.split()  # noqa: SIM905 (a list of words reads best as words)
)


@dataclass(frozen=True)
class TaskPlan:
    """Towards an occupation the catalogue does not have: what its workers do that the
    person's current occupation does not (to build), and what both do (carries over)."""

    soc: str
    name: str
    to_build: tuple[str, ...]
    carry_over: tuple[str, ...]

    @property
    def key(self) -> str:
        return "/".join(["onet", self.soc, *(str(hash_text(t)) for t in self.to_build)])


def hash_text(text: str) -> int:
    """A stable short number for a task (Python's hash() changes between processes)."""
    import zlib

    return zlib.crc32(text.encode())


def task_plan(target: tuple[str, str], current: str | None, skills: list[str]) -> TaskPlan | None:
    """The plan towards occupation ``target`` (SOC, name) from occupation ``current``
    (SOC, or None when the current job is not coded) and the skills a profile lists."""
    from nextmove.reference import titles

    wanted = titles.tasks(target[0])[:TASKS_READ]
    if not wanted or target[0] == current:
        return None
    done = [_content(t) for t in (titles.tasks(current) if current else [])]
    listed = [_content(skill) for skill in skills]
    build: list[str] = []
    carry: list[str] = []
    for task in wanted:
        words = _content(task)
        shared = any(_overlap(words, d) >= SHARED_AT for d in done) or any(
            s and s <= words for s in listed
        )
        (carry if shared else build).append(task)
    if not build:
        return None
    return TaskPlan(target[0], target[1], tuple(build[:PLAN_SIZE]), tuple(carry[:PLAN_SIZE]))


def _content(text: str) -> frozenset[str]:
    from nextmove.reference import titles

    return frozenset(w for w in titles.words(text, keep_level=True) if w not in _GENERIC)


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _advise_from_tasks(
    state: PersonState, event: GoalUpdated | ProfileUpdated, tenant: str
) -> tuple[PersonState, Recommendation | None]:
    """Rule ``skills.task_plan``: the goal names an occupation outside the catalogue."""
    # Imported here: goals imports this module, and only such goals need the index.
    from nextmove.domain import goals
    from nextmove.reference import titles

    if state.goal is None or state.profile is None:
        return state, None
    assessment = goals.assess(state.goal.data)
    role = assessment.found.get("role")
    target = goals.target_occupation(assessment, state.goal.data.occupation_code)
    if role is None or target is None:
        return state, None
    profile = state.profile.data
    coded = (
        titles.from_code(profile.occupation_code)
        if profile.occupation_code
        else titles.code(profile.current_role).occupation
    )
    plan = task_plan(target, coded.soc if coded else None, profile.skills)
    if plan is None:
        return state, None
    mark = state.skills_plan
    if plan.key == mark.key and mark.sent_by != event.id:
        return state, None
    current = with_article(profile.current_role)
    # The first paragraph is the reason the email shows above the actions: no source in
    # it, and short; where the work comes from and what carries over follow the actions.
    body = (
        f"To move towards {role} ({plan.name}, SOC {plan.soc}), build the parts of the work "
        f"that your job as {current} does not do yet. Do each one inside your current job "
        "first, with someone who does it today, so the move after this one has a record "
        f"behind it.\n\nO*NET lists them among what {plan.name} do."
    )
    if plan.carry_over:
        body += (
            f" What carries over, because your work as {current} does it too: "
            + "; ".join(_sentence(t) for t in plan.carry_over)
            + ". Say so when you make the case for the move."
        )
    evidence = [
        Evidence(
            label=f"Work of {plan.name} to build",
            value=task,
            source=TASKS_SOURCE,
            year="2026",
            detail=f"not among the tasks of {coded.name}" if coded else "your job is not coded",
        )
        for task in plan.to_build
    ] + [
        Evidence(
            label=f"Carries over to {plan.name}",
            value=task,
            source=TASKS_SOURCE,
            year="2026",
            detail="shared with your current work",
        )
        for task in plan.carry_over
    ]
    evidence.append(onet_evidence())
    rec = Recommendation.create(
        tenant=tenant,
        person_id=state.person_id,
        trigger_event_id=event.id,
        kind="skills",
        created_at=event.occurred_at,
        priority="normal",
        headline=f"Next for {role}: {len(plan.to_build)} parts of the work to build",
        body=body,
        evidence=evidence,
        actions=[
            f"Build this in your current job, with someone who does it today: {_sentence(t)}."
            for t in plan.to_build
        ],
        rule="skills.task_plan",
    )
    marked = state.model_copy(
        update={"skills_plan": mark.model_copy(update={"key": plan.key, "sent_by": event.id})}
    )
    return marked, rec


def onet_evidence() -> Evidence:
    """The attribution O*NET's licence asks of every use of its data, as evidence: each
    recommendation built on O*NET titles or tasks carries it."""
    from nextmove.reference import titles

    return Evidence(
        label="Occupation data",
        value="O*NET 29.2 and 30.2 Databases, CC BY 4.0",
        source="USDOL/ETA O*NET",
        year=titles.RELEASE,
        detail=titles.ATTRIBUTION,
    )


def _sentence(task: str) -> str:
    """A task statement inside a sentence: first letter lower, no final full stop."""
    return task[:1].lower() + task[1:].rstrip(".")

"""The organisation tree from TOML, its shape rules, member counts, and officer roles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from storage import org_tree
from storage.db import Database
from storage.models import Member, MemberStatus, Officer, OfficerRole, Organisation, OrgKind
from storage.org_tree import OrgError, OrgSpec
from storage.repos import audit
from tests import factories
from tests.support import FakeClock

SAMPLE = Path(__file__).parents[2] / "bot" / "samples" / "organisation-sample.toml"


def entry(code: str, kind: str, *children: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"code": code, "name": f"Tổ chức {code}", "kind": kind,
            "children": list(children), **extra}


async def load(db: Database, data: dict[str, Any], clock: FakeClock) -> org_tree.TreeLoadReport:
    async with db.session() as session:
        return await org_tree.load_tree(session, org_tree.parse_tree(data), now=clock())


async def all_orgs(db: Database) -> dict[str, Organisation]:
    async with db.session() as session:
        return {o.code: o for o in (await session.exec(select(Organisation))).all()}


def parent_of(orgs: dict[str, Organisation], code: str) -> str | None:
    by_id = {o.id: c for c, o in orgs.items()}
    return by_id.get(orgs[code].parent_id)


# Loading


async def test_loading_the_sample_twice_creates_once(db: Database, clock: FakeClock) -> None:
    first = await org_tree.load_tree_file(db, SAMPLE, now=clock())
    ids = {code: o.id for code, o in (await all_orgs(db)).items()}

    second = await org_tree.load_tree_file(db, SAMPLE, now=clock())

    assert len(first.created) == 7
    assert (second.created, second.updated, second.unchanged) == ([], [], 7)
    orgs = await all_orgs(db)
    assert {code: o.id for code, o in orgs.items()} == ids
    assert parent_of(orgs, "NA-NP-X1-T2") == "NA-NP-X1"
    assert parent_of(orgs, "NA-THPT-NL1") == "NA"
    assert orgs["NA-THPT-NL1"].kind == OrgKind.BASE_BRANCH


async def test_a_changed_file_updates_in_place(db: Database, clock: FakeClock) -> None:
    tree = entry("P", "province", entry("BC", "base_committee",
                                        entry("B1", "branch", entry("G1", "group")),
                                        entry("B2", "branch")))
    await load(db, {"org": [tree]}, clock)
    before = await all_orgs(db)
    moved = entry("P", "province", entry("BC", "base_committee",
                                         entry("B1", "branch"),
                                         entry("B2", "branch", entry("G1", "group"),
                                               name="Chi bộ mới")))

    report = await load(db, {"org": [moved]}, clock)

    assert sorted(report.updated) == ["B2", "G1"]
    after = await all_orgs(db)
    assert after["G1"].id == before["G1"].id
    assert parent_of(after, "G1") == "B2"
    assert after["B2"].name == "Chi bộ mới"


async def test_a_top_level_entry_keeps_its_place_or_names_its_parent(
        db: Database, clock: FakeClock) -> None:
    await org_tree.load_tree_file(db, SAMPLE, now=clock())

    await load(db, {"org": [entry("NA-NP-X2", "branch"),
                            entry("NA-NP-X3", "branch", parent="NA-NP")]}, clock)

    orgs = await all_orgs(db)
    assert parent_of(orgs, "NA-NP-X2") == "NA-NP"
    assert orgs["NA-NP-X2"].name == "Tổ chức NA-NP-X2"
    assert parent_of(orgs, "NA-NP-X3") == "NA-NP"


async def test_a_parent_named_later_in_the_file_is_created_first(
        db: Database, clock: FakeClock) -> None:
    report = await load(db, {"org": [entry("B1", "branch", parent="BC"),
                                     entry("BC", "base_committee")]}, clock)

    assert sorted(report.created) == ["B1", "BC"]
    assert parent_of(await all_orgs(db), "B1") == "BC"


async def test_loading_is_audited(db: Database, clock: FakeClock) -> None:
    await org_tree.load_tree_file(db, SAMPLE, now=clock())
    await org_tree.load_tree_file(db, SAMPLE, now=clock())

    async with db.session() as session:
        entries = await audit.entries(session, "org.load")
    assert [e.detail for e in entries] == [{"created": 7, "updated": 0}]


BAD_FILES = [
    pytest.param({"org": [entry("P", "district")]}, "'P': unknown kind 'district'",
                 id="unknown-kind"),
    pytest.param({"org": [entry("P", "province", entry("B1", "branch")),
                          entry("B1", "branch")]}, "code 'B1' appears 2 times", id="duplicate"),
    pytest.param({"org": [entry("BC", "base_committee", entry("G1", "group"))]},
                 "'G1': a group must sit under a branch (its parent is base_committee)",
                 id="group-under-committee"),
    pytest.param({"org": [entry("G1", "group")]}, "'G1': a group must sit under a branch",
                 id="group-at-top"),
    pytest.param({"org": [entry("B1", "branch", entry("G1", "group", entry("B2", "branch")))]},
                 "'B2': a branch cannot sit under a group", id="branch-under-group"),
    pytest.param({"org": [entry("P", "province", chidren=[])]}, "'P': unknown keys chidren",
                 id="typo-key"),
    pytest.param({"org": [entry("B1", "branch", parent="NOPE")]},
                 "'B1': parent 'NOPE' does not exist", id="unknown-parent"),
    pytest.param({"org": [entry("P", "province", entry("B1", "branch", parent="P"))]},
                 "'B1': 'parent' is only for top-level entries", id="nested-parent"),
    pytest.param({"org": [{"code": "P", "kind": "province"}]}, "'P': 'name' is missing",
                 id="no-name"),
    pytest.param({"orgs": []}, "the file has no [[org]] entries", id="no-entries"),
]


@pytest.mark.parametrize(("data", "problem"), BAD_FILES)
async def test_a_bad_tree_is_refused_whole(db: Database, clock: FakeClock,
                                           data: dict[str, Any], problem: str) -> None:
    with pytest.raises(OrgError) as refused:
        await load(db, data, clock)

    assert any(problem in found for found in refused.value.problems), refused.value.problems
    assert await all_orgs(db) == {}


async def test_a_tree_that_loops_is_refused(db: Database, clock: FakeClock) -> None:
    await org_tree.load_tree_file(db, SAMPLE, now=clock())

    with pytest.raises(OrgError) as refused:
        await load(db, {"org": [entry("NA", "province", parent="NA-NP-X2")]}, clock)

    assert "'NA' would sit under itself" in refused.value.problems
    assert parent_of(await all_orgs(db), "NA") is None


async def test_changes_that_would_strand_members_are_refused(
        db: Database, clock: FakeClock) -> None:
    await org_tree.load_tree_file(db, SAMPLE, now=clock())
    orgs = await all_orgs(db)
    await factories.member(db, "DV001", "Nguyễn Văn An", orgs["NA-NP-X1"],
                           group_id=orgs["NA-NP-X1-T1"].id)
    change = {"org": [entry("NA-NP-X1", "base_committee", parent="NA-NP"),
                      entry("NA-NP-X2", "branch", entry("NA-NP-X1-T1", "group"),
                            parent="NA-NP")]}

    with pytest.raises(OrgError) as refused:
        await load(db, change, clock)

    assert refused.value.problems == [
        "'NA-NP-X1-T2': a group must sit under a branch (its parent is base_committee)",
        "'NA-NP-X1' has 1 members, so it must stay a branch",
        "group 'NA-NP-X1-T1' has 1 members of branch 'NA-NP-X1'; move them before moving "
        "the group",
    ]
    assert (await all_orgs(db))["NA-NP-X1"].kind == OrgKind.BRANCH


async def test_add_creates_one_and_refuses_an_existing_code(
        db: Database, clock: FakeClock) -> None:
    await org_tree.load_tree_file(db, SAMPLE, now=clock())

    async with db.session() as session:
        created = await org_tree.add_org(session, code="NA-NP-X3", name="Chi bộ xóm 3",
                                         kind=OrgKind.BRANCH, parent_code="NA-NP", now=clock())
    assert parent_of(await all_orgs(db), created.code) == "NA-NP"
    with pytest.raises(OrgError, match="'NA-NP-X3' already exists"):
        async with db.session() as session:
            await org_tree.add_org(session, code="NA-NP-X3", name="x", kind=OrgKind.GROUP,
                                   parent_code="NA-NP-X1", now=clock())


async def test_the_tree_counts_current_members_up_the_levels(
        db: Database, clock: FakeClock) -> None:
    await org_tree.load_tree_file(db, SAMPLE, now=clock())
    orgs = await all_orgs(db)
    x1, t1 = orgs["NA-NP-X1"], orgs["NA-NP-X1-T1"]
    await factories.member(db, "A", "An", x1, group_id=t1.id)
    await factories.member(db, "B", "Bình", x1)
    await factories.member(db, "C", "Cường", x1, group_id=t1.id, status=MemberStatus.LEFT)
    await factories.member(db, "D", "Dũng", orgs["NA-THPT-NL1"])

    async with db.session() as session:
        [root] = await org_tree.tree(session)

    counts: dict[str, int] = {}

    def walk(node: org_tree.TreeNode) -> None:
        counts[node.org.code] = node.members
        for child in node.children:
            walk(child)

    walk(root)
    assert counts == {"NA": 3, "NA-NP": 2, "NA-NP-X1": 2, "NA-NP-X1-T1": 1, "NA-NP-X1-T2": 0,
                      "NA-NP-X2": 0, "NA-THPT-NL1": 1}


# Officer roles


@pytest.fixture
async def people(db: Database, clock: FakeClock) -> dict[str, Member]:
    """The sample tree with a member in group T1 of X1, one in X2, and one in the school."""
    await org_tree.load_tree_file(db, SAMPLE, now=clock())
    orgs = await all_orgs(db)
    return {
        "hung": await factories.member(db, "NA012301", "Nguyễn Văn Hùng", orgs["NA-NP-X1"],
                                       group_id=orgs["NA-NP-X1-T1"].id),
        "nam": await factories.member(db, "NA012305", "Hoàng Văn Nam", orgs["NA-NP-X2"]),
        "mai": await factories.member(db, "NA012308", "Bùi Thị Mai", orgs["NA-THPT-NL1"]),
        "left": await factories.member(db, "NA012399", "Đã Chuyển", orgs["NA-NP-X1"],
                                       status=MemberStatus.LEFT),
    }


async def assign(db: Database, clock: FakeClock, roster_id: str, org_code: str,
                 role: OfficerRole) -> org_tree.RoleChange:
    async with db.session() as session:
        return await org_tree.assign_role(session, roster_id=roster_id, org_code=org_code,
                                          role=role, now=clock())


async def current(db: Database, org_code: str | None = None) -> list[tuple[str, str, str]]:
    async with db.session() as session:
        rows = await org_tree.current_officers(session, org_code)
    return [(r.org.code, r.officer.role, r.member.roster_id) for r in rows]


@pytest.mark.parametrize(("roster_id", "org_code", "role"), [
    ("NA012301", "NA-NP-X1", OfficerRole.SECRETARY),
    ("NA012301", "NA-NP-X1", OfficerRole.DEPUTY_SECRETARY),
    ("NA012308", "NA-THPT-NL1", OfficerRole.SECRETARY),
    ("NA012301", "NA-NP-X1-T1", OfficerRole.GROUP_LEADER),
    ("NA012305", "NA-NP", OfficerRole.BASE_COMMITTEE_MEMBER),
    ("NA012308", "NA", OfficerRole.BASE_COMMITTEE_MEMBER),
])
async def test_roles_are_given_where_they_exist(
        db: Database, clock: FakeClock, people: dict[str, Member],
        roster_id: str, org_code: str, role: OfficerRole) -> None:
    await assign(db, clock, roster_id, org_code, role)

    assert await current(db) == [(org_code, role, roster_id)]


@pytest.mark.parametrize(("roster_id", "org_code", "role", "problem"), [
    ("NA012301", "NA-NP-X1", OfficerRole.GROUP_LEADER,
     "group_leader is a role in a group, but 'NA-NP-X1' is a branch"),
    ("NA012301", "NA-NP-X1-T1", OfficerRole.SECRETARY,
     "secretary is a role in a base_branch or branch, but 'NA-NP-X1-T1' is a group"),
    ("NA012305", "NA-NP", OfficerRole.COMMITTEE_MEMBER,
     "committee_member is a role in a base_branch or branch, but 'NA-NP' is a base_committee"),
    ("NA012305", "NA-NP-X2", OfficerRole.BASE_COMMITTEE_MEMBER,
     "base_committee_member is a role in a base_committee or province or sub_committee, "
     "but 'NA-NP-X2' is a branch"),
    ("NA012399", "NA-NP-X1", OfficerRole.DEPUTY_SECRETARY, "NA012399 has left the party "
                                                           "organisation"),
    ("NA012305", "NA-NP-X1", OfficerRole.SECRETARY, "NA012305 is not a member of 'NA-NP-X1'"),
    ("NA012308", "NA-NP", OfficerRole.BASE_COMMITTEE_MEMBER,
     "NA012308 is not a member of 'NA-NP'"),
    ("NA012305", "NA-NP-X1-T1", OfficerRole.GROUP_LEADER,
     "NA012305 is not a member of 'NA-NP-X1-T1'"),
    ("NOPE", "NA-NP-X1", OfficerRole.SECRETARY, "no member has roster id 'NOPE'"),
    ("NA012301", "NOPE", OfficerRole.SECRETARY, "no organisation has code 'NOPE'"),
])
async def test_roles_are_refused_where_they_do_not_fit(
        db: Database, clock: FakeClock, people: dict[str, Member],
        roster_id: str, org_code: str, role: OfficerRole, problem: str) -> None:
    with pytest.raises(OrgError) as refused:
        await assign(db, clock, roster_id, org_code, role)

    assert problem in refused.value.problems
    assert await current(db) == []


async def test_one_secretary_at_a_time(db: Database, clock: FakeClock,
                                       people: dict[str, Member]) -> None:
    orgs = await all_orgs(db)
    await factories.member(db, "NA012302", "Trần Thị Lan", orgs["NA-NP-X1"])
    await assign(db, clock, "NA012301", "NA-NP-X1", OfficerRole.SECRETARY)

    with pytest.raises(OrgError) as refused:
        await assign(db, clock, "NA012302", "NA-NP-X1", OfficerRole.SECRETARY)
    assert refused.value.problems == [
        "'NA-NP-X1' already has a secretary: NA012301 Nguyễn Văn Hùng; unassign first"]
    with pytest.raises(OrgError, match="NA012301 already is secretary of 'NA-NP-X1'"):
        await assign(db, clock, "NA012301", "NA-NP-X1", OfficerRole.SECRETARY)


async def test_unassign_ends_the_role_and_keeps_its_history(
        db: Database, clock: FakeClock, people: dict[str, Member]) -> None:
    started = clock()
    await assign(db, clock, "NA012301", "NA-NP-X1", OfficerRole.SECRETARY)
    clock.advance(days=365)

    async with db.session() as session:
        await org_tree.unassign_role(session, roster_id="NA012301", org_code="NA-NP-X1",
                                     role=OfficerRole.SECRETARY, now=clock())

    assert await current(db, "NA-NP-X1") == []
    async with db.session() as session:
        officer = (await session.exec(select(Officer))).one()
        entries = await audit.entries(session)
    assert (officer.started_at, officer.ended_at) == (started, clock())
    role_entries = [(e.action, e.actor, e.subject_id, e.detail) for e in entries
                    if e.action.startswith("officer.")]
    member_id = str(people["hung"].id)
    assert role_entries == [
        ("officer.assign", "cli", member_id, {"org": "NA-NP-X1", "role": "secretary"}),
        ("officer.unassign", "cli", member_id, {"org": "NA-NP-X1", "role": "secretary"}),
    ]
    with pytest.raises(OrgError, match="NA012301 is not secretary of 'NA-NP-X1'"):
        async with db.session() as session:
            await org_tree.unassign_role(session, roster_id="NA012301", org_code="NA-NP-X1",
                                         role=OfficerRole.SECRETARY, now=clock())


async def test_a_committee_member_in_a_small_branch_gets_a_warning(
        db: Database, clock: FakeClock, people: dict[str, Member]) -> None:
    change = await assign(db, clock, "NA012305", "NA-NP-X2", OfficerRole.COMMITTEE_MEMBER)

    assert change.warnings == (
        "'NA-NP-X2' has 0 full members on record; a branch committee needs 9 or more",)


async def test_officers_are_listed_by_organisation_then_role(
        db: Database, clock: FakeClock, people: dict[str, Member]) -> None:
    await assign(db, clock, "NA012301", "NA-NP-X1-T1", OfficerRole.GROUP_LEADER)
    await assign(db, clock, "NA012301", "NA-NP-X1", OfficerRole.DEPUTY_SECRETARY)
    await assign(db, clock, "NA012305", "NA-NP", OfficerRole.BASE_COMMITTEE_MEMBER)
    await assign(db, clock, "NA012301", "NA-NP-X1", OfficerRole.SECRETARY)

    assert await current(db) == [
        ("NA-NP", "base_committee_member", "NA012305"),
        ("NA-NP-X1", "secretary", "NA012301"),
        ("NA-NP-X1", "deputy_secretary", "NA012301"),
        ("NA-NP-X1-T1", "group_leader", "NA012301"),
    ]
    assert await current(db, "NA-NP-X1-T1") == [("NA-NP-X1-T1", "group_leader", "NA012301")]


def test_a_spec_without_parent_key_keeps_its_place() -> None:
    specs = org_tree.parse_tree({"org": [entry("B1", "branch", entry("G1", "group"))]})

    assert specs == [OrgSpec("B1", "Tổ chức B1", OrgKind.BRANCH, None, keep_parent=True),
                     OrgSpec("G1", "Tổ chức G1", OrgKind.GROUP, "B1")]

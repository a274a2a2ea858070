"""The organisation tree: loading it from TOML, checking its shape, officer roles, and counts."""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.models import Member, MemberStatus, Officer, OfficerRole, Organisation, OrgKind
from storage.repos import audit, members, orgs

ACTOR = "cli"
SPEC_KEYS = {"code", "name", "kind", "children", "parent"}
# Where each role may be held (Dieu le; the base committee sits at base level or above).
ROLE_KINDS: dict[OfficerRole, frozenset[OrgKind]] = {
    OfficerRole.SECRETARY: frozenset({OrgKind.BRANCH, OrgKind.BASE_BRANCH}),
    OfficerRole.DEPUTY_SECRETARY: frozenset({OrgKind.BRANCH, OrgKind.BASE_BRANCH}),
    OfficerRole.COMMITTEE_MEMBER: frozenset({OrgKind.BRANCH, OrgKind.BASE_BRANCH}),
    OfficerRole.GROUP_LEADER: frozenset({OrgKind.GROUP}),
    OfficerRole.BASE_COMMITTEE_MEMBER: frozenset(
        {OrgKind.BASE_COMMITTEE, OrgKind.SUB_COMMITTEE, OrgKind.PROVINCE}),
}
# Roles one person holds at a time in an organisation.
SINGLE_HOLDER = {OfficerRole.SECRETARY, OfficerRole.GROUP_LEADER}
# A chi bo elects a committee only with 9 or more full members (Dieu le, Art. 24).
COMMITTEE_MIN_FULL_MEMBERS = 9


class OrgError(ValueError):
    """The change was refused; `problems` says why, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class OrgSpec:
    """One organisation as a file describes it; `parent_code` None with `keep_parent` set
    means a top-level entry that stays wherever it already is."""

    code: str
    name: str
    kind: OrgKind
    parent_code: str | None = None
    keep_parent: bool = False


@dataclass
class TreeLoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0


# Reading the file


def read_tree(path: Path) -> list[OrgSpec]:
    """The organisations of a TOML file (`[[org]]`, nested `[[org.children]]`), parents first."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as problem:
        raise OrgError([f"cannot read {path.name}: {problem}"]) from problem
    return parse_tree(data)


def parse_tree(data: dict[str, Any]) -> list[OrgSpec]:
    """Flatten the nested entries, checking keys, kinds and duplicate codes (all at once)."""
    problems: list[str] = []
    entries = data.get("org")
    if not isinstance(entries, list) or not entries:
        raise OrgError(["the file has no [[org]] entries"])
    specs: list[OrgSpec] = []
    for entry in entries:
        _flatten(entry, None, specs, problems, top=True)
    seen = Counter(spec.code for spec in specs)
    problems += [f"code '{code}' appears {n} times" for code, n in seen.items() if n > 1]
    if problems:
        raise OrgError(problems)
    return specs


def _flatten(entry: Any, parent: str | None, specs: list[OrgSpec], problems: list[str], *,
             top: bool) -> None:
    where = f"under '{parent}'" if parent else "at the top level"
    if not isinstance(entry, dict):
        problems.append(f"an entry {where} is not a table")
        return
    code, name, kind = entry.get("code"), entry.get("name"), entry.get("kind")
    label = f"'{code}'" if code else f"an entry {where}"
    if not isinstance(code, str) or not code.strip():
        problems.append(f"{label}: 'code' is missing")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{label}: 'name' is missing")
    if kind not in {k.value for k in OrgKind}:
        problems.append(f"{label}: unknown kind '{kind}' (one of {', '.join(OrgKind)})")
    if unknown := sorted(set(entry) - SPEC_KEYS):
        problems.append(f"{label}: unknown keys {', '.join(unknown)}")
    if "parent" in entry and not top:
        problems.append(f"{label}: 'parent' is only for top-level entries; nesting gives it")
    elif "parent" in entry and not isinstance(entry["parent"], str):
        problems.append(f"{label}: 'parent' must be a code")
    children = entry.get("children", [])
    if not isinstance(children, list):
        problems.append(f"{label}: 'children' must be a list of tables")
        children = []
    if isinstance(code, str) and isinstance(name, str) and kind in {k.value for k in OrgKind}:
        parent_code = entry.get("parent") if top else parent
        specs.append(OrgSpec(code.strip(), name.strip(), OrgKind(kind),
                             parent_code, keep_parent=top and "parent" not in entry))
    for child in children:
        _flatten(child, code if isinstance(code, str) else None, specs, problems, top=False)


# Writing the tree


async def load_tree(session: AsyncSession, specs: list[OrgSpec], *, now: datetime,
                    actor: str = ACTOR) -> TreeLoadReport:
    """Create or update (name, kind, parent) each organisation by code; refused as a whole
    if the resulting tree would be malformed or would strand members."""
    existing = {o.code: o for o in (await session.exec(select(Organisation))).all()}
    await _check_tree(session, specs, existing)
    report = TreeLoadReport()
    for spec in _parents_first(specs):
        org = existing.get(spec.code)
        parent_id = _parent_id(spec, org, existing)
        if org is None:
            org = Organisation(code=spec.code, name=spec.name, kind=spec.kind, parent_id=parent_id)
            report.created.append(spec.code)
        elif (org.name, org.kind, org.parent_id) != (spec.name, spec.kind, parent_id):
            org.name, org.kind, org.parent_id = spec.name, spec.kind, parent_id
            report.updated.append(spec.code)
        else:
            report.unchanged += 1
            continue
        session.add(org)
        await session.flush()  # children need the parent's id
        existing[spec.code] = org
    if report.created or report.updated:
        audit.record(session, at=now, actor=actor, action="org.load", subject=("org_tree", "-"),
                     created=len(report.created), updated=len(report.updated))
    return report


def _parents_first(specs: list[OrgSpec]) -> list[OrgSpec]:
    """The specs ordered so that a parent named in the file is written before its children."""
    pending = {spec.code: spec for spec in specs}
    ordered: list[OrgSpec] = []
    while pending:
        # A cycle cannot reach here (_check_tree refuses it); the fallback just ends the loop.
        ready = [s for s in pending.values() if s.parent_code not in pending]
        ready = ready or list(pending.values())
        ordered += ready
        for spec in ready:
            del pending[spec.code]
    return ordered


def _parent_id(spec: OrgSpec, org: Organisation | None,
               existing: dict[str, Organisation]) -> int | None:
    if spec.keep_parent:
        return org.parent_id if org else None
    return existing[spec.parent_code].id if spec.parent_code else None


async def load_tree_file(db: Database, path: Path, *, now: datetime) -> TreeLoadReport:
    """Read a TOML tree and load it in one transaction."""
    specs = read_tree(path)
    async with db.session() as session:
        return await load_tree(session, specs, now=now)


async def add_org(session: AsyncSession, *, code: str, name: str, kind: OrgKind,
                  parent_code: str | None, now: datetime) -> Organisation:
    """Create one organisation under `parent_code` (or at the top); the code must be new."""
    if await orgs.by_code(session, code) is not None:
        raise OrgError([f"'{code}' already exists; change it with 'org load'"])
    await load_tree(session, [OrgSpec(code, name, kind, parent_code)], now=now)
    created = await orgs.by_code(session, code)
    assert created is not None
    return created


async def _check_tree(session: AsyncSession, specs: list[OrgSpec],
                      existing: dict[str, Organisation]) -> None:
    """The tree after the change: parents exist, kinds nest, no cycles, no stranded members.

    Only what the change touches is checked, so an old oddity elsewhere does not block it.
    """
    by_id = {o.id: o.code for o in existing.values()}
    kinds = {code: OrgKind(o.kind) for code, o in existing.items()}
    parents = {code: by_id.get(o.parent_id) for code, o in existing.items()}
    for spec in specs:
        kinds[spec.code] = spec.kind
        if spec.keep_parent:
            parents.setdefault(spec.code, None)
        else:
            parents[spec.code] = spec.parent_code
    changed = {spec.code for spec in specs}
    touched = changed | {code for code, parent in parents.items() if parent in changed}
    problems = [f"'{code}': parent '{parents[code]}' does not exist" for code in sorted(changed)
                if parents[code] is not None and parents[code] not in kinds]
    problems += _nesting_problems(kinds, parents, touched)
    problems += _cycle_problems(parents, changed)
    problems += await _member_problems(session, kinds, parents, existing, changed)
    if problems:
        raise OrgError(problems)


def _nesting_problems(kinds: dict[str, OrgKind], parents: dict[str, str | None],
                      touched: set[str]) -> list[str]:
    problems = []
    for code in sorted(touched):
        kind, parent_kind = kinds[code], kinds.get(parents.get(code) or "")
        if kind == OrgKind.GROUP and (parent_kind is None or not parent_kind.is_branch):
            problems.append(f"'{code}': a group must sit under a branch "
                            f"(its parent is {parent_kind or 'none'})")
        elif kind != OrgKind.GROUP and parent_kind == OrgKind.GROUP:
            problems.append(f"'{code}': a {kind} cannot sit under a group")
    return problems


def _cycle_problems(parents: dict[str, str | None], changed: set[str]) -> list[str]:
    problems = []
    for start in sorted(changed):
        seen, code = {start}, parents[start]
        while code is not None and code not in seen:
            seen.add(code)
            code = parents.get(code)
        if code == start:
            problems.append(f"'{start}' would sit under itself")
    return problems


async def _member_problems(session: AsyncSession, kinds: dict[str, OrgKind],
                           parents: dict[str, str | None], existing: dict[str, Organisation],
                           changed: set[str]) -> list[str]:
    """Members must keep a branch that is a branch and a group that is in that branch."""
    by_id = {o.id: code for code, o in existing.items()}
    query = (select(Member.branch_id, Member.group_id, func.count())
             .group_by(col(Member.branch_id), col(Member.group_id)))
    problems = []
    for branch_id, group_id, count in (await session.exec(query)).all():
        branch, group = by_id.get(branch_id), by_id.get(group_id)
        if branch in changed and not kinds[branch].is_branch:
            problems.append(f"'{branch}' has {count} members, so it must stay a branch")
        if group not in changed:
            continue
        if kinds[group] != OrgKind.GROUP:
            problems.append(f"'{group}' has {count} members in it as a group, "
                            "so it must stay a group")
        elif parents.get(group) != branch:
            problems.append(f"group '{group}' has {count} members of branch '{branch}'; "
                            "move them before moving the group")
    return problems


# Reading the tree


# The roles whose holders receive a branch's reports (as the request workflow sends them).
COMMITTEE_ROLES = (OfficerRole.BASE_COMMITTEE_MEMBER, OfficerRole.SECRETARY,
                   OfficerRole.DEPUTY_SECRETARY)


@dataclass
class TreeNode:
    """An organisation, its current members (for a group: in the group) and what is below."""

    org: Organisation
    members: int = 0
    children: list[TreeNode] = field(default_factory=list)
    # A branch with no committee officers recorded anywhere above it: its decisions (on
    # exemption requests, ...) would be reported to nobody.
    nobody_above: bool = False


async def tree(session: AsyncSession) -> list[TreeNode]:
    """The whole tree, roots first; counts exclude members who left and add up the levels."""
    all_orgs = (await session.exec(select(Organisation).order_by(col(Organisation.code)))).all()
    nodes = {o.id: TreeNode(o) for o in all_orgs}
    current = Member.status != MemberStatus.LEFT
    by_branch = await session.exec(select(Member.branch_id, func.count()).where(current)
                                   .group_by(col(Member.branch_id)))
    by_group = await session.exec(select(Member.group_id, func.count()).where(current)
                                  .where(col(Member.group_id).is_not(None))
                                  .group_by(col(Member.group_id)))
    direct = dict(by_branch.all()) | dict(by_group.all())
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.org.parent_id)
        (parent.children if parent else roots).append(node)
    staffed = set((await session.exec(
        select(Officer.org_id).where(col(Officer.ended_at).is_(None),
                                     col(Officer.role).in_(COMMITTEE_ROLES)))).all())
    for root in roots:
        _total(root, direct)
        _mark_gaps(root, staffed, covered=False)
    return roots


def _mark_gaps(node: TreeNode, staffed: set[int], *, covered: bool) -> None:
    """Flag branches with no committee officers above them (`covered`: some ancestor has)."""
    if OrgKind(node.org.kind).is_branch:
        node.nobody_above = not covered
    below = covered or node.org.id in staffed
    for child in node.children:
        _mark_gaps(child, staffed, covered=below)


def _total(node: TreeNode, direct: dict[int | None, int]) -> int:
    """Members under `node`; a group's members are already counted in its branch."""
    below = [(_total(child, direct), child) for child in node.children]
    node.members = direct.get(node.org.id, 0) + sum(
        n for n, child in below if child.org.kind != OrgKind.GROUP)
    return node.members


# Officer roles


@dataclass(frozen=True)
class RoleChange:
    """A role given or ended, and anything the operator should double-check."""

    officer: Officer
    member: Member
    org: Organisation
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class OfficerRow:
    org: Organisation
    officer: Officer
    member: Member


async def assign_role(session: AsyncSession, *, roster_id: str, org_code: str,
                      role: OfficerRole, now: datetime, actor: str = ACTOR) -> RoleChange:
    """Give a current member a role in an organisation where that role exists."""
    member, org = await _member_and_org(session, roster_id, org_code)
    problems = [*_kind_problems(org, role), *await _membership_problems(session, member, org)]
    if member.status == MemberStatus.LEFT:
        problems.append(f"{roster_id} has left the party organisation")
    problems += await _holder_problems(session, member, org, role)
    if problems:
        raise OrgError(problems)
    officer = await orgs.assign(session, org, member, role, now)
    if officer is None:
        raise OrgError([f"{roster_id} already is {role} of '{org_code}'"])
    audit.record(session, at=now, actor=actor, action="officer.assign",
                 subject=("member", member.id), org=org.code, role=role.value)
    return RoleChange(officer, member, org, await _role_warnings(session, org, role))


async def unassign_role(session: AsyncSession, *, roster_id: str, org_code: str,
                        role: OfficerRole, now: datetime, actor: str = ACTOR) -> RoleChange:
    """End a role the member holds (the record stays, with `ended_at` set)."""
    member, org = await _member_and_org(session, roster_id, org_code)
    held = [o for o in await orgs.roles_of(session, member.id or 0)
            if o.org_id == org.id and o.role == role]
    if not held or not await orgs.revoke(session, org, member, role, now):
        raise OrgError([f"{roster_id} is not {role} of '{org_code}'"])
    audit.record(session, at=now, actor=actor, action="officer.unassign",
                 subject=("member", member.id), org=org.code, role=role.value)
    return RoleChange(held[0], member, org)


async def current_officers(session: AsyncSession, org_code: str | None = None) -> list[OfficerRow]:
    """Current role holders, of one organisation or of all, by organisation code then role."""
    query = (select(Officer, Member, Organisation)
             .join(Member, col(Member.id) == Officer.member_id)
             .join(Organisation, col(Organisation.id) == Officer.org_id)
             .where(col(Officer.ended_at).is_(None)))
    if org_code is not None:
        org = await orgs.by_code(session, org_code)
        if org is None:
            raise OrgError([f"no organisation has code '{org_code}'"])
        query = query.where(Officer.org_id == org.id)
    order = list(OfficerRole)
    rows = [OfficerRow(o, officer, m) for officer, m, o in (await session.exec(query)).all()]
    return sorted(rows, key=lambda r: (r.org.code, order.index(r.officer.role),
                                       r.member.full_name))


async def _member_and_org(session: AsyncSession, roster_id: str,
                          org_code: str) -> tuple[Member, Organisation]:
    member = await members.by_roster_id(session, roster_id)
    org = await orgs.by_code(session, org_code)
    problems = []
    if member is None:
        problems.append(f"no member has roster id '{roster_id}'")
    if org is None:
        problems.append(f"no organisation has code '{org_code}'")
    if member is None or org is None:
        raise OrgError(problems)
    return member, org


def _kind_problems(org: Organisation, role: OfficerRole) -> list[str]:
    allowed = ROLE_KINDS[role]
    if OrgKind(org.kind) in allowed:
        return []
    return [f"{role} is a role in a {' or '.join(sorted(allowed))}, "
            f"but '{org.code}' is a {org.kind}"]


async def _membership_problems(session: AsyncSession, member: Member,
                               org: Organisation) -> list[str]:
    """Officers are chosen from the members of the organisation they lead."""
    if OrgKind(org.kind).is_branch:
        inside = member.branch_id == org.id
    elif org.kind == OrgKind.GROUP:
        inside = member.group_id == org.id
    else:
        branch = await session.get(Organisation, member.branch_id)
        above = await orgs.ancestors(session, branch) if branch else []
        inside = any(o.id == org.id for o in above)
    return [] if inside else [f"{member.roster_id} is not a member of '{org.code}'"]


async def _holder_problems(session: AsyncSession, member: Member, org: Organisation,
                           role: OfficerRole) -> list[str]:
    if role not in SINGLE_HOLDER:
        return []
    others = [m for _o, m in await orgs.holders(session, org.id or 0, (role,)) if m.id != member.id]
    return [f"'{org.code}' already has a {role}: {m.roster_id} {m.full_name}; unassign first"
            for m in others]


async def _role_warnings(session: AsyncSession, org: Organisation,
                         role: OfficerRole) -> tuple[str, ...]:
    if role != OfficerRole.COMMITTEE_MEMBER:
        return ()
    # Official dates may be missing from the roster, so this is a warning, not a refusal.
    query = select(func.count()).select_from(Member).where(
        Member.branch_id == org.id, Member.status != MemberStatus.LEFT,
        col(Member.official_on).is_not(None))
    full = (await session.exec(query)).one()
    if full >= COMMITTEE_MIN_FULL_MEMBERS:
        return ()
    return (f"'{org.code}' has {full} full members on record; a branch committee needs "
            f"{COMMITTEE_MIN_FULL_MEMBERS} or more",)

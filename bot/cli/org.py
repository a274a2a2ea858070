"""`chibot org`: the organisation tree and who holds which officer role in it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cli.common import chosen_file, run_with_db, utc_now
from bot.samples import SAMPLE_TREE
from conversations.catalogue import default_registry
from storage import org_tree
from storage.db import Database
from storage.models import OfficerRole, OrgKind
from storage.org_tree import OrgError, RoleChange, TreeNode
from vocabulary.settings import Settings

app = typer.Typer(help="Organisations and officer roles.", no_args_is_help=True)

T = TypeVar("T")
# A whole province is tens of thousands of organisations; list only the first changes.
CHANGES_SHOWN = 50


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction; a refusal prints its reasons and exits with code 1."""

    async def in_session(database: Database, _settings: Settings) -> T:
        async with database.session() as session:
            return await work(session)

    try:
        return run_with_db(in_session)
    except OrgError as refused:
        _refused(refused)


def _refused(refused: OrgError) -> NoReturn:
    for problem in refused.problems:
        typer.echo(f"error: {problem}", err=True)
    raise typer.Exit(1) from None


@app.command()
def load(
    file: Annotated[Path | None, typer.Argument(
        exists=True, dir_okay=False, readable=True,
        help="A TOML tree (the README's 'Setting up a party organisation' shows the format).")
    ] = None,
    sample: Annotated[bool, typer.Option(
        "--sample", help=f"Load the sample tree that ships with Chibot ({SAMPLE_TREE}).")
    ] = False,
) -> None:
    """Create or update organisations from a TOML file (by code; nothing is deleted)."""
    file = chosen_file(file, sample, SAMPLE_TREE)
    try:
        specs = org_tree.read_tree(file)
    except OrgError as refused:
        for problem in refused.problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(1) from None
    report = _run(lambda session: org_tree.load_tree(session, specs, now=utc_now()))
    typer.echo(f"created: {len(report.created)}, updated: {len(report.updated)}, "
               f"unchanged: {report.unchanged}")
    changes = [("created", c) for c in report.created] + [("updated", c) for c in report.updated]
    for verb, code in changes[:CHANGES_SHOWN]:
        typer.echo(f"  {verb} {code}")
    if len(changes) > CHANGES_SHOWN:
        typer.echo(f"  ... and {len(changes) - CHANGES_SHOWN} more")


@app.command()
def add(
    code: Annotated[str, typer.Argument(help="A new, stable code (the roster refers to it).")],
    name: Annotated[str, typer.Argument(help="The organisation's name.")],
    kind: Annotated[OrgKind, typer.Option(help="What kind of organisation it is.")],
    parent: Annotated[str | None, typer.Option(help="Code of the organisation above.")] = None,
) -> None:
    """Add one organisation."""
    created = _run(lambda session: org_tree.add_org(
        session, code=code, name=name, kind=kind, parent_code=parent, now=utc_now()))
    typer.echo(f"created {created.code} ({created.kind})")


@app.command("tree")
def show_tree() -> None:
    """Print the tree with each organisation's kind and current member count."""
    roots = _run(org_tree.tree)
    if not roots:
        typer.echo("no organisations yet; load some with 'chibot org load FILE'")
    for root in roots:
        _print_node(root, 0)


def _print_node(node: TreeNode, depth: int) -> None:
    org = node.org
    gap = ("  ! no committee officers recorded above: its decisions are reported to nobody"
           if node.nobody_above else "")
    typer.echo(f"{'    ' * depth}{org.code}  {org.name}  [{org.kind}]  {node.members} members"
               f"{gap}")
    for child in node.children:
        _print_node(child, depth + 1)


@app.command()
def assign(
    roster_id: Annotated[str, typer.Argument(help="The member's roster id.")],
    org_code: Annotated[str, typer.Argument(help="Where the role is held.")],
    role: Annotated[OfficerRole, typer.Argument(help="The role.")],
) -> None:
    """Give a member an officer role (requests waiting in that organisation reach him/her)."""

    async def work(database: Database, settings: Settings) -> tuple[RoleChange, int]:
        async with database.session() as session:
            now = utc_now()
            change = await org_tree.assign_role(session, roster_id=roster_id, org_code=org_code,
                                                role=role, now=now)
            sent = 0
            for hook in default_registry().role_changes:
                sent += await hook(session, settings, change.org.id or 0, now)
            return change, sent

    try:
        change, sent = run_with_db(work)
    except OrgError as refused:
        _refused(refused)
    _print_change("assigned", change)
    if sent:
        typer.echo(f"waiting requests sent to the new officer: {sent}")


@app.command()
def unassign(
    roster_id: Annotated[str, typer.Argument(help="The member's roster id.")],
    org_code: Annotated[str, typer.Argument(help="Where the role is held.")],
    role: Annotated[OfficerRole, typer.Argument(help="The role.")],
) -> None:
    """End a member's officer role (the history is kept)."""
    change = _run(lambda session: org_tree.unassign_role(
        session, roster_id=roster_id, org_code=org_code, role=role, now=utc_now()))
    _print_change("ended", change)


def _print_change(verb: str, change: RoleChange) -> None:
    typer.echo(f"{verb}: {change.member.roster_id} {change.member.full_name} as "
               f"{change.officer.role} of {change.org.code}")
    for warning in change.warnings:
        typer.echo(f"warning: {warning}")


@app.command()
def officers(
    org_code: Annotated[str | None, typer.Argument(help="Only this organisation.")] = None,
) -> None:
    """List current officers, of one organisation or of all."""
    rows = _run(lambda session: org_tree.current_officers(session, org_code))
    if not rows:
        typer.echo("no officers")
    for row in rows:
        typer.echo(f"{row.org.code}  {row.officer.role}  {row.member.roster_id}  "
                   f"{row.member.full_name}")

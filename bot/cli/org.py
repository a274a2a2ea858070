"""`chibot org`: the organisation tree and who holds which officer role in it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cli.common import chosen_file, run_with_db, utc_now
from bot.cli.texts import echo, say
from bot.samples import SAMPLE_TREE
from conversations.catalogue import default_registry
from storage import org_tree
from storage.db import Database
from storage.models import OfficerRole, OrgKind
from storage.org_tree import OrgError, RoleChange, TreeNode
from vocabulary.messages import Msg
from vocabulary.settings import Settings

app = typer.Typer(help=Msg("cli.org").key, no_args_is_help=True)

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
        echo(Msg("cli.error", problem=problem), err=True)
    raise typer.Exit(1) from None


@app.command(help=Msg("cli.org.load").key)
def load(
    file: Annotated[Path | None, typer.Argument(
        exists=True, dir_okay=False, readable=True, help=Msg("cli.org.load.file").key)
    ] = None,
    sample: Annotated[bool, typer.Option("--sample", help=Msg("cli.org.load.sample").key)] = False,
) -> None:
    """Create or update organisations from a TOML file (by code; nothing is deleted)."""
    file = chosen_file(file, sample, SAMPLE_TREE)
    try:
        specs = org_tree.read_tree(file)
    except OrgError as refused:
        _refused(refused)
    report = _run(lambda session: org_tree.load_tree(session, specs, now=utc_now()))
    echo(Msg("cli.org.loaded", created=len(report.created), updated=len(report.updated),
         unchanged=report.unchanged))
    changes = ([Msg("cli.org.created_line", code=c) for c in report.created]
               + [Msg("cli.org.updated_line", code=c) for c in report.updated])
    for change in changes[:CHANGES_SHOWN]:
        echo(change)
    if len(changes) > CHANGES_SHOWN:
        echo(Msg("cli.and_more", count=len(changes) - CHANGES_SHOWN))


@app.command(help=Msg("cli.org.add").key)
def add(
    code: Annotated[str, typer.Argument(help=Msg("cli.org.add.code").key)],
    name: Annotated[str, typer.Argument(help=Msg("cli.org.add.name").key)],
    kind: Annotated[OrgKind, typer.Option(help=Msg("cli.org.add.kind").key)],
    parent: Annotated[str | None, typer.Option(help=Msg("cli.org.add.parent").key)] = None,
) -> None:
    """Add one organisation."""
    created = _run(lambda session: org_tree.add_org(
        session, code=code, name=name, kind=kind, parent_code=parent, now=utc_now()))
    echo(Msg("cli.org.added", code=created.code, kind=created.kind))


@app.command("tree", help=Msg("cli.org.tree").key)
def show_tree() -> None:
    """Print the tree with each organisation's kind and current member count."""
    roots = _run(org_tree.tree)
    if not roots:
        echo(Msg("cli.org.empty"))
    for root in roots:
        _print_node(root, 0)


def _print_node(node: TreeNode, depth: int) -> None:
    org = node.org
    gap = say(Msg("cli.org.nobody_above")) if node.nobody_above else ""
    typer.echo("    " * depth + say(Msg("cli.org.node", code=org.code, name=org.name, kind=org.kind,
                                    count=node.members)) + gap)
    for child in node.children:
        _print_node(child, depth + 1)


@app.command(help=Msg("cli.org.assign").key)
def assign(
    roster_id: Annotated[str, typer.Argument(help=Msg("cli.org.roster_id").key)],
    org_code: Annotated[str, typer.Argument(help=Msg("cli.org.role_org").key)],
    role: Annotated[OfficerRole, typer.Argument(help=Msg("cli.org.role").key)],
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
    _print_change(Msg("cli.org.assigned"), change)
    if sent:
        echo(Msg("cli.org.sent_waiting", count=sent))


@app.command(help=Msg("cli.org.unassign").key)
def unassign(
    roster_id: Annotated[str, typer.Argument(help=Msg("cli.org.roster_id").key)],
    org_code: Annotated[str, typer.Argument(help=Msg("cli.org.role_org").key)],
    role: Annotated[OfficerRole, typer.Argument(help=Msg("cli.org.role").key)],
) -> None:
    """End a member's officer role (the history is kept)."""
    change = _run(lambda session: org_tree.unassign_role(
        session, roster_id=roster_id, org_code=org_code, role=role, now=utc_now()))
    _print_change(Msg("cli.org.ended"), change)


def _print_change(verb: Msg, change: RoleChange) -> None:
    echo(Msg(verb.key, roster_id=change.member.roster_id, name=change.member.full_name,
             role=change.officer.role, org=change.org.code))
    for warning in change.warnings:
        echo(Msg("cli.warning", text=warning))


@app.command(help=Msg("cli.org.officers").key)
def officers(
    org_code: Annotated[str | None, typer.Argument(help=Msg("cli.org.officers.org").key)] = None,
) -> None:
    """List current officers, of one organisation or of all."""
    rows = _run(lambda session: org_tree.current_officers(session, org_code))
    if not rows:
        echo(Msg("cli.org.no_officers"))
    for row in rows:
        typer.echo(f"{row.org.code}  {row.officer.role}  {row.member.roster_id}  "
                   f"{row.member.full_name}")

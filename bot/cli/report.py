"""`chibot report`: the desk's files for administrators, including the deployment-wide table.

Files are written under data/reports/ and their paths printed; every export is audited.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cli.common import run_with_db, utc_now
from bot.cli.texts import echo
from conversations.catalogue import default_registry
from conversations.desk import charts, drafts, exports, outputs, workbook
from conversations.desk.rates import rate_lines, rate_table
from conversations.desk.scope import BRANCH_KINDS, Scope
from conversations.desk.series import all_series, monthly_chart, series
from conversations.officers import subtree_ids
from storage.db import Database
from storage.models import Organisation, Request
from storage.repos import audit, orgs, summaries
from vocabulary.messages import Msg, Renderer
from vocabulary.settings import Settings

app = typer.Typer(help=Msg("cli.report").key, no_args_is_help=True)
ACTOR = "cli"
BRANCH = typer.Option(None, "--branch", help=Msg("cli.report.branch").key)
UNDER = typer.Option(None, "--under", help=Msg("cli.report.under").key)


async def _branch_ids(session: AsyncSession, branch: str | None,
                      under: str | None) -> list[int] | None:
    """The chi bo asked for; None means every chi bo of the deployment."""
    code = branch or under
    if code is None:
        return None
    org = await orgs.by_code(session, code)
    if org is None or (branch and org.kind not in BRANCH_KINDS):
        echo(Msg("cli.report.no_branch", code=code) if branch
             else Msg("cli.report.no_org", code=code), err=True)
        raise typer.Exit(2)
    if branch:
        return [org.id or 0]
    below = await subtree_ids(session, org.id or 0)
    query = select(Organisation.id).where(col(Organisation.id).in_(sorted(below)),
                                          col(Organisation.kind).in_(BRANCH_KINDS))
    return [i for i in (await session.exec(query)).all() if i is not None]


def _written(settings: Settings, session: AsyncSession, now: datetime, content: bytes,
             name: str, ids: list[int] | None, output: str) -> Path:
    path = outputs.write_report(settings.data_dir, content, name, now)
    subject = ("deployment", "all") if ids is None else \
        (("org", ids[0]) if len(ids) == 1 else ("orgs", len(ids)))
    audit.record(session, at=now, actor=ACTOR, action="desk.export", subject=subject,
                 output=output, branches=len(ids) if ids is not None else "all")
    typer.echo(str(path))
    return path


Work = Callable[[AsyncSession, Settings, Renderer, datetime, list[int] | None], Awaitable[Any]]


def _run(branch: str | None, under: str | None, work: Work) -> None:
    default_registry()  # the capabilities add their lists to the desk as they register

    async def _main(db: Database, settings: Settings) -> None:
        async with db.session() as session:
            ids = await _branch_ids(session, branch, under)
            render = Renderer(settings.default_language, settings.tz)
            await work(session, settings, render, utc_now(), ids)

    run_with_db(_main)


@app.command(help=Msg("cli.report.rates").key)
def rates(
    branch: str | None = BRANCH,
    under: str | None = UNDER,
    refresh: bool = typer.Option(False, "--refresh", help=Msg("cli.report.rates.refresh").key),
    show: bool = typer.Option(False, "--show", help=Msg("cli.report.rates.show").key),
) -> None:
    """The reduction-and-exemption rate per chi bo and per dang bo (by default of the whole
    deployment) against the deployment's average, as an XLSX workbook."""

    async def _work(session: AsyncSession, settings: Settings, render: Renderer,
                    now: datetime, ids: list[int] | None) -> None:
        if refresh:
            month = summaries.month_of(now.astimezone(settings.tz).date())
            await summaries.refresh(session, month, now)
        table = await rate_table(session, settings, now, ids)
        if show:
            for line in rate_lines(table, render.language):
                typer.echo(render(line))
        content = workbook.build(exports.rate_sheets(table, render), render)
        _written(settings, session, now, content, "ty-le-giam-mien.xlsx", ids, "rates")

    _run(branch, under, _work)


@app.command(help=Msg("cli.report.chart").key)
def chart(branch: str | None = BRANCH, under: str | None = UNDER,
          series_id: str | None = typer.Option(None, "--series",
                                               help=Msg("cli.report.chart.series").key)) -> None:
    """The rate per chi bo against the average, as a PNG (at most CHIBOT_DESK_CHART_BARS bars);
    with --series, that monthly series (attendance) of the chi bo asked for."""

    async def _work(session: AsyncSession, settings: Settings, render: Renderer,
                    now: datetime, ids: list[int] | None) -> None:
        if series_id is not None:
            await _monthly_chart(session, settings, render, now, ids, series_id)
            return
        table = await rate_table(session, settings, now, ids)
        bars = exports.rate_bars(table, render, render.language, settings.desk_chart_bars)
        _written(settings, session, now, charts.draw_bars(bars), "ty-le-giam-mien.png", ids,
                 "rate_chart")

    _run(branch, under, _work)


async def _monthly_chart(session: AsyncSession, settings: Settings, render: Renderer,
                         now: datetime, ids: list[int] | None, series_id: str) -> None:
    chosen = series(series_id)
    if chosen is None:
        known = ", ".join(s.id for s in all_series())
        echo(Msg("cli.report.no_series", name=series_id, known=known), err=True)
        raise typer.Exit(2)
    if ids is None:  # a province's tens of thousands of chi bo are not one chart
        echo(Msg("cli.report.series_scope"), err=True)
        raise typer.Exit(2)
    today = now.astimezone(settings.tz).date()
    drawn = await monthly_chart(session, chosen, Scope(tuple(ids), today, settings), render)
    _written(settings, session, now, charts.draw_months(drawn), f"{chosen.id}.png", ids,
             f"series:{chosen.id}")


@app.command("workbook", help=Msg("cli.report.workbook").key)
def workbook_command(branch: str = typer.Option(
        ..., "--branch", help=Msg("cli.report.workbook.branch").key)) -> None:
    """One chi bo's lists and rates, as an XLSX workbook."""

    async def _work(session: AsyncSession, settings: Settings, render: Renderer,
                    now: datetime, ids: list[int] | None) -> None:
        assert ids is not None
        scope = Scope(tuple(ids), now.astimezone(settings.tz).date(), settings)
        table = await rate_table(session, settings, now, ids)
        sheets = [*await exports.list_sheets(session, scope, render),
                  *exports.rate_sheets(table, render)]
        _written(settings, session, now, workbook.build(sheets, render), "so-lieu-chi-bo.xlsx",
                 ids, "xlsx")

    _run(branch, None, _work)


@app.command(help=Msg("cli.report.draft").key)
def draft(
    kind: str = typer.Argument(..., help=Msg("cli.report.draft.kind").key),
    branch: str | None = BRANCH,
    under: str | None = UNDER,
    request: int | None = typer.Option(None, "--request",
                                       help=Msg("cli.report.draft.request").key),
) -> None:
    """A DOCX draft: the report to the committee above (--branch), the yearly review list of
    open-ended exemptions, or the chi bo's nghi quyet on a decided request (--request)."""

    async def _work(session: AsyncSession, settings: Settings, render: Renderer,
                    now: datetime, ids: list[int] | None) -> None:
        today = now.astimezone(settings.tz).date()
        if kind == drafts.RESOLUTION:
            found = await session.get(Request, request or 0)
            if found is None:
                echo(Msg("cli.report.name_request"), err=True)
                raise typer.Exit(2)
            context = await exports.resolution_context(session, found, render, today)
            ids = [found.branch_id]
        elif kind == drafts.REPORT and ids is not None and len(ids) == 1:
            table = await rate_table(session, settings, now, ids)
            context = await exports.report_context(session, Scope(tuple(ids), today, settings),
                                                   table, render, render.language)
        elif kind == drafts.REVIEW:
            every = ids if ids is not None else await _all_branches(session)
            named = await orgs.by_code(session, branch or under or "")
            name = named.name if named else render(Msg("desk.scope.several", count=len(every)))
            context = await exports.review_context(session, Scope(tuple(every), today, settings),
                                                   render, name)
        else:
            echo(Msg("cli.report.draft_usage"), err=True)
            raise typer.Exit(2)
        try:
            content = drafts.render(kind, context, settings)
        except drafts.TemplateProblem as problem:
            echo(Msg("cli.report.template_refused", problem=f"{problem}"), err=True)
            raise typer.Exit(1) from None
        _written(settings, session, now, content, drafts.FILES[kind], ids, kind)

    _run(branch, under, _work)


async def _all_branches(session: AsyncSession) -> list[int]:
    query = select(Organisation.id).where(col(Organisation.kind).in_(BRANCH_KINDS))
    return [i for i in (await session.exec(query)).all() if i is not None]


@app.command(help=Msg("cli.report.templates").key)
def templates() -> None:
    """Check the province's own DOCX templates (CHIBOT_DESK_TEMPLATES_DIR) with sample data."""
    settings = Settings()
    failed = False
    for name, file in drafts.FILES.items():
        try:
            loaded = drafts.load(name, settings)
        except drafts.TemplateProblem as problem:
            echo(Msg("cli.report.template_bad", problem=f"{problem}"))
            failed = True
            continue
        whose = Msg("cli.report.province") if loaded.replaced else Msg("cli.report.shipped")
        echo(Msg("cli.report.template_ok", file=file, whose=whose, path=loaded.path))
    if failed:
        raise typer.Exit(1)

"""`chibot files`: the file store (certificates), encrypted at rest."""

from __future__ import annotations

import typer

from bot.cli.texts import echo
from storage.files import FileStore
from vocabulary.messages import Msg
from vocabulary.settings import Settings

app = typer.Typer(help=Msg("cli.files").key, no_args_is_help=True)


@app.command(help=Msg("cli.files.reencrypt").key)
def reencrypt() -> None:
    """Encrypt every stored file with the first of CHIBOT_FILE_KEYS (old keys and plain files)."""
    settings = Settings()
    try:
        store = FileStore.of(settings)
    except ValueError:  # the keys are missing on PostgreSQL
        echo(Msg("cli.files.keys_required"), err=True)
        raise typer.Exit(2) from None
    done = store.reencrypt()
    echo(Msg("cli.files.reencrypted", rotated=done.rotated, encrypted=done.encrypted,
         unreadable=done.unreadable))
    if done.unreadable:
        raise typer.Exit(1)

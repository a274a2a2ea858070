"""`chibot files`: the file store (certificates), encrypted at rest."""

from __future__ import annotations

import typer

from storage.files import FileStore
from vocabulary.settings import Settings

app = typer.Typer(help="Stored files (certificates), encrypted at rest.", no_args_is_help=True)


@app.command()
def reencrypt() -> None:
    """Encrypt every stored file with the first of CHIBOT_FILE_KEYS (old keys and plain files)."""
    settings = Settings()
    try:
        store = FileStore.of(settings)
    except ValueError as missing:
        typer.echo(str(missing), err=True)
        raise typer.Exit(2) from None
    done = store.reencrypt()
    typer.echo(f"re-encrypted: {done.rotated}, encrypted: {done.encrypted}, "
               f"unreadable: {done.unreadable}")
    if done.unreadable:
        raise typer.Exit(1)

"""``flask search``: rebuild the full-text index, show its size."""
from __future__ import annotations

import click
from flask import Flask

from app import wiring
from app.extensions import db


def register(app: Flask) -> None:
    group = click.Group("search", help="Full-text index (tra cứu toàn văn).")
    app.cli.add_command(group)

    @group.command("reindex")
    @click.option("--clear", is_flag=True,
                  help="Empty the index first (searches are incomplete until it ends).")
    def reindex(clear: bool):
        """Rebuild the index from the database; the app may keep serving meanwhile."""
        from archive.search.indexer import reindex as rebuild
        index = wiring.search_index()
        if clear:
            index.clear(db.session)
            db.session.commit()
        with click.progressbar(length=1, label=f"Lập chỉ mục ({index.name})",
                               show_pos=True) as bar:
            def progress(done: int, total: int) -> None:
                bar.length = max(total, 1)
                bar.update(done - bar.pos)
            count = rebuild(db.session, index, progress)
        click.echo(f"Đã lập chỉ mục {count} văn bản ({index.name}).")

    @group.command("stats")
    def stats():
        """Documents indexed and size of the index."""
        index = wiring.search_index()
        figures = index.stats(db.session)
        size = figures.get("bytes")
        click.echo(f"{index.name}: {figures['documents']} văn bản"
                   + (f", {size / 1e6:.1f} MB" if size else ""))

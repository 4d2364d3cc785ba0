"""The spaCy component: ``nlp.add_pipe("restorer")`` marks spun spans and restores the text.

spaCy documents are immutable text, so the component does not rewrite the tokens. It records:

- ``doc.spans["restorer"]``: one span per edit, over the spun words, labelled with the
  replacement (``[(s.text, s.label_) for s in doc.spans["restorer"]]`` reads
  ``[("Related Press", "Associated Press"), ...]``);
- ``doc._.restored_text``: the whole restored text;
- ``doc._.spin_score``: the document's spin score (0..1);
- ``doc._.restorer_edits``: the explanation records (DESIGN.md §6), one dict per edit.

The factory is registered through the ``spacy_factories`` entry point, so spaCy imports this
module when it builds a pipeline; ``import restorer`` never does. spaCy imports every such
module whenever it creates a ``Language``, including the blank tokenizer restorer itself uses,
so this module must import cheaply and never fail: the restorer pipeline is imported on first
use, and the ``Doc`` extensions are registered by the factory, not at import.

Serialisation follows spaCy's own lookup components (``SpanRuler``): ``to_disk`` copies the
extra tables the component was configured with into the pipeline folder, and ``from_disk``
reads them from there, so a saved pipeline restores the same way on a machine without the
original table files.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacy.language import Language  # noqa: TID253 - spaCy imports this module, not restorer
from spacy.tokens import Doc  # noqa: TID253

if TYPE_CHECKING:
    from restorer.config import RestorerConfig
    from restorer.core import Restorer

__all__ = ["RestorerComponent", "make_restorer"]

#: ``Doc`` extensions the component writes, with their defaults.
DOC_EXTENSIONS: dict[str, Any] = {"restored_text": None, "spin_score": None, "restorer_edits": None}
_TABLES_DIR = "tables"


def _register_extensions() -> None:
    for name, default in DOC_EXTENSIONS.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)


class RestorerComponent:
    """A pipeline component that runs one :class:`~restorer.core.Restorer` over each ``Doc``.

    Args:
        nlp: the pipeline (unused; spaCy passes it to every factory).
        name: the component's name in the pipeline.
        model: scorer tier (``"fast"``).
        tables: extra table files (restorer TSV), consulted with the shipped table.
        default_table: use the shipped table.
        spans_key: the ``doc.spans`` key the edits go to.
        options: other :class:`~restorer.config.RestorerConfig` options (``min_margin``...).
    """

    def __init__(
        self,
        nlp: Language | None,
        name: str = "restorer",
        *,
        model: str = "fast",
        tables: Iterable[str | Path] = (),
        default_table: bool = True,
        spans_key: str = "restorer",
        options: dict[str, Any] | None = None,
    ) -> None:
        from restorer.config import RestorerConfig

        self.name = name
        self.spans_key = spans_key
        self.config: RestorerConfig = RestorerConfig(
            model=model,
            tables=tuple(Path(t) for t in tables),
            default_table=default_table,
        ).with_options(**(options or {}))
        self._restorer: Restorer | None = None
        # tables restored by from_bytes: (file name, bytes), kept in memory instead of files
        self._in_memory: list[tuple[str, bytes]] | None = None
        _register_extensions()

    @property
    def restorer(self) -> Restorer:
        """The restorer, built on first use (so a pipeline loads fast and pickles small)."""
        if self._restorer is None:
            from restorer.core import Restorer
            from restorer.table import PhraseTable, parse_table

            extra = None
            if self._in_memory:
                tables = [
                    PhraseTable(parse_table(raw.decode("utf-8").splitlines(), name), name=name)
                    for name, raw in self._in_memory
                ]
                extra = tables[0].merged(*tables[1:])
            self._restorer = Restorer(self.config, table=extra)
        return self._restorer

    def __call__(self, doc: Doc) -> Doc:
        """Restore ``doc.text``: spans for the edits, restored text and spin score on the doc."""
        result = self.restorer.restore_and_explain(doc.text)
        spans = []
        for edit in result.edits:
            span = doc.char_span(
                edit.start, edit.end, label=edit.replacement, alignment_mode="expand"
            )
            if span is not None:  # None only for an edit inside whitespace, which never happens
                spans.append(span)
        doc.spans[self.spans_key] = spans
        doc._.restored_text = result.text
        doc._.spin_score = result.spin_rate
        doc._.restorer_edits = [edit.to_json() for edit in result.edits]
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        """Process a stream of docs (one at a time: restorer has no batched path to gain from)."""
        for doc in stream:
            yield self(doc)

    # -- serialisation ---------------------------------------------------------------------------

    def _tables(self) -> list[tuple[str, bytes]]:
        """Return the extra tables as (file name, bytes), in order."""
        if self._in_memory is not None:
            return list(self._in_memory)
        return [(table.name, table.read_bytes()) for table in self.config.tables]

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Save the component: a copy of each extra table file, numbered to keep their order."""
        folder = Path(path) / _TABLES_DIR
        tables = self._tables()  # read before clearing, in case they live in this folder
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for number, (name, data) in enumerate(tables):
            target = folder / f"{number:03d}" / name
            target.parent.mkdir()
            target.write_bytes(data)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> RestorerComponent:
        """Load the tables saved by :meth:`to_disk` (reads them now, to report errors early)."""
        folder = Path(path) / _TABLES_DIR
        files = sorted(folder.glob("*/*")) if folder.is_dir() else []
        self._in_memory = [(f.name, f.read_bytes()) for f in files]
        self.config = dataclasses.replace(self.config, tables=())
        self._restorer = None
        _ = self.restorer.table
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        """Serialise the extra tables (file names and contents, in order) as JSON."""
        tables = [(name, data.decode("utf-8", "surrogateescape")) for name, data in self._tables()]
        return json.dumps({"tables": tables}, ensure_ascii=True).encode("ascii")

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> RestorerComponent:
        """Restore the tables saved by :meth:`to_bytes`."""
        payload = json.loads(data)["tables"]
        self._in_memory = [
            (str(name), str(text).encode("utf-8", "surrogateescape")) for name, text in payload
        ]
        self.config = dataclasses.replace(self.config, tables=())
        self._restorer = None
        _ = self.restorer.table
        return self


@Language.factory(
    "restorer",
    default_config={
        "model": "fast",
        "tables": [],
        "default_table": True,
        "spans_key": "restorer",
        "options": {},
    },
    assigns=["doc.spans", "doc._.restored_text", "doc._.spin_score", "doc._.restorer_edits"],
)
def make_restorer(
    nlp: Language,
    name: str,
    model: str,
    tables: list[str],
    default_table: bool,
    spans_key: str,
    options: dict[str, Any],
) -> RestorerComponent:
    """Build the ``restorer`` component (spaCy calls this for ``nlp.add_pipe("restorer")``)."""
    return RestorerComponent(
        nlp,
        name,
        model=model,
        tables=tables,
        default_table=default_table,
        spans_key=spans_key,
        options=options,
    )

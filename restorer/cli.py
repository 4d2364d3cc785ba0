"""The ``restorer`` command: a thin shell over the library.

Results go to stdout, diagnostics to stderr, ``-`` means stdin/stdout. Exit codes follow
:class:`~restorer.errors.ExitCode`: 0 ok, 1 ``--check`` found spun text, 2 usage, 3 input or data
error, 4 internal error, 130 interrupted. No restoration logic lives here.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, BinaryIO, NoReturn, ParamSpec, TypeVar

import typer

from restorer import __version__, interrupt
from restorer.config import MODELS, RestorerConfig
from restorer.core import Restorer, SegmentResult, TextRestorer
from restorer.detect import SpinMeter, SpinReport
from restorer.diff import render_diff
from restorer.edits import Edit
from restorer.errors import ExitCode, InputError, RestorerError
from restorer.files import display_name, open_output, read_chunks
from restorer.imports import ImportResult
from restorer.interrupt import Terminated

if TYPE_CHECKING:
    from restorer.sources.index import SourceIndex

P = ParamSpec("P")

app = typer.Typer(
    name="restorer",
    help="Put back the original wording of synonym-spun English text, and explain every change.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _fail(message: str, code: ExitCode) -> NoReturn:
    typer.echo(f"restorer: {message}", err=True)
    raise typer.Exit(int(code))


def _guarded(func: Callable[P, None]) -> Callable[P, None]:
    """Map the errors a command can meet to exit codes and one-line messages."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            func(*args, **kwargs)
        except RestorerError as exc:
            _fail(str(exc), ExitCode.INPUT_ERROR)
        except (KeyboardInterrupt, Terminated):
            _fail("interrupted", ExitCode.INTERRUPTED)
        except BrokenPipeError:
            raise  # main() ends quietly when the reader of stdout goes away
        except OSError as exc:  # a disk that fills up, a file that vanishes mid-run
            where = f"{exc.filename}: " if exc.filename else ""
            _fail(f"{where}{exc.strerror or exc}", ExitCode.INPUT_ERROR)

    return wrapper


def _version(value: bool) -> None:
    if value:
        typer.echo(f"restorer {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Restore synonym-spun text."""


def _restorer(
    model: str,
    tables: list[Path] | None,
    allow: list[Path] | None = None,
    deny: list[Path] | None = None,
    gate: float | None = None,
) -> TextRestorer:
    """Build the restorer of ``fix``, ``batch`` and ``match`` from their shared options.

    The one place the commands turn ``--model``, ``--table``, ``--allow`` and ``--deny`` into a
    restorer (:func:`restorer.cascade.make_restorer`: ``auto`` is the cascade where the ``lm``
    tier is installed), so they check and load them alike: an unknown or uninstalled model is a
    usage error (exit 2), and the tables and lists are read here, before any output exists, so
    a bad file is reported (exit 3) without leaving a half-written result behind.
    """
    from restorer.cascade import make_restorer

    config = _config(model, tables, allow, deny, MODELS)
    if gate is not None:
        try:  # RestorerConfig checks the bound
            config = config.with_options(cascade_gate=gate)
        except ValueError as exc:
            _fail(f"--cascade-gate: {exc}", ExitCode.USAGE)
    return _loaded(make_restorer(config))


def _one_tier(
    model: str,
    tables: list[Path] | None,
    allow: list[Path] | None = None,
    deny: list[Path] | None = None,
) -> Restorer:
    """Like :func:`_restorer`, for ``detect``: one tier (``auto``: ``lm`` where installed)."""
    tiers = tuple(m for m in MODELS if m != "cascade")
    return _loaded(Restorer(_config(model, tables, allow, deny, tiers)))


def _config(
    model: str,
    tables: list[Path] | None,
    allow: list[Path] | None,
    deny: list[Path] | None,
    choices: tuple[str, ...],
) -> RestorerConfig:
    """Check ``--model`` against ``choices`` and the installation; return the config."""
    if model not in choices:
        _fail(f"--model must be one of {', '.join(choices)}, not {model!r}", ExitCode.USAGE)
    from restorer.cascade import resolve_job
    from restorer.lm import MODEL_ENV, LMUnavailableError, lm_missing_reason

    try:  # a clear one-line message when the lm tier is not installed
        resolve_job(model)
    except LMUnavailableError as exc:
        _fail(str(exc), ExitCode.USAGE)
    if model == "auto" and not os.environ.get(MODEL_ENV):
        missing = lm_missing_reason()
        if missing is not None:  # say why the default is the fast tier here
            typer.echo(f"restorer: note: using --model fast: {missing}", err=True)
    return RestorerConfig(
        model=model, tables=tuple(tables or ()), allow=tuple(allow or ()), deny=tuple(deny or ())
    )


_R = TypeVar("_R", bound=TextRestorer)


def _loaded(restorer: _R) -> _R:
    """Read the tables and lists now, so a bad file is reported before any output is written."""
    _ = restorer.table, restorer.lists
    return restorer


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def _check_input_path(path: Path | None) -> None:
    if path is None or str(path) == "-":
        return
    if path.is_dir():
        raise InputError(path, "is a directory; give a file (or use `restorer batch`)")
    if not path.exists():
        raise InputError(path, "no such file")


ModelOption = Annotated[
    str,
    typer.Option(
        "--model",
        "-m",
        help="Model: auto (cascade where the lm tier is installed, else fast), cascade (fast "
        "everywhere, lm where the fast spin score passes a calibrated gate), lm (a language "
        "model judges context; hundreds of times slower), or fast (word frequencies and table "
        "priors). The default is auto, except for detect (fast, the tier its bands are "
        "calibrated on; detect reads one tier, so no cascade).",
    ),
]
TableOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--table",
        "-t",
        help="Extra phrase table, repeatable: restorer TSV, a Problematic Paper Screener CSV "
        "export, a torturedcheck JSON list, or a|b|c synonym groups (recognised from the file).",
    ),
]
AllowOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--allow", metavar="FILE", help="Phrases never to touch, one per line; repeatable."
    ),
]
DenyOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--deny",
        metavar="FILE",
        help="Phrases always to flag as spun, one per line (PHRASE<TAB>REPLACEMENT also "
        "restores them); repeatable.",
    ),
]
ErrorsOption = Annotated[
    str,
    typer.Option("--errors", help="Undecodable input: strict (refuse) or replace (U+FFFD)."),
]
_ERRORS = ("strict", "replace")
ReferenceIdOption = Annotated[
    str | None,
    typer.Option(
        "--reference-id-field",
        metavar="FIELD",
        help="The reference's id field (a.b); line or row numbers, or file names, without.",
    ),
]
ReferenceTextOption = Annotated[
    str, typer.Option("--reference-text-field", metavar="FIELD", help="The reference's text field.")
]
JobsOption = Annotated[
    int, typer.Option("--jobs", "-j", help="Worker processes (0: one per core).")
]
ResumeOption = Annotated[
    bool, typer.Option("--resume", help="Continue an interrupted run of the same command.")
]
ErrorsFileOption = Annotated[
    Path | None,
    typer.Option("--errors-file", help="Where failed records are described (JSONL)."),
]
ThresholdOption = Annotated[
    float | None,
    typer.Option(
        "--threshold",
        help="Lowest match score (0-1) that names a source, at every length; the default is "
        "calibrated: 0.7, and 0.6 for texts of 200 words or more (see restorer.sources.index).",
    ),
]


def _check_errors(errors: str) -> None:
    """Refuse an ``--errors`` value that :func:`~restorer.files.read_chunks` does not know."""
    if errors not in _ERRORS:
        _fail("--errors must be 'strict' or 'replace'", ExitCode.USAGE)


def _open_input(stack: contextlib.ExitStack, path: Path | None) -> BinaryIO:
    """Return the byte stream of ``path`` (stdin for None or ``-``), closed with ``stack``."""
    if path is None or str(path) == "-":
        return sys.stdin.buffer
    return stack.enter_context(path.open("rb"))


@app.command()
@_guarded
def fix(
    input: Annotated[
        Path | None, typer.Argument(help="Text file to restore; '-' or nothing reads stdin.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    in_place: Annotated[
        bool, typer.Option("--in-place", help="Overwrite INPUT (atomically).")
    ] = False,
    explain: Annotated[
        Path | None,
        typer.Option(
            "--explain", help="Write one JSON record per edit to this file ('-': stdout)."
        ),
    ] = None,
    diff: Annotated[
        bool, typer.Option("--diff", help="Show a word diff of the changes instead of the text.")
    ] = False,
    check: Annotated[
        bool,
        typer.Option("--check", help="Write nothing; exit 1 if the text would be changed."),
    ] = False,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            metavar="REPORT.html",
            help="Also write a self-contained HTML review report of the changes to this file.",
        ),
    ] = None,
    source: Annotated[
        Path | None,
        typer.Option(
            "--source",
            metavar="ORIGINAL",
            help="The article the text was spun from: put back its wording where the two "
            "differ by spinning (other differences are kept and reported).",
        ),
    ] = None,
    model: ModelOption = "auto",
    table: TableOption = None,
    allow: AllowOption = None,
    deny: DenyOption = None,
    errors: ErrorsOption = "strict",
) -> None:
    """Restore one text file (or stdin) and write the result to stdout or --output."""
    _check_errors(errors)
    _check_input_path(input)
    if source is not None:
        _check_input_path(source)
    if in_place:
        if input is None or str(input) == "-":
            _fail("--in-place needs an input file", ExitCode.USAGE)
        if output is not None:
            _fail("use either --in-place or --output, not both", ExitCode.USAGE)
        output = input
    elif input is not None and output is not None and _same_file(input, output):
        _fail(f"refusing to overwrite the input {input}; use --in-place for that", ExitCode.USAGE)
    target = None if (check or diff) else output
    if explain is not None and str(explain) == "-" and (diff or (target is None and not check)):
        _fail("--explain - shares stdout with the text; add -o FILE or --check", ExitCode.USAGE)
    if html is not None and (str(html) == "-" or (input is not None and _same_file(input, html))):
        _fail("--html needs a file name other than the input's", ExitCode.USAGE)
    restorer = _restorer(model, table, allow, deny)
    name = display_name(input)
    edits = 0
    sentences = 0
    line = 1
    meter = SpinMeter(restorer.evidence_tier) if (check or diff or html is not None) else None
    pieces: list[str] = []  # the input, kept only for --html
    all_edits: list[Edit] = []
    notes: dict[str, None] = {}  # distinct notes of the segments ("left alone: not English")
    use_color = diff and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    with contextlib.ExitStack() as stack:
        stream = _open_input(stack, input)
        chunks = read_chunks(stream, name, errors)
        results = (
            restorer.iter_restore(chunks)
            if source is None
            else _from_source(stack, "".join(chunks), source, errors, notes)
        )
        out, writer = stack.enter_context(open_output(target))
        records, records_writer = (
            stack.enter_context(open_output(explain)) if explain is not None else (None, None)
        )
        for result in results:
            interrupt.check()
            edits += len(result.edits)
            notes.update(dict.fromkeys(result.notes))
            if meter is not None:
                meter.add(result)
            if html is not None:
                pieces.append(result.text)
                all_edits.extend(result.edits)
            if records is not None:  # each record says which tier decided (a cascade chooses)
                tier = {"model": result.model} if result.model else {}
                records.writelines(
                    json.dumps({**e.to_json(), **tier}, ensure_ascii=False) + "\n"
                    for e in result.edits
                )
            if diff:
                shown = render_diff(result.text, result.edits, result.offset, use_color, line)
                sentences += shown.count("\n")
                out.write(shown)
            elif not check:
                out.write(result.restored)
            line += result.text.count("\n")
        report = meter.report() if meter is not None else None
        if html is not None and report is not None:
            from restorer.report import render_html

            page = render_html("".join(pieces), all_edits, report, title=name, version=__version__)
            html_out, html_writer = stack.enter_context(open_output(html))
            html_out.write(page)
            if html_writer is not None:
                html_writer.commit()
        for done in (writer, records_writer):
            if done is not None:
                done.commit()
    for note in notes:
        typer.echo(f"restorer: note: {name}: {note}", err=True)
    if (check or diff) and report is not None:
        verb = "would restore" if check else "restored"
        where = f" in {sentences} sentence(s)" if diff else ""
        # from a source, the edits are the source's: the model's spin score would not match them
        score = f"spin score {report.spin_score:.2f} (risk {report.risk})"
        how = f"from the source {display_name(source)}" if source is not None else score
        typer.echo(f"{name}: {verb} {edits} span(s){where}; {how}", err=True)
    if check and edits:
        raise typer.Exit(int(ExitCode.CHANGED))


def _from_source(
    stack: contextlib.ExitStack, text: str, source: Path, errors: str, notes: dict[str, None]
) -> Iterator[SegmentResult]:
    """Restore ``text`` from its source file: one result, and a note on what was left."""
    from restorer.sources.restore import restore_from_source

    name = display_name(source)
    original = "".join(read_chunks(_open_input(stack, source), name, errors))
    found = restore_from_source(text, original, name)
    left = Counter(d.reason for d in found.differences)
    kinds = ", ".join(f"{n} {reason}" for reason, n in left.most_common())
    note = f"{len(found.edits)} edit(s) from the source {name}"
    notes[note + (f"; {sum(left.values())} difference(s) kept ({kinds})" if left else "")] = None
    yield found.as_segment(text)


_FORMATS = ("text", "json", "jsonl")


def _detect_text(name: str, report: SpinReport) -> str:
    """Return the human-readable detection report of one input.

    The first line counts what the evidence below shows: the spans the restorer would restore,
    and the phrases that look spun (probability 0.5 or more) but that the tier would keep, so a
    report never says "0 spun spans" above a list of likely spun phrases. A phrase met more
    than once is listed once, with its count.
    """
    kept = {e.spun.lower() for e in report.evidence if not e.edited and e.probability >= 0.5}
    also = f"; {len(kept)} more likely spun but kept (too little evidence to restore)"
    lines = [
        f"{name}: spin score {report.spin_score:.2f} (risk {report.risk}); "
        f"{report.spun_spans} spun span(s) restored in {report.words:,} words "
        f"({report.spun_spans_per_1000_words:.1f} per 1,000){also if kept else ''}"
    ]
    shown: dict[str, int] = {}
    for e in report.evidence:
        suggestion = "(original unknown)" if e.suggestion is None else repr(e.suggestion)
        notes = ["restored" if e.edited else "kept"]
        if e.source.row.lower() != f"{e.spun} -> {e.suggestion}".lower():
            notes.append(e.source.row)  # the row as written (a lemma, a rule)
        if e.source.line:
            notes.append(f"{e.source.table}:{e.source.line}")
        notes.append(e.source.kind)
        line = f"  {e.probability:4.0%}  {e.spun!r} -> {suggestion}  [{'; '.join(notes)}]"
        shown[line] = shown.get(line, 0) + 1
    lines.extend(line if n == 1 else f"{line} x{n}" for line, n in shown.items())
    return "\n".join(lines) + "\n"


@app.command()
@_guarded
def detect(
    inputs: Annotated[
        list[Path] | None,
        typer.Argument(help="Text files to score; '-' or nothing reads stdin.", show_default=False),
    ] = None,
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="text (for people), json (one object, or a list for several inputs), "
            "jsonl (one line per input).",
        ),
    ] = "text",
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            help="Exit 1 when any input's spin score is above this (0 to 1).",
            show_default=False,
        ),
    ] = None,
    evidence: Annotated[
        int, typer.Option("--evidence", help="How many spans of evidence to show at most.")
    ] = 10,
    model: ModelOption = "fast",
    table: TableOption = None,
    allow: AllowOption = None,
    deny: DenyOption = None,
    errors: ErrorsOption = "strict",
) -> None:
    """Tell how spun each input is: spin score, risk level and the evidence."""
    if output_format not in _FORMATS:
        _fail(f"--format must be one of {', '.join(_FORMATS)}", ExitCode.USAGE)
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        _fail("--threshold must be between 0 and 1", ExitCode.USAGE)
    if evidence < 0:
        _fail("--evidence must be 0 or more", ExitCode.USAGE)
    _check_errors(errors)
    paths = inputs or [Path("-")]
    if sum(1 for p in paths if str(p) == "-") > 1:
        _fail("stdin ('-') can be read only once", ExitCode.USAGE)
    restorer = _one_tier(model, table, allow, deny)
    above = failed = 0
    collected: list[dict[str, object]] = []
    for path in paths:
        name = display_name(None if str(path) == "-" else path)
        try:
            _check_input_path(path)
            meter = SpinMeter(restorer, max_evidence=evidence)
            with contextlib.ExitStack() as stack:
                stream = _open_input(stack, path)
                for result in restorer.iter_restore(read_chunks(stream, name, errors)):
                    meter.add(result)
        except InputError as exc:
            typer.echo(f"restorer: {exc}", err=True)
            failed += 1
            continue
        except OSError as exc:
            typer.echo(f"restorer: {name}: {exc.strerror or exc}", err=True)
            failed += 1
            continue
        report = meter.report()
        if threshold is not None and report.spin_score > threshold:
            above += 1
        record = {"input": name, **report.to_json()}
        if output_format == "text":
            typer.echo(_detect_text(name, report), nl=False)
        elif output_format == "jsonl":
            typer.echo(json.dumps(record, ensure_ascii=False))
        else:
            collected.append(record)
    if output_format == "json" and (collected or not failed):
        data: object = collected[0] if len(paths) == 1 and collected else collected
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
    if failed:
        typer.echo(f"restorer: {failed} input(s) could not be read", err=True)
        raise typer.Exit(int(ExitCode.INPUT_ERROR))
    if above:
        raise typer.Exit(int(ExitCode.CHANGED))


@app.command()
@_guarded
def batch(
    input: Annotated[
        Path,
        typer.Argument(
            help="JSONL (.jsonl, .jsonl.gz, .jsonl.zst; '-': stdin), Parquet, or a folder of .txt."
        ),
    ],
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Output of the same format ('-': stdout, JSONL only)."),
    ],
    text_field: Annotated[
        str, typer.Option("--text-field", help="Field holding the text (dotted path: a.b).")
    ] = "text",
    id_field: Annotated[
        str | None,
        typer.Option("--id-field", help="Field naming each record in the errors file (a.b)."),
    ] = None,
    mode: Annotated[
        str,
        typer.Option(
            "--mode",
            help="restore: rewrite the text; score: add a 'restorer' field "
            "(spin_score, edits), text untouched; both.",
        ),
    ] = "restore",
    jobs: JobsOption = 1,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress line and no summary.")
    ] = False,
    resume: ResumeOption = False,
    checkpoint_every: Annotated[
        int,
        typer.Option(
            "--checkpoint-every", help="Records per checkpoint (the most a kill can lose)."
        ),
    ] = 10_000,
    errors_file: ErrorsFileOption = None,
    reference: Annotated[
        Path | None,
        typer.Option(
            "--reference",
            metavar="REF",
            help="Originals (JSONL, Parquet, .txt folder or file): a record whose source is "
            "found there is restored from it; the others by the model.",
        ),
    ] = None,
    reference_id_field: ReferenceIdOption = None,
    reference_text_field: ReferenceTextOption = "text",
    threshold: ThresholdOption = None,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            metavar="RUN.html",
            help="Also write a self-contained HTML report of the run: spin-score "
            "distribution, records per tier, the most spun records with their changes, the "
            "most frequent restorations.",
        ),
    ] = None,
    model: ModelOption = "auto",
    cascade_gate: Annotated[
        float | None,
        typer.Option(
            "--cascade-gate",
            metavar="SCORE",
            help="The cascade's gate: records whose fast spin score reaches it go to the lm "
            f"tier (default {RestorerConfig().cascade_gate}, which passes 1 clean document in "
            "20; lower is slower and restores more of the spun records the fast tier's "
            "evidence misses).",
            show_default=False,
        ),
    ] = None,
    table: TableOption = None,
    allow: AllowOption = None,
    deny: DenyOption = None,
) -> None:
    """Restore or score every record of a corpus, in order, keeping other fields; resumable."""
    if str(input) != "-" and not input.exists():
        raise InputError(input, "no such file or folder")
    if str(output) != "-" and _same_file(input, output):
        _fail(f"refusing to overwrite the input {input}", ExitCode.USAGE)
    if report is not None and (
        str(report) == "-" or _same_file(input, report) or _same_file(output, report)
    ):
        _fail("--report needs a file name other than the input's and the output's", ExitCode.USAGE)
    restorer = _restorer(model, table, allow, deny, cascade_gate)
    sources = None
    if reference is not None:
        sources = _load_sources(reference, reference_text_field, reference_id_field, threshold)
    _run_corpus(
        input,
        output,
        restorer,
        text_field=text_field,
        id_field=id_field,
        mode=mode,
        jobs=jobs,
        quiet=quiet,
        resume=resume,
        checkpoint_every=checkpoint_every,
        errors_file=errors_file,
        sources=sources,
        report=report,
    )


@app.command()
@_guarded
def match(
    input: Annotated[
        Path,
        typer.Argument(
            help="Texts to find the sources of: JSONL (.gz, .zst; '-': stdin), Parquet, a "
            "folder of .txt, or one .txt file."
        ),
    ],
    against: Annotated[
        Path,
        typer.Option(
            "--against",
            metavar="REFERENCE",
            help="Where the sources may be: JSONL, Parquet, a folder of .txt, or one file.",
        ),
    ],
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Output of the input's format ('-': stdout)."),
    ] = Path("-"),
    text_field: Annotated[
        str, typer.Option("--text-field", help="Field holding the text, in input and reference.")
    ] = "text",
    id_field: Annotated[
        str | None,
        typer.Option(
            "--id-field",
            help="The reference's id field (a.b): what a match names; line or row numbers, or "
            "file names, without.",
        ),
    ] = None,
    reference_text_field: Annotated[
        str | None,
        typer.Option(
            "--reference-text-field",
            metavar="FIELD",
            help="The reference's text field, if it differs from --text-field.",
        ),
    ] = None,
    threshold: ThresholdOption = None,
    jobs: JobsOption = 1,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary.")] = False,
    resume: ResumeOption = False,
    errors_file: ErrorsFileOption = None,
) -> None:
    """Find the source of every record in a reference collection, spin-proof.

    Each record gets ``"restorer": {"source": {"id": ..., "score": ...}}``, or ``"source":
    null`` where no reference text scores at least the threshold. Texts are left as they are.
    """
    if str(input) != "-" and not input.exists():
        raise InputError(input, "no such file or folder")
    if str(output) != "-" and _same_file(input, output):
        _fail(f"refusing to overwrite the input {input}", ExitCode.USAGE)
    sources = _load_sources(against, reference_text_field or text_field, id_field, threshold)
    if input.is_file() and input.name.lower().endswith(".txt"):
        _match_one_file(input, output, sources)
        return
    _run_corpus(
        input,
        output,
        # never used, so never loaded: matching changes no text
        Restorer(RestorerConfig(model="fast")),
        text_field=text_field,
        id_field=None,
        mode="score",
        jobs=jobs,
        quiet=quiet,
        resume=resume,
        checkpoint_every=10_000,
        errors_file=errors_file,
        sources=sources,
        match_only=True,
    )


def _match_one_file(input: Path, output: Path, sources: SourceIndex) -> None:
    """``match`` on one text file: one JSON line naming its source (or null)."""
    with contextlib.ExitStack() as stack:
        text = "".join(read_chunks(_open_input(stack, input), display_name(input), "strict"))
        found = sources.query(text)
        where = None if found is None else found.to_json()
        record = {"input": str(input), "restorer": {"source": where}}
        out, writer = stack.enter_context(open_output(None if str(output) == "-" else output))
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        if writer is not None:
            writer.commit()


def _load_sources(
    path: Path, text_field: str, id_field: str | None, threshold: float | None
) -> SourceIndex:
    """Read a reference collection and index it (notes on stderr, errors as exit codes)."""
    from restorer.batch.reference import read_reference
    from restorer.sources.index import SourceIndex

    if threshold is not None and not 0.0 < threshold <= 1.0:
        _fail("--threshold must be in (0, 1]", ExitCode.USAGE)
    ref = read_reference(path, text_field, id_field)
    note = ref.note()
    if note is not None:
        typer.echo(f"restorer: note: {note}", err=True)
    options = {} if threshold is None else {"threshold": threshold}
    return SourceIndex.from_records(ref.texts.items(), **options)


def _run_corpus(
    input: Path,
    output: Path,
    restorer: TextRestorer,
    *,
    text_field: str,
    id_field: str | None,
    mode: str,
    jobs: int,
    quiet: bool,
    resume: bool,
    checkpoint_every: int,
    errors_file: Path | None,
    sources: SourceIndex | None = None,
    match_only: bool = False,
    report: Path | None = None,
) -> None:
    """Run a corpus job (batch, match) and report it: summary line, notes, exit code.

    With ``report``, the run's HTML report is written there once the run is done (nothing is
    written for an interrupted run).
    """
    from restorer.batch import BatchError, run_batch
    from restorer.batch.overview import RunOverview

    if errors_file is None and str(output) == "-":
        errors_file = Path("restorer-errors.jsonl")
    notes: list[str] = []
    overview = RunOverview(restorer.scorer.name) if report is not None else None
    try:
        summary = run_batch(
            input,
            output,
            restorer,
            text_field=text_field,
            errors_path=errors_file,
            id_field=id_field,
            mode=mode,
            jobs=jobs,
            resume=resume,
            progress=not quiet and sys.stderr.isatty(),
            checkpoint_every=checkpoint_every,
            notes=notes,
            sources=sources,
            match_only=match_only,
            overview=overview,
        )
    except BatchError as exc:
        _fail(str(exc), ExitCode.USAGE)
    except (KeyboardInterrupt, Terminated):
        if str(output) == "-":
            raise
        _fail("interrupted; run the same command with --resume to go on", ExitCode.INTERRUPTED)
    for note in notes:
        typer.echo(f"restorer: {note}", err=True)
    if not quiet:
        resumed = f"; {summary.resumed} done by the earlier run" if summary.resumed else ""
        rate = (
            f"{summary.run_words:,} words in {summary.seconds:.1f} s "
            f"({summary.words_per_second:,.0f} words/s)"
        )
        if match_only:
            typer.echo(
                f"{input}: {summary.records} record(s), {summary.sourced} matched a source, "
                f"{summary.failed} failed{resumed}; {rate}",
                err=True,
            )
        else:
            sourced = f", {summary.sourced} from a source" if sources is not None else ""
            if restorer.scorer.name == "cascade":
                sourced += f"; {summary.to_lm} record(s) to the lm tier, the rest fast"
            typer.echo(
                f"{input}: {summary.records} record(s), {summary.restored} restored "
                f"({summary.edits} edits{sourced}), {summary.failed} failed{resumed}; "
                f"mean spin score {summary.mean_spin:.3f}; {rate}",
                err=True,
            )
        if summary.ignored:
            typer.echo(f"restorer: {summary.ignored} file(s) not ending in .txt ignored", err=True)
    if report is not None and overview is not None:
        from restorer.report import render_run_html

        title = f"restorer batch {display_name(None if str(input) == '-' else input)}"
        with open_output(report) as (out, writer):
            out.write(render_run_html(overview, title=title, version=__version__))
            if writer is not None:
                writer.commit()
    if summary.failed:
        where = errors_file or output.with_name(output.name + ".errors.jsonl")
        typer.echo(f"restorer: {summary.failed} record(s) copied unchanged; see {where}", err=True)
        raise typer.Exit(int(ExitCode.INPUT_ERROR))


table_app = typer.Typer(help="Check, import, learn and count phrase tables.", no_args_is_help=True)
app.add_typer(table_app, name="table")


def _report_skipped(path: Path, result: ImportResult, show: int) -> None:
    """Tell on stderr which entries of an import gave no row, and why (the first ``show``)."""
    for line, reason in result.skipped[:show]:
        typer.echo(f"{path}:{line}: skipped: {reason}", err=True)
    if len(result.skipped) > show:
        typer.echo(f"{path}: ... and {len(result.skipped) - show} more skipped", err=True)


@table_app.command("check")
@_guarded
def table_check(
    paths: Annotated[
        list[Path], typer.Argument(help="Table files (restorer TSV or any importable format).")
    ],
) -> None:
    """Check table files: format, provenance, identity rows, rows that undo each other."""
    from restorer.imports import import_table
    from restorer.table import PhraseTable, lint

    problems = 0
    for path in paths:
        result = import_table(path)
        table = PhraseTable(result.rows, name=path.name)
        found = lint(table)
        for message in found:
            typer.echo(message)
        problems += len(found)
        skipped = f", {len(result.skipped)} entries skipped" if result.skipped else ""
        typer.echo(
            f"{path}: {result.format}, {len(table)} rows, {len(found)} problem(s){skipped}",
            err=True,
        )
    if problems:
        raise typer.Exit(int(ExitCode.INPUT_ERROR))


@table_app.command("import")
@_guarded
def table_import(
    path: Annotated[Path, typer.Argument(help="PPS CSV export, JSON list or a|b|c groups.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the TSV here (default stdout).")
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="pps-csv, pps-json, synonyms or restorer (default: guess)."),
    ] = None,
    prior: Annotated[
        float | None, typer.Option("--prior", help="Prior of the rows (0 < p <= 1).")
    ] = None,
    show: Annotated[
        int, typer.Option("--show-skipped", help="How many skipped entries to list.")
    ] = 10,
) -> None:
    """Convert a user-supplied table to restorer's TSV, for review; lists what it skipped."""
    from restorer.imports import FORMATS, import_table
    from restorer.table import PhraseTable

    if fmt is not None and fmt not in FORMATS:
        _fail(f"--format must be one of {', '.join(FORMATS)}", ExitCode.USAGE)
    if prior is not None and not 0.0 < prior <= 1.0:
        _fail("--prior must be in (0, 1]", ExitCode.USAGE)
    if output is not None and _same_file(path, output):
        _fail(f"refusing to overwrite the input {path}", ExitCode.USAGE)
    result = import_table(path, fmt, prior)
    table = PhraseTable(result.rows, name=path.name)
    with open_output(output) as (out, writer):
        table.write(out)
        if writer is not None:
            writer.commit()
    _report_skipped(path, result, show)
    conditions = sum(1 for r in result.rows if r.condition is not None)
    typer.echo(
        f"{path}: {result.format}, {len(result.rows)} rows ({conditions} with a condition), "
        f"{len(result.skipped)} skipped, {len(result.notes)} note(s)",
        err=True,
    )


@table_app.command("learn")
@_guarded
def table_learn(
    pairs: Annotated[
        Path,
        typer.Argument(
            help="JSONL of aligned pairs, one object a line; with --from-matches, the output "
            "of 'restorer match'."
        ),
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the TSV here (default stdout).")
    ] = None,
    spun_field: Annotated[str, typer.Option("--spun-field", help="Field of the spun text.")] = (
        "spun"
    ),
    original_field: Annotated[
        str, typer.Option("--original-field", help="Field of the original text.")
    ] = "original",
    from_matches: Annotated[
        Path | None,
        typer.Option(
            "--from-matches",
            metavar="REFERENCE",
            help="PAIRS is what 'restorer match' wrote against REFERENCE: learn from each "
            "record (its --spun-field, default 'text' here) and the source it was matched to.",
        ),
    ] = None,
    reference_id_field: ReferenceIdOption = None,
    reference_text_field: ReferenceTextOption = "text",
    min_count: Annotated[
        int, typer.Option("--min-count", help="Keep swaps seen at least this often.")
    ] = 1,
    max_tokens: Annotated[
        int, typer.Option("--max-tokens", help="Longest phrase learned, in tokens.")
    ] = 5,
) -> None:
    """Learn table rows (with counts) from aligned (spun, original) pairs.

    With --from-matches, the pairs are the ones 'restorer match' found in a corpus: the
    corpus teaches the restorer its spinners' dictionary.
    """
    from restorer.learn import learn_rows, read_pairs
    from restorer.table import PhraseTable

    if min_count < 1 or not 1 <= max_tokens <= 8:
        _fail("--min-count must be 1 or more and --max-tokens 1 to 8", ExitCode.USAGE)
    _check_input_path(pairs)
    if output is not None and _same_file(pairs, output):
        _fail(f"refusing to overwrite the input {pairs}", ExitCode.USAGE)
    unmatched = None
    if from_matches is not None:
        from restorer.batch.reference import matched_pairs, read_reference

        ref = read_reference(from_matches, reference_text_field, reference_id_field)
        field = "text" if spun_field == "spun" else spun_field
        records, unmatched = matched_pairs(pairs, ref, field)
    else:
        records = read_pairs(pairs, spun_field, original_field)
    rows = learn_rows(records, name=pairs.name, min_count=min_count, max_tokens=max_tokens)
    with open_output(output) as (out, writer):
        PhraseTable(rows, name="learned").write(out)
        if writer is not None:
            writer.commit()
    skipped = f" ({unmatched} record(s) without a source skipped)" if unmatched else ""
    typer.echo(f"{pairs}: {len(records)} pair(s){skipped}, {len(rows)} rows learned", err=True)


@table_app.command("stats")
@_guarded
def table_stats_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Table files (any importable format); default: the shipped table."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Count rows by source and kind, and by shape (names, multi-word, conditions)."""
    from restorer.imports import import_table, table_stats
    from restorer.table import load_table

    tables = [(str(p), import_table(p).rows) for p in paths or []]
    if not tables:
        tables = [("shipped", list(load_table().rows))]
    report = {name: table_stats(rows) for name, rows in tables}
    if as_json:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    for name, fig in report.items():
        typer.echo(
            f"{name}: {fig['rows']} rows ({fig['single_word']} single-word, "
            f"{fig['multi_word']} multi-word, {fig['names']} names, "
            f"{fig['with_condition']} with a condition)"
        )
        for group in ("by_source", "by_kind"):
            for key, count in fig[group].items():
                typer.echo(f"  {count:>7}  {key}")


def main() -> None:
    """Run the command line; map every failure to an exit code and a one-line message."""
    interrupt.install()
    try:
        app()
    except (KeyboardInterrupt, Terminated):
        typer.echo("restorer: interrupted", err=True)
        sys.exit(int(ExitCode.INTERRUPTED))
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(int(ExitCode.OK))
    except Exception as exc:  # the last line of defence: no traceback for users
        if os.environ.get("RESTORER_DEBUG"):
            raise
        typer.echo(f"restorer: internal error: {type(exc).__name__}: {exc}", err=True)
        typer.echo("restorer: set RESTORER_DEBUG=1 to see the traceback", err=True)
        sys.exit(int(ExitCode.INTERNAL_ERROR))

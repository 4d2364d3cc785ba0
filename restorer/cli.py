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
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, NoReturn, ParamSpec

import typer

from restorer import __version__
from restorer.config import MODELS, RestorerConfig
from restorer.core import Restorer
from restorer.diff import render_diff
from restorer.errors import ExitCode, InputError, RestorerError
from restorer.files import display_name, open_output, read_chunks

P = ParamSpec("P")

app = typer.Typer(
    name="restorer",
    help="Put back the original wording of synonym-spun English text, and explain every change.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class _TerminatedError(Exception):
    """SIGTERM, turned into an exception so clean-up code runs."""


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
        except (KeyboardInterrupt, _TerminatedError):
            _fail("interrupted", ExitCode.INTERRUPTED)

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


def _restorer(model: str, tables: list[Path] | None) -> Restorer:
    if model not in MODELS:
        _fail(f"--model must be one of {', '.join(MODELS)}, not {model!r}", ExitCode.USAGE)
    if model == "lm":
        _fail(
            "the 'lm' scorer tier is not available in this version; use --model fast",
            ExitCode.USAGE,
        )
    restorer = Restorer(RestorerConfig(model=model, tables=tuple(tables or ())))
    _ = restorer.table  # load now, so a bad table is reported before any output is written
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
    str, typer.Option("--model", "-m", help="Scorer tier: fast (frequencies and table priors).")
]
TableOption = Annotated[
    list[Path] | None,
    typer.Option("--table", "-t", help="Extra phrase table (restorer TSV); repeatable."),
]


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
    model: ModelOption = "fast",
    table: TableOption = None,
    errors: Annotated[
        str,
        typer.Option("--errors", help="Undecodable input: strict (refuse) or replace (U+FFFD)."),
    ] = "strict",
) -> None:
    """Restore one text file (or stdin) and write the result to stdout or --output."""
    if errors not in ("strict", "replace"):
        _fail("--errors must be 'strict' or 'replace'", ExitCode.USAGE)
    _check_input_path(input)
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
    restorer = _restorer(model, table)
    name = display_name(input)
    edits = 0
    line = 1
    rates: list[tuple[float, int]] = []
    use_color = diff and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    with contextlib.ExitStack() as stack:
        stream = (
            sys.stdin.buffer
            if input is None or str(input) == "-"
            else stack.enter_context(input.open("rb"))
        )
        out, writer = stack.enter_context(open_output(target))
        records, records_writer = (
            stack.enter_context(open_output(explain)) if explain is not None else (None, None)
        )
        for result in restorer.iter_restore(read_chunks(stream, name, errors)):
            edits += len(result.edits)
            rates.append((result.spin_rate, result.words))
            if records is not None:
                records.writelines(
                    json.dumps(e.to_json(), ensure_ascii=False) + "\n" for e in result.edits
                )
            if diff:
                out.write(render_diff(result.text, result.edits, result.offset, use_color, line))
            elif not check:
                out.write(result.restored)
            line += result.text.count("\n")
        for done in (writer, records_writer):
            if done is not None:
                done.commit()
    spin = sum(r * max(w, 1) for r, w in rates) / max(sum(max(w, 1) for _, w in rates), 1)
    if check or diff:
        verb = "would restore" if check else "restored"
        typer.echo(f"{name}: {verb} {edits} span(s); spin score {spin:.2f}", err=True)
    if check and edits:
        raise typer.Exit(int(ExitCode.CHANGED))


@app.command()
@_guarded
def batch(
    input: Annotated[Path, typer.Argument(help="JSONL file, one record per line.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output JSONL ('-': stdout).")],
    text_field: Annotated[
        str, typer.Option("--text-field", help="Field holding the text (dotted path: a.b).")
    ] = "text",
    errors_file: Annotated[
        Path | None,
        typer.Option("--errors-file", help="Where failed records are described (JSONL)."),
    ] = None,
    model: ModelOption = "fast",
    table: TableOption = None,
) -> None:
    """Restore the text field of every record of a JSONL file, keeping order and other fields."""
    from restorer.batch import run_batch

    _check_input_path(input)
    if str(output) != "-" and _same_file(input, output):
        _fail(f"refusing to overwrite the input {input}", ExitCode.USAGE)
    restorer = _restorer(model, table)
    if errors_file is None and str(output) == "-":
        errors_file = Path("restorer-errors.jsonl")
    summary = run_batch(input, output, restorer, text_field=text_field, errors_path=errors_file)
    typer.echo(
        f"{input}: {summary.records} record(s), {summary.restored} restored "
        f"({summary.edits} edits), {summary.failed} failed",
        err=True,
    )
    if summary.failed:
        where = errors_file or output.with_name(output.name + ".errors.jsonl")
        typer.echo(f"restorer: {summary.failed} record(s) copied unchanged; see {where}", err=True)
        raise typer.Exit(int(ExitCode.INPUT_ERROR))


table_app = typer.Typer(help="Check phrase tables.", no_args_is_help=True)
app.add_typer(table_app, name="table")


@table_app.command("check")
@_guarded
def table_check(
    paths: Annotated[list[Path], typer.Argument(help="Table files (restorer TSV).")],
) -> None:
    """Check table files: format, provenance, identity rows, rows that undo each other."""
    from restorer.table import PhraseTable, lint

    problems = 0
    for path in paths:
        table = PhraseTable.load(path)
        found = lint(table)
        for message in found:
            typer.echo(message)
        problems += len(found)
        typer.echo(f"{path}: {len(table)} rows, {len(found)} problem(s)", err=True)
    if problems:
        raise typer.Exit(int(ExitCode.INPUT_ERROR))


def _on_sigterm(signum: int, frame: object) -> NoReturn:
    raise _TerminatedError


def main() -> None:
    """Run the command line; map every failure to an exit code and a one-line message."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        app()
    except (KeyboardInterrupt, _TerminatedError):
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

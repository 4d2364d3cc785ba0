"""The user's allow and deny lists (``restorer.lists``): reading them, and what they do.

The list files are written here; the phrases are made up for these tests.
"""

from __future__ import annotations

from pathlib import Path

from helpers import write_file
from typer.testing import CliRunner

from restorer import PhraseTable, Restorer, RestorerConfig, Row
from restorer.cli import app
from restorer.imports import DENY_PRIOR
from restorer.lists import CERTAIN, UserLists
from restorer.tokenize import tokenize


def _restorers(table: PhraseTable, **lists: tuple[Path, ...]) -> tuple[Restorer, Restorer]:
    """The same table without lists and with ``lists`` (``allow=`` / ``deny=`` files)."""
    plain = Restorer(RestorerConfig(model="fast", default_table=False), table=table)
    config = RestorerConfig(model="fast", default_table=False, **lists)
    return plain, Restorer(config, table=table)


# -- the stage ---------------------------------------------------------------------------------


def test_load_reads_allowed_denied_and_flagged_phrases(tmp_path):
    allow = write_file(tmp_path, "allow.txt", "# names we keep\nRelated Press\n")
    deny = write_file(tmp_path, "deny.txt", "quick fox\tfast fox | speedy fox\nLazy Dog\n")
    lists = UserLists.load([allow], [deny])
    assert lists
    assert lists.allow == (("related", "press"),)
    assert lists.flag == (("lazy", "dog"),)
    assert lists.deny is not None
    (row,) = lists.deny.rows
    assert (row.spun, row.canonicals) == ("quick fox", ("fast fox", "speedy fox"))
    assert row.prior == DENY_PRIOR
    assert (row.source, row.table, row.line) == ("deny list: deny.txt", "deny.txt", 1)


def test_no_lists_is_false():
    assert not UserLists()
    assert not UserLists.load([], [])


def test_denied_forces_disjoint_replacements_and_flags_spans():
    table = PhraseTable(
        [Row("quick fox", ("fast fox",), 0.995, "t"), Row("fox saw", ("fox spotted",), 0.995, "t")]
    )
    lists = UserLists(deny=table, flag=[("lazy", "dog")])
    tokens = tokenize("The quick fox saw the lazy dog.")
    forced, flagged = lists.denied(tokens, 12)
    # "fox saw" overlaps "quick fox", which starts first: only one of them is forced
    assert [(c.slot.start, c.slot.end, c.candidate.text) for c in forced] == [(1, 3, "fast fox")]
    assert forced[0].score.evidence >= CERTAIN  # as good as certain: the spin rate rises
    assert flagged == [(5, 7)]


# -- in the pipeline and on the command line ---------------------------------------------------


def test_allow_list_keeps_a_phrase(tmp_path, tiny_table):
    allow = write_file(tmp_path, "allow.txt", "related press\n")
    text = "The Related Press mentioned the White Space."
    plain, allowed = _restorers(tiny_table, allow=(allow,))
    assert "Associated Press" in plain.restore_text(text)
    out = allowed.restore_text(text)
    assert "Related Press" in out
    assert "White House" in out  # other phrases are still restored


def test_deny_list_forces_and_flags(tmp_path, tiny_table):
    deny = write_file(tmp_path, "deny.txt", "quick fox\tfast fox\nlazy dog\n")
    text = "The quick fox jumps over the lazy dog."
    plain, denied = _restorers(tiny_table, deny=(deny,))
    before = plain.restore_and_explain(text)
    after = denied.restore_and_explain(text)
    assert before.text == text
    assert after.text == "The fast fox jumps over the lazy dog."
    assert after.edits[0].source.kind == "deny list: deny.txt"
    assert after.spin_rate > before.spin_rate


def test_bad_list_is_a_data_error():
    # a missing list file is reported as an input/data error (exit 3) by the CLI
    result = CliRunner().invoke(
        app, ["fix", "-m", "fast", "--allow", "/nonexistent/allow.txt"], input="text\n"
    )
    assert result.exit_code == 3
    assert "allow.txt" in result.output


def test_cli_allow_and_deny(tmp_path):
    table = write_file(
        tmp_path, "t.tsv", "# restorer-phrases 1\nRelated Press\tAssociated Press\t0.98\tt\n"
    )
    allow = write_file(tmp_path, "allow.txt", "Related Press\n")
    deny = write_file(tmp_path, "deny.txt", "quick fox\tfast fox\n")
    text = "The Related Press saw a quick fox.\n"
    args = ["fix", "-m", "fast", "-t", str(table)]
    assert CliRunner().invoke(app, args, input=text).stdout == (
        "The Associated Press saw a quick fox.\n"
    )
    result = CliRunner().invoke(
        app, [*args, "--allow", str(allow), "--deny", str(deny)], input=text
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "The Related Press saw a fast fox.\n"

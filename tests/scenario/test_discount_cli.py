"""`nudge discount import FILE.csv --campaign C --step N` and `nudge discount status C`.

A shop's export is read by its Code column, a plain list one code a line; bad rows are named by
line on stderr (exit 1, the good codes kept), duplicates (in the file, in case only, or already
in a pool) are ignored, and a file without a code column is refused with exit 2.

Mutation tried: the case-insensitive duplicate check in `parse_codes` made case-sensitive: the
`winter-0002` row was counted as a new code and the test failed.
"""

from __future__ import annotations

from typer.testing import CliRunner

from bot.cli.main import app, register_commands
from tests.delivery_support import add_contacts, call

register_commands()
runner = CliRunner()

SHOPIFY_EXPORT = """\ufeffDiscount name,Code,Times used,Status
Winter rescue,WINTER-0001,0,Active
Winter rescue,WINTER-0002,0,Active
Winter rescue,winter-0002,0,Active
Winter rescue,,0,Active

Winter rescue,NOT A CODE!,0,Active
Winter rescue,WINTER-0003,0,Active
"""


def campaign(engine, settings) -> int:
    add_contacts(engine, 2)
    created = call(engine, settings, "create_sequence", {
        "name": "Cart rescue", "segment": {"attribute": "email", "op": "exists"},
        "steps": [{"delay_days": 1, "purpose": "cart_reminder"},
                  {"delay_days": 5, "purpose": "cart_discount", "discount_percent": 10}]})
    return created.campaign_id


def test_import_reads_the_code_column_names_bad_rows_by_line_and_ignores_duplicates(engine, settings, tmp_path):
    campaign_id = campaign(engine, settings)
    path = tmp_path / "discount_codes_export.csv"
    path.write_text(SHOPIFY_EXPORT, encoding="utf-8")
    result = runner.invoke(app, ["discount", "import", str(path), "--campaign", "Cart rescue", "--step", "2"])
    assert result.exit_code == 1, result.output
    assert "line 5: no code in the code column" in result.stderr
    assert "line 7: 'NOT A CODE!' is not a discount code" in result.stderr
    assert "3 code(s) added to step 2 of 'Cart rescue'; 1 duplicate(s) ignored; 2 row(s) rejected. " \
           "3 code(s) left in the pool." in result.stdout
    again = tmp_path / "more.txt"
    again.write_text("WINTER-0003\nWINTER-0004\n")
    result = runner.invoke(app, ["discount", "import", str(again), "--campaign", str(campaign_id), "--step", "2"])
    assert result.exit_code == 0, result.output
    assert "1 code(s) added" in result.stdout and "1 duplicate(s) ignored" in result.stdout
    status = runner.invoke(app, ["discount", "status", "Cart rescue"])
    assert status.exit_code == 0 and "Step 2: 4 of 4 code(s) left (0 given out, 0 sent)." in status.stdout
    preflight = runner.invoke(app, ["preflight", "Cart rescue"])
    assert "Discount codes: 4 left for 2 recipient(s)." in preflight.stdout, preflight.stdout


def test_import_refuses_a_file_without_a_code_column_or_a_step_that_does_not_exist(engine, settings, tmp_path):
    campaign(engine, settings)
    path = tmp_path / "orders.csv"
    path.write_text("Name,Email,Total\n#1001,a@example.com,20\n")
    result = runner.invoke(app, ["discount", "import", str(path), "--campaign", "Cart rescue", "--step", "2"])
    assert result.exit_code == 2
    assert "no Code column: the first row has Name, Email, Total" in result.stderr
    codes = tmp_path / "codes.csv"
    codes.write_text("A-1\n")
    result = runner.invoke(app, ["discount", "import", str(codes), "--campaign", "Cart rescue", "--step", "3"])
    assert result.exit_code == 2 and "campaign 'Cart rescue' has no step 3; its steps are 1, 2" in result.stderr
    result = runner.invoke(app, ["discount", "import", str(tmp_path / "nope.csv"), "--campaign", "Cart rescue",
                                 "--step", "2"])
    assert result.exit_code == 2 and "no file" in result.stderr
    status = runner.invoke(app, ["discount", "status", "Cart rescue"])
    assert "has no discount code pool" in status.stdout

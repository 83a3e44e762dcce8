from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from registration.directory import import_directory
from registration.models import DirectoryRecord

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "directory"


def run(fmt: str, path: Path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_directory", "--format", fmt, str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_imls_file_with_a_bom_imports_and_reports_rejects_by_line() -> None:
    out, err = run("imls-pls", DATA / "imls_small.csv")
    assert "3 added, 0 updated, 0 unchanged, 2 rejected" in out
    assert "line 5: rejected: FSCSKEY 'BAD1'" in err
    assert "line 6: rejected: LIBNAME is missing" in err
    dc = DirectoryRecord.objects.get(fscs_key="DC0001")
    assert dc.source == "IMLS PLS"
    assert dc.region == "DC"
    assert dc.phone_key == "2027274300"


def test_imls_suppressed_phone_is_stored_blank() -> None:
    run("imls-pls", DATA / "imls_small.csv")
    assert DirectoryRecord.objects.get(fscs_key="OH0165").phone == ""


def test_second_import_of_the_same_file_changes_nothing() -> None:
    run("imls-pls", DATA / "imls_small.csv")
    out, _ = run("imls-pls", DATA / "imls_small.csv")
    assert "0 added, 0 updated, 3 unchanged, 2 rejected" in out
    assert DirectoryRecord.objects.count() == 3


def test_changed_row_is_updated_in_place(tmp_path: Path) -> None:
    run("imls-pls", DATA / "imls_small.csv")
    edited = tmp_path / "edited.csv"
    edited.write_bytes(
        (DATA / "imls_small.csv").read_bytes().replace(b"8 FORT HILL", b"9 FORT HILL")
    )
    out, _ = run("imls-pls", edited)
    assert "0 added, 1 updated, 2 unchanged" in out
    assert DirectoryRecord.objects.get(fscs_key="NY0778").street == "9 FORT HILL PARK"


def test_uk_isil_cp1252_file_keeps_accents_and_variant_names() -> None:
    out, err = run("uk-isil", DATA / "uk_isil_cp1252.csv")
    assert "3 added" in out
    assert "line 5: rejected:" in err
    scotland = DirectoryRecord.objects.get(isil="GB-StEdNL")
    assert "Nàiseanta" in scotland.variant_names
    bodleian = DirectoryRecord.objects.get(isil="GB-UkOxU")
    assert bodleian.variant_name_list == ["University of Oxford Libraries", "Bodleian"]
    assert bodleian.region == ""


def test_generic_csv_loads_an_office_symbol_list() -> None:
    out, err = run("csv", DATA / "office_symbols.csv")
    assert "2 added" in out
    assert "line 4: rejected: oclc_symbol 'TOOLONGSYM'" in err
    assert "line 5: rejected: email 'not-an-email'" in err
    assert "line 6: rejected: same identifier as line 3" in err
    dlc = DirectoryRecord.objects.get(oclc_symbol="DLC")
    assert dlc.isil == "US-DLC"
    assert DirectoryRecord.objects.get(oclc_symbol="NDD").isil == "US-NcD"


def test_file_without_the_needed_columns_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("symbol,title\nDLC,Library of Congress\n")
    with pytest.raises(CommandError, match="oclc_symbol"):
        run("csv", wrong)


def test_same_identifier_in_two_sources_makes_two_records() -> None:
    import_directory(DATA / "office_symbols.csv", format_name="csv", source="Office A")
    import_directory(DATA / "office_symbols.csv", format_name="csv", source="Office B")
    assert DirectoryRecord.objects.filter(oclc_symbol="DLC").count() == 2


@pytest.mark.skipif(not REAL.is_dir(), reason="optional data test: ../shared/data/directory")
@pytest.mark.parametrize(
    ("fmt", "name", "rows"),
    [
        ("imls-pls", "imls_pls_fy2018_administrative_entities.csv", 9261),
        ("uk-isil", "uk_isil_registry_active.csv", 563),
    ],
)
def test_real_directory_files_import_completely_and_idempotently(
    fmt: str, name: str, rows: int
) -> None:
    first = import_directory(REAL / name, format_name=fmt)
    assert first.added == rows
    assert first.rejected == []
    second = import_directory(REAL / name, format_name=fmt)
    assert (second.added, second.updated, second.unchanged) == (0, 0, rows)

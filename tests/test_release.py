"""Bad release CSVs get errors that name the row, or counted skips; nothing is lost silently."""

import pytest

from artemis_hf.data.release import ReleaseFormatError, Report, read_release

HEADER = "art_style,painting,emotion,utterance,repetition\n"
GOOD = "Impressionism,claude-monet_water-lilies,awe,The water is calm and glowing,2\n"


def write(tmp_path, body, header=HEADER, encoding="utf-8"):
    path = tmp_path / "release.csv"
    path.write_text(header + body, encoding=encoding)
    return path


def test_missing_column_names_it(tmp_path):
    path = write(tmp_path, "Impressionism,a,awe,2\n", header="art_style,painting,emotion,repetition\n")
    with pytest.raises(ReleaseFormatError, match=r"missing column\(s\) \['utterance'\]"):
        read_release(path)


@pytest.mark.parametrize(
    "bad_row, problem",
    [
        ("Cubism,b,joy,Too happy to say,1\n", "unknown emotion"),
        ("Cubism,b,fear,   ,1\n", "empty utterance"),
        ("Cubism,b,fear,A dark room,many\n", "repetition is not a positive integer"),
        ("Cubism,b,fear,A dark room,0\n", "repetition is not a positive integer"),
        (",b,fear,A dark room,1\n", "empty art_style or painting"),
    ],
)
def test_bad_rows_raise_with_their_row_number_or_are_counted(tmp_path, bad_row, problem):
    path = write(tmp_path, GOOD + bad_row + GOOD)
    with pytest.raises(ReleaseFormatError, match=rf"1 row\(s\) with {problem}: row 2 "):
        read_release(path)

    report = Report()
    frame = read_release(path, on_bad_row="skip", report=report)
    assert len(frame) == 2 and frame["row_number"].tolist() == [1, 3]
    assert [(step.reason, step.removed, step.rows) for step in report.steps] == [(problem, 1, [2])]
    assert report.to_dict()["rows_out"] + report.removed == report.rows_in == 3


def test_emotion_spellings_bom_and_quoted_newlines(tmp_path):
    body = GOOD + 'Cubism,b,something_else,"Two lines,\nwith ""quotes"" in it",1\n'
    frame = read_release(write(tmp_path, body, encoding="utf-8-sig"))  # Excel writes a BOM
    assert frame.columns[0] == "art_style"
    assert frame["emotion"].tolist() == [1, 8]
    assert frame["utterance"].iloc[1] == 'Two lines,\nwith "quotes" in it'
    assert frame["painting_id"].tolist() == ["Impressionism/claude-monet_water-lilies", "Cubism/b"]


def test_painting_ids_are_nfc(tmp_path):
    nfd = "euge\u0300ne-grasset_spring"
    frame = read_release(write(tmp_path, f"Art_Nouveau_Modern,{nfd},awe,Soft spring colours everywhere,1\n"))
    assert frame["painting_id"].iloc[0] == "Art_Nouveau_Modern/eug\u00e8ne-grasset_spring"


def test_missing_file_and_bad_option(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        read_release(tmp_path / "nope.csv")
    with pytest.raises(ValueError, match="on_bad_row"):
        read_release(write(tmp_path, GOOD), on_bad_row="ignore")

"""rnnc.series: CSV tables with dates, their frequency, gaps and delimiters."""

import numpy as np
import pytest

from rnnc.series import (
    SeriesError,
    format_date,
    infer_frequency,
    parse_dates,
    read_header,
    read_table,
)


def write(tmp_path, text, name="s.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


@pytest.mark.parametrize(
    "dates,frequency,future",
    [
        (["2020-01-01", "2020-02-01", "2020-03-01"], "monthly", ["2020-04", "2020-05"]),
        (["2020-01-31", "2020-02-29", "2020-03-31"], "monthly", ["2020-04-30", "2020-05-31"]),
        (["2019-11-15", "2019-12-15", "2020-01-15"], "monthly", ["2020-02-15", "2020-03-15"]),
        (["1990", "1991", "1992"], "yearly", ["1993", "1994"]),
        (["2020Q3", "2020Q4", "2021Q1"], "quarterly", ["2021Q2", "2021Q3"]),
        (["2020-01-06", "2020-01-13", "2020-01-20"], "weekly", ["2020-01-27", "2020-02-03"]),
        (["2020-02-27", "2020-02-28", "2020-02-29"], "daily", ["2020-03-01", "2020-03-02"]),
        (
            ["2020-01-01 00:00", "2020-01-01 00:15", "2020-01-01 00:30"],
            "every 900 seconds",
            ["2020-01-01 00:45:00", "2020-01-01 01:00:00"],
        ),
        (["1/31/2020", "2/29/2020", "3/31/2020"], "monthly", ["2020-04-30", "2020-05-31"]),
        (["31.01.2020", "29.02.2020", "31.03.2020"], "monthly", ["2020-04-30", "2020-05-31"]),
        (["2020-01-01", "2020-01-04", "2020-01-07"], "every 3 days", ["2020-01-10", "2020-01-13"]),
        (["2020-01-01 09:00", "2020-01-02 09:00"], "daily", ["2020-01-03", "2020-01-04"]),
        (["2020-01-06T09:30", "2020-01-13T09:30"], "weekly", ["2020-01-20", "2020-01-27"]),
        # weekdays only, a Friday then its Monday: a market's days, no weekend a gap
        (
            ["2020-01-09", "2020-01-10", "2020-01-13", "2020-01-14", "2020-01-15", "2020-01-16"],
            "business-daily",
            ["2020-01-17", "2020-01-20"],
        ),
    ],
)
def test_frequency_and_the_dates_after(tmp_path, dates, frequency, future):
    text = "date,value\n" + "".join(f"{d},{i}\n" for i, d in enumerate(dates))
    table = read_table(write(tmp_path, text), ["value"])
    assert table.frequency.name == frequency
    assert [format_date(d, table.frequency) for d in table.future_dates(2)] == future
    np.testing.assert_array_equal(table.column("value"), np.arange(len(dates)))


@pytest.mark.parametrize(
    "dates,message",
    [
        (["2020-01-01", "2020-01-01"], "repeats 2020-01-01 on line 3"),
        (["2020-01-02", "2020-01-01"], "goes back to 2020-01-01 on line 3"),
        (
            ["2020-01-01", "2020-01-03", "2020-01-06"],
            "irregular: 2020-01-06 on line 4 comes 3 days after",
        ),
        (
            ["2020-01-01", "2020-02-30"],
            "'2020-02-30' on line 3, which is not a date of the calendar",
        ),
        (
            ["13/01/2020", "31/02/2020"],
            "'31/02/2020' on line 3, which is not a date of the calendar",
        ),
        (["01/02/2020", "02/03/2020"], "no value decides"),
        (["yesterday", "today"], "'yesterday' on line 2, which is not a date"),
        (["2001-01", "2001-02", "2001-01-15"], "'2001-01-15' on line 4, written unlike '2001-01'"),
    ],
)
def test_dates_that_are_not_a_regular_series_are_named(tmp_path, dates, message):
    # the cell and its line: the calendar's error had shown the first 10
    # characters of Python's message ('Month out '), and a cell in another
    # form had been blamed on the first date, which was fine
    text = "date,value\n" + "".join(f"{d},1\n" for d in dates)
    with pytest.raises(SeriesError, match=message):
        read_table(write(tmp_path, text), ["value"], date="date")


def test_a_date_column_with_a_slip_is_named_not_dropped(tmp_path):
    # found, a date column with one bad cell was read as no dates at all: the
    # series lost its calendar, and with it its season, without a word
    months = [f"1960-{m:02d}" for m in range(1, 13)]
    months[6] = "1960-13"
    path = write(tmp_path, "date,value\n" + "".join(f"{d},{i}\n" for i, d in enumerate(months)))
    with pytest.raises(SeriesError, match=r"'1960-13' on line 8, .* \(date=False, --no-date\)"):
        read_table(path, ["value"])
    assert read_table(path, ["value"], date=False).dates is None
    # a column named like dates that holds none is no date column
    text = "date,value\n" + "".join(f"note {i},{i}\n" for i in range(12))
    assert read_table(write(tmp_path, text), ["value"]).dates is None


def test_gaps_are_named_unless_filled(tmp_path):
    text = (
        "month,sales,price\n2020-01,1,10\n2020-02,,11\n2020-03,3,NA\n"
        "2020-05,5,14\n"
    )  # April skipped
    path = write(tmp_path, text)
    with pytest.raises(SeriesError, match="sales has no value at line 3"):
        read_table(path, ["sales", "price"])
    skipped = write(tmp_path, "month,sales\n2020-01,1\n2020-02,2\n2020-04,4\n", "g.csv")
    with pytest.raises(SeriesError, match="no value at the date 2020-03, which the file skips"):
        read_table(skipped, ["sales"])
    filled = read_table(path, ["sales", "price"], fill="interpolate")
    np.testing.assert_allclose(filled.values, [[1, 10], [2, 11], [3, 12], [4, 13], [5, 14]])
    assert filled.rows == [2, 3, 4, None, 5]
    previous = read_table(path, ["sales", "price"], fill="previous")
    np.testing.assert_array_equal(previous.values, [[1, 10], [1, 11], [3, 11], [3, 11], [5, 14]])
    dropped = read_table(path, ["sales", "price"], fill="drop")
    np.testing.assert_array_equal(dropped.values, [[1, 10], [5, 14]])
    assert [format_date(d, dropped.frequency) for d in dropped.dates] == ["2020-01", "2020-05"]


def test_a_blank_line_between_values_is_a_gap_without_dates(tmp_path):
    # a step with no value, as an empty cell is; blank lines after the values are not
    path = write(tmp_path, "value\n1\n2\n\n4\n5\n\n\n")
    with pytest.raises(SeriesError, match="value has no value at line 4"):
        read_table(path, ["value"])
    np.testing.assert_array_equal(
        read_table(path, ["value"], fill="interpolate").values[:, 0], [1, 2, 3, 4, 5]
    )
    two = write(tmp_path, "a,b\n1,2\n,\n3,4\n", "two.csv")
    np.testing.assert_array_equal(
        read_table(two, ["a", "b"], fill="previous").values, [[1, 2], [1, 2], [3, 4]]
    )
    # a double-spaced file (line endings written twice, as csv.writer does on
    # Windows without newline=""): its blank lines are no steps
    for spaced in ("value\n\n1\n\n2\n\n3\n\n4\n", "value\r\r\n1\r\r\n2\r\r\n3\r\r\n4\r\r\n"):
        path = write(tmp_path, spaced, "spaced.csv")
        np.testing.assert_array_equal(read_table(path, ["value"]).values[:, 0], [1, 2, 3, 4])
    # with dates, the dates say which steps are missing: a blank line is nothing
    dated = write(tmp_path, "month,value\n2020-01,1\n\n2020-02,2\n2020-03,3\n", "dated.csv")
    np.testing.assert_array_equal(read_table(dated, ["value"]).values[:, 0], [1, 2, 3])


def test_gaps_at_the_ends_cannot_be_interpolated(tmp_path):
    path = write(tmp_path, "value\n\n1\n2\n".replace("\n\n", "\nNA\n", 1))
    with pytest.raises(SeriesError, match="starts or ends with a gap"):
        read_table(path, ["value"], fill="interpolate")
    with pytest.raises(SeriesError, match="starts with a gap"):
        read_table(path, ["value"], fill="previous")


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_sniffed_or_given(tmp_path, delimiter):
    text = (
        f"date{delimiter}a{delimiter}b\n2021{delimiter}1{delimiter}2\n2022{delimiter}3"
        f"{delimiter}4\n"
    )
    path = write(tmp_path, text)
    table = read_table(path, ["b", "a"])
    np.testing.assert_array_equal(table.values, [[2, 1], [4, 3]])
    assert read_table(path, ["a"], delimiter=delimiter).frequency.name == "yearly"


def test_spreadsheet_files_read(tmp_path):
    # a byte-order mark, quoted cells, CRLF line ends and a blank last line
    text = '\ufeff"Date","Value"\r\n"2021-01-01","1.5"\r\n"2021-01-02","-2e1"\r\n\r\n'
    path = tmp_path / "s.csv"
    path.write_bytes(text.encode("utf-8"))
    table = read_table(path, ["Value"])
    np.testing.assert_array_equal(table.column("Value"), [1.5, -20])
    assert table.frequency.name == "daily"


def test_the_header_reads_as_read_table_reads_it(tmp_path):
    # blank lines before it, a byte-order mark, quotes around names with the
    # delimiter in them, spaces around names
    text = '\ufeff\n\n"Date";"sales; units" ;"price,eur"\n2021-01-01;1;2\n2021-01-02;3;4\n'
    path = tmp_path / "s.csv"
    path.write_bytes(text.encode("utf-8"))
    assert read_header(path) == read_header(path, ";") == ["Date", "sales; units", "price,eur"]
    assert read_header(path, "|") == ['Date;"sales; units" ;"price,eur"']
    np.testing.assert_array_equal(read_table(path, ["price,eur"]).column("price,eur"), [2, 4])
    with pytest.raises(SeriesError, match="is empty"):
        read_header(write(tmp_path, "\n\n", name="e.csv"))


def test_without_a_date_column_there_are_no_dates(tmp_path):
    table = read_table(write(tmp_path, "level,other\n1,x\n2,y\n"), ["level"])
    assert table.dates is None and table.frequency is None and table.future_dates(3) is None
    # a column named like a date whose cells are not dates is not taken for one
    table = read_table(write(tmp_path, "year,level\nfirst,1\nsecond,2\n", "n.csv"), ["level"])
    assert table.dates is None


@pytest.mark.parametrize(
    "text,columns,options,message",
    [
        ("a,b\n1,2\n", ["c"], {}, "no column 'c'"),
        ("a,a\n1,2\n", ["a"], {}, "2 columns named 'a'"),
        ("a\n1_0\n", ["a"], {}, "a is '1_0', not a number"),
        ("a\n1e999\n", ["a"], {}, "values must be finite"),
        ("a\n", ["a"], {}, "a header but no rows"),
        ("", ["a"], {}, "is empty"),
        ("a\n1\n", ["a"], dict(date="when"), "no date column 'when'"),
    ],
)
def test_bad_files_are_named(tmp_path, text, columns, options, message):
    with pytest.raises(SeriesError, match=message):
        read_table(write(tmp_path, text), columns, **options)


def test_bad_options_are_named(tmp_path):
    path = write(tmp_path, "a\n1\n")
    with pytest.raises(ValueError, match="fill must be None or one of"):
        read_table(path, ["a"], fill="mean")
    with pytest.raises(ValueError, match="delimiter must be one character"):
        read_table(path, ["a"], delimiter=";;")


def test_parse_and_infer_directly():
    dates = parse_dates(["2020-01-31", "2020-03-31"])
    frequency = infer_frequency(dates)
    assert frequency.name == "every 2 months" and frequency.month_end
    with pytest.raises(SeriesError, match="at least two dates"):
        infer_frequency(dates[:1])


def test_rows_after_the_targets_last_value_are_the_future(tmp_path):
    text = "month,sales,price\n2020-01,1,10\n2020-02,,11\n2020-03,3,12\n2020-04,,13\n2020-06,,15\n"
    path = write(tmp_path, text)
    table = read_table(path, ["sales", "price"], fill="interpolate", future=["sales"])
    assert table.end == 3  # sales' last value is 2020-03: the rest is the future
    np.testing.assert_array_equal(table.values[:3], [[1, 10], [2, 11], [3, 12]])
    # the future is kept as read: the skipped May is a missing input value
    np.testing.assert_array_equal(table.values[3:, 1], [13, np.nan, 15])
    assert np.isnan(table.values[3:, 0]).all() and table.rows == [2, 3, 4, 5, None, 6]
    assert [format_date(d, table.frequency) for d in table.dates[3:]] == [
        "2020-04",
        "2020-05",
        "2020-06",
    ]
    # gaps before the end are still gaps: an error naming the first, unless filled
    with pytest.raises(SeriesError, match="sales has no value at line 3"):
        read_table(path, ["sales", "price"], future=["sales"])
    dropped = read_table(path, ["sales", "price"], fill="drop", future=["sales"])
    assert dropped.end == 2 and len(dropped.values) == 5
    # without future, a trailing gap is a gap
    with pytest.raises(SeriesError, match="ends with a gap"):
        read_table(path, ["sales", "price"], fill="interpolate")
    empty = write(tmp_path, "sales,price\n,1\n,2\n", "e.csv")
    with pytest.raises(SeriesError, match="sales has no values at all"):
        read_table(empty, ["sales", "price"], future=["sales"])


# --- found by a review of messy files (each read wrongly, or silently, before) --------


def monthly(n, first_line="date,value", time=""):
    return (
        first_line
        + "\n"
        + "".join(f"{2000 + i // 12}-{i % 12 + 1:02d}-01{time},{i}\n" for i in range(n))
    )


def test_a_row_with_more_cells_than_the_header_is_refused_by_line(tmp_path):
    # an unquoted thousands separator had split 1,000.0 into 1 and a cell
    # past the header, which was dropped: every value of 1,000 or more read as 1
    text = "date,sales\n2020-01-01,950.0\n2020-02-01,1,000.0\n2020-03-01,980.0\n"
    with pytest.raises(SeriesError, match=r"line 3: 3 cells where the header names 2.*quoted"):
        read_table(write(tmp_path, text), ["sales"])
    # an empty cell past the header (a trailing delimiter) holds nothing to lose
    table = read_table(write(tmp_path, "date,sales\n2020-01-01,1,\n2020-02-01,2,\n"), ["sales"])
    np.testing.assert_array_equal(table.column("sales"), [1, 2])


def test_lines_are_the_files_own_past_a_quoted_cell_with_line_breaks(tmp_path):
    text = 'date,value,note\n2020-01-01,1,"one\ntwo"\n2020-02-01,2,ok\n2020-03-01,x,ok\n'
    with pytest.raises(SeriesError, match="line 5: value is 'x'"):
        read_table(write(tmp_path, text), ["value"])


def test_blank_lines_before_the_header_are_skipped(tmp_path):
    table = read_table(write(tmp_path, "\n\n" + monthly(24)), ["value"])
    assert table.frequency.name == "monthly" and table.rows[0] == 4


@pytest.mark.parametrize("name", ["", "observation_date", "Date (UTC)", "time_utc"])
def test_a_date_column_named_otherwise_is_found(tmp_path, name):
    # pandas writes its unnamed index with no name; FRED names it observation_date
    table = read_table(write(tmp_path, monthly(24, f"{name},value")), ["value"])
    assert table.frequency.name == "monthly" and table.date_name == name


def test_an_unnamed_column_of_numbers_is_no_date_column(tmp_path):
    text = ",value\n" + "".join(f"{i},{i * 2}\n" for i in range(30))
    assert read_table(write(tmp_path, text), ["value"]).dates is None


@pytest.mark.parametrize(
    "cell", ["2021-03-25 01:00:00 CET", "25 Mar 2021", "Mar 2021", "2021-W12", "Q1 2021"]
)
def test_dates_in_a_form_rnnc_does_not_read_are_named_not_dropped(tmp_path, cell):
    text = "date,value\n" + "".join(f"{cell},{i}\n" for i in range(5))
    with pytest.raises(SeriesError, match=r"line 2.*not a date rnnc reads.*--no-date"):
        read_table(write(tmp_path, text), ["value"])
    assert read_table(write(tmp_path, text), ["value"], date=False).dates is None


def test_a_column_named_like_dates_beside_the_dates_may_hold_text(tmp_path):
    text = "day,date,value\n" + "".join(
        f"{d},2020-01-0{i + 1},{i}\n" for i, d in enumerate(["Wed", "Thu", "Fri", "Sat"])
    )
    assert read_table(write(tmp_path, text), ["value"]).frequency.name == "daily"


def test_a_time_of_day_on_a_few_dates_of_many_is_refused_by_line(tmp_path):
    # it had made the steps 12 hours, and every other step a gap
    lines = monthly(24).splitlines()
    lines[5] = "2000-05-01 12:00,4"
    with pytest.raises(SeriesError, match="'2000-05-01 12:00' on line 6, a time of day"):
        read_table(write(tmp_path, "\n".join(lines) + "\n"), ["value"])


def test_midnights_written_without_their_time_among_times_are_read(tmp_path):
    text = "date,value\n" + "".join(
        f"2020-01-01{'' if h == 0 else f' {h:02d}:00'},{h}\n" for h in range(24)
    )
    assert read_table(write(tmp_path, text), ["value"]).frequency.name == "every 3600 seconds"


def test_dates_with_one_utc_offset_are_read_and_a_change_of_offset_is_refused(tmp_path):
    table = read_table(write(tmp_path, monthly(24, time="T00:00:00+00:00")), ["value"])
    assert table.frequency.name == "monthly"
    text = "date,value\n2021-03-27T00:00:00+01:00,1\n2021-03-28T00:00:00+02:00,2\n"
    with pytest.raises(SeriesError, match=r"line 3, whose UTC offset.*daylight saving"):
        read_table(write(tmp_path, text), ["value"])


@pytest.mark.parametrize(
    "dates,future",
    [
        (["2020-01-01", "2020-02-01", "2020-03-01"], ["2020-04-01", "2020-05-01"]),
        (["2020-01", "2020-02", "2020-03"], ["2020-04", "2020-05"]),
        (["2020/1", "2020/2", "2020/3"], ["2020/4", "2020/5"]),
        (["1960-01-01", "1961-01-01", "1962-01-01"], ["1963-01-01", "1964-01-01"]),
        (["2010-Q3", "2010-Q4", "2011-Q1"], ["2011-Q2", "2011-Q3"]),
        (["2021-03-25T00:00", "2021-03-26T00:00"], ["2021-03-27T00:00", "2021-03-28T00:00"]),
        (
            ["2021-01-01 00:00:00+00:00", "2021-01-01 01:00:00+00:00"],
            ["2021-01-01 02:00:00+00:00", "2021-01-01 03:00:00+00:00"],
        ),
        (["30/11/2020", "31/12/2020", "31/01/2021"], ["28/02/2021", "31/03/2021"]),
        (["1/31/2020", "2/29/2020", "3/31/2020"], ["4/30/2020", "5/31/2020"]),
        (["2020/01/06", "2020/01/13", "2020/01/20"], ["2020/01/27", "2020/02/03"]),
        # the 30th of each month, February's last day: monthly (it had been refused
        # as irregular), and the 30th again after a February
        (["2020-12-30", "2021-01-30", "2021-02-28"], ["2021-03-30", "2021-04-30"]),
        (["2019-12-29", "2020-01-29", "2020-02-29"], ["2020-03-29", "2020-04-29"]),
        (["2020-11-30", "2020-12-30", "2021-01-30"], ["2021-02-28", "2021-03-30"]),
        # 12-hourly steps whose midnights are written bare (a review's case)
        (
            [f"2020-01-{1 + i // 2:02d}{' 12:00' if i % 2 else ''}" for i in range(41)],
            ["2020-01-21 12:00", "2020-01-22"],
        ),
        # weekdays at 09:00 are business days: Friday 2018-01-26, then Monday
        (
            [f"{d} 09:00" for d in np.busday_offset("2018-01-01", np.arange(20), "forward")],
            ["2018-01-29 09:00", "2018-01-30 09:00"],
        ),
    ],
)
def test_the_dates_after_are_written_as_the_file_writes_its_own(tmp_path, dates, future):
    # forecasts are joined back onto the file by date: monthly 2015-01-01 had
    # come out as 2020-01, yearly 1960-01-01 as 2000, times without their T
    text = "date,value\n" + "".join(f"{d},{i}\n" for i, d in enumerate(dates))
    table = read_table(write(tmp_path, text), ["value"])
    assert [table.write_date(d) for d in table.future_dates(2)] == future
    assert [table.write_date(d) for d in table.dates] == dates


def test_a_quoted_name_holding_a_comma_does_not_decide_the_delimiter(tmp_path):
    text = '"Datum, lokal";Wert;"Menge, kg"\n2020-01-01;1;2\n2020-01-02;3;4\n'
    table = read_table(write(tmp_path, text), ["Wert"])
    np.testing.assert_array_equal(table.column("Wert"), [1, 3])


def test_a_repeated_or_irregular_time_is_named_with_its_time_of_day(tmp_path):
    hours = [f"2021-10-31 0{h}:00" for h in (0, 1, 2, 2, 3)]  # daylight saving ends
    text = "date,value\n" + "".join(f"{d},{i}\n" for i, d in enumerate(hours))
    with pytest.raises(SeriesError, match="repeats 2021-10-31 02:00:00 on line 5"):
        read_table(write(tmp_path, text), ["value"])


def test_a_business_day_the_market_skips_is_a_gap_and_weekends_are_none(tmp_path):
    days = np.busday_offset(np.datetime64("2019-06-03"), np.arange(30), roll="forward")
    text = "Date,Close\n" + "".join(f"{d},{i}\n" for i, d in enumerate(days) if i != 12)
    path = write(tmp_path, text)
    with pytest.raises(SeriesError, match=f"no value at the date {days[12]}, which the file"):
        read_table(path, ["Close"])
    table = read_table(path, ["Close"], fill="interpolate")
    assert table.frequency.name == "business-daily" and len(table.values) == 30
    assert table.frequency.season == 5


@pytest.mark.parametrize(
    "minutes, season",
    [(60, 24), (30, 48), (15, 96), (360, 4), (720, 2), (10, None), (300, None)],
)
def test_steps_within_a_day_have_the_day_for_season(tmp_path, minutes, season):
    # steps of 15 minutes or more that divide a day; a day of 10-minute steps
    # (144) is left to the autocorrelation, whose calendar test reads n m products
    times = np.datetime64("2021-03-01T00:00") + np.arange(30) * np.timedelta64(minutes, "m")
    rows = "".join(f"{str(t)[:16].replace('T', ' ')},{i}\n" for i, t in enumerate(times))
    table = read_table(write(tmp_path, "time,load\n" + rows), ["load"])
    assert table.frequency.season == season


@pytest.mark.parametrize(
    "header,cells,found",
    [
        # pandas' unnamed index beside the real date column
        (
            ",date,value",
            lambda i: f"{2000 + i},{2015 + i // 12}-{i % 12 + 1:02d}-01,{i}",
            ("date", "monthly"),
        ),
        (",value", lambda i: f"{1000 + i},{i}", None),  # an index of four digits: no years
        (
            "last_update_time,date,value",
            lambda i: f"2023-05-0{i % 3 + 1} 11:2{i % 7},{2015 + i // 12}-{i % 12 + 1:02d}-01,{i}",
            ("date", "monthly"),
        ),
        ("value,load_time", lambda i: f"{i},{1000 + 5 * i}", None),
        ("value,lap_time", lambda i: f"{i},1:0{i % 10}", None),
        ("value,lead_time", lambda i: f"{i},{i % 3}-{i % 3 + 2}", None),
    ],
)
def test_columns_named_partly_like_dates_are_dates_only_as_a_last_resort(
    tmp_path, header, cells, found
):
    # found by a review: a no-name or *_time column of numbers had been taken
    # for years ahead of the real date column, or refused as unreadable dates
    text = header + "\n" + "".join(cells(i) + "\n" for i in range(40))
    table = read_table(write(tmp_path, text), ["value"])
    if found is None:
        assert table.dates is None
    else:
        assert (table.date_name, table.frequency.name) == found


def test_dates_found_on_their_name_that_repeat_say_how_to_read_without_them(tmp_path):
    # a year column beside a month one is taken for the dates: say the way out
    text = "year,month,value\n" + "".join(f"{2015 + i // 12},{i % 12 + 1},{i}\n" for i in range(24))
    with pytest.raises(SeriesError, match=r"repeats 2015-01-01 on line 3.*--no-date.*--date"):
        read_table(write(tmp_path, text), ["value"])
    with pytest.raises(SeriesError) as named:
        read_table(write(tmp_path, text), ["value"], date="year")
    assert "--no-date" not in str(named.value)

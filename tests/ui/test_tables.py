"""A page's table goes to Streamlit as an Arrow table (`ui.shell.arrow_table`): the same
columns, order and values the learner saw when the rows went through pandas."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from tests import apptest
from ui.shell import PAGE_BY_ID, arrow_table


def test_rows_become_columns_in_the_order_first_met_and_a_missing_value_is_empty():
    rows = [{"run": "SGD", "loss": "0.125"}, {"run": "Adam", "steps": 40, "loss": "0.003"}]
    table = arrow_table(rows)
    assert isinstance(table, pa.Table)
    assert table.column_names == ["run", "loss", "steps"]
    assert table.to_pylist() == [{"run": "SGD", "loss": "0.125", "steps": None},
                                 {"run": "Adam", "loss": "0.003", "steps": 40}]
    pd.testing.assert_frame_equal(table.to_pandas(), pd.DataFrame(rows)[["run", "loss", "steps"]],
                                  check_dtype=False)


def test_a_table_is_built_once_for_its_rows_and_again_for_other_rows(monkeypatch):
    from ui import shell

    built = []
    real = shell._arrow_table
    monkeypatch.setattr(shell, "_arrow_table", lambda rows: built.append(rows) or real(rows))
    shell._shared_table.clear()
    rows = [{"run": "SGD", "loss": "0.125", "steps": 40}]
    first = arrow_table(rows)
    assert arrow_table([dict(r) for r in rows]) is first and len(built) == 1  # equal rows: the same table
    for other in ([{"run": "SGD", "loss": "0.125", "steps": 40.0}], [{"run": "SGD", "loss": "0.125", "steps": True}],
                  [{"run": "SGD", "steps": 40, "loss": "0.125"}]):  # another type, another column order: another table
        assert arrow_table(other) is not first
    assert len(built) == 4
    odd = [{"run": "SGD", "x": pa.scalar(1.0)}]  # not a plain value: never kept by its repr
    arrow_table(odd)
    arrow_table(odd)
    assert built[-2:] == [odd, odd]


def test_a_column_of_mixed_kinds_is_left_to_streamlit():
    rows = [{"i": 1, "x": "a"}, {"i": "two", "x": "b"}]
    assert arrow_table(rows) is rows
    assert arrow_table([]).num_rows == 0


def test_a_page_table_reads_as_its_rows_on_a_screen_and_on_the_projector():
    at = apptest.open_page(PAGE_BY_ID["classification"].path, "en")
    big = apptest.open_page(PAGE_BY_ID["classification"].path, "en", {"big": "1"})
    assert not at.exception and not big.exception
    shown = at.dataframe[0].value
    pd.testing.assert_frame_equal(big.table[0].value.reset_index(drop=True), shown.reset_index(drop=True))
    assert list(shown.columns)[0] == "i" and list(shown["i"]) == list(range(1, len(shown) + 1))
    assert all(isinstance(v, str) for v in shown.iloc[:, 1])

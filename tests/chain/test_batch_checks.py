"""A batch's quick look by columns (`surely_good`) says yes only when the row-by-row checks
would find nothing, and says yes to the batches honest edges make (else every batch would
pay for the slow checks). Hypothesis makes batches that are good, nearly good and wrong in
every column; no database is needed."""
from hypothesis import given, settings
from hypothesis import strategies as st

from server.chain.batches import row_problems, surely_good
from server.orders import BATCH_COLUMNS
from tests.chain.helpers import sales_rows

AT = {name: i for i, name in enumerate(BATCH_COLUMNS)}
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=12))
NEAR_MISSES = {
    "order_uuid": ["kiosk-2:key-kiosk-1-000000", "", "kiosk-1:key-kiosk-1-000000\n"],
    "kiosk_id": ["-bad", "kiosk-1\n", "k" * 65, "kiosk 1", "kiosk-2"],
    "idempotency_key": ["short", "k" * 65, "key-kiosk-1-000000\n", "has space1", "ok_ok_ok_",
                        "kéy-0000000"],
    "items_json": ["[]", "{}", "[{}]", '[{"line_total_ore": 1695}]',
                   '[{"line_total_ore": 1695.0}]', '[{"line_total_ore": true}]', "not json",
                   '"[]"', "[1]", '{"line_total_ore": 1695}', '[{"line_total_ore": "1695"}]',
                   '[{"line_total_ore": 1000}, {"line_total_ore": 695}]', "[" * 2000],
    "vat_json": ["{}", "[]", "1", "x", "null"],
    "total_ore": [-1, 0, 1695, 1695.0, True, "1695", 2 ** 70],
    "payment_json": ["[]", "{}", "null", "{"],
    "catalog_version": ["", "v2"],
    "created_at": ["2026-12-03T10:00:00", "2026-12-03T10:00:00+00:00", "x", "2026-12-03",
                   "2026-12-03T10:00:00.000000Z"],
    "business_day": ["2026-13-01", "1999-12-31", "2100-01-01", "2026-12-03\n", "２０２６-12-03",
                     "2026-2-03", "2026-12-04"],
    "prev_hash": [None, "A" * 64, "0" * 63, "0" * 65, "g" * 64, "0" * 64],
    "entry_hash": [None, "A" * 64, "0" * 63, "0" * 65, "g" * 64, "f" * 64],
}


@st.composite
def batches(draw):
    """Good rows of one or two kiosks, then (mostly) one change that may spoil them."""
    rows = sales_rows("kiosk-1", draw(st.integers(1, 3)))
    if draw(st.booleans()):
        rows += sales_rows("kiosk-2", draw(st.integers(1, 2)))
    index = draw(st.integers(0, len(rows) - 1))
    row = rows[index]
    change = draw(st.sampled_from(["none", "near_miss", "near_miss", "near_miss", "scalar",
                                   "drop", "extra", "twice", "not_a_row", "no_hashes", "rekey",
                                   "rekiosk", "reprice"]))
    if change == "near_miss":
        name = draw(st.sampled_from(BATCH_COLUMNS))
        row[AT[name]] = draw(st.sampled_from(NEAR_MISSES[name]))
    elif change == "scalar":
        row[AT[draw(st.sampled_from(BATCH_COLUMNS))]] = draw(SCALARS)
    elif change == "rekey":  # another key, and the order_uuid that goes with it
        key = draw(st.sampled_from(NEAR_MISSES["idempotency_key"]))
        row[AT["idempotency_key"]], row[AT["order_uuid"]] = key, f"{row[AT['kiosk_id']]}:{key}"
    elif change == "rekiosk":  # another kiosk id, and the order_uuid that goes with it
        kiosk = draw(st.sampled_from(NEAR_MISSES["kiosk_id"]))
        row[AT["kiosk_id"]] = kiosk
        row[AT["order_uuid"]] = f"{kiosk}:{row[AT['idempotency_key']]}"
    elif change == "reprice":  # another total, and lines that sum to it (or nearly)
        total = draw(st.integers(-10 ** 6, 10 ** 6))
        spelt = draw(st.sampled_from([str(total), f"{total}.0", "true" if total == 1 else
                                      str(total)]))
        row[AT["total_ore"]] = total
        row[AT["items_json"]] = f'[{{"line_total_ore": {spelt}}}]'
    elif change == "drop":
        del rows[index][draw(st.integers(0, len(BATCH_COLUMNS) - 1))]
    elif change == "extra":
        rows[index].append(draw(SCALARS))
    elif change == "twice":
        rows.append(list(rows[index]))
    elif change == "not_a_row":
        rows[index] = draw(st.one_of(SCALARS, st.just({"order_uuid": "x"})))
    elif change == "no_hashes":  # a sale from before the journal
        rows[index][AT["prev_hash"]] = rows[index][AT["entry_hash"]] = None
    return rows


def slow_verdict(rows) -> bool:
    """The row-by-row checks: no row has a problem and no order_uuid comes twice."""
    uuids = [row[0] for row in rows if isinstance(row, list) and len(row) == len(BATCH_COLUMNS)]
    return not any(row_problems(row) for row in rows) and len(set(uuids)) == len(uuids)


@settings(max_examples=1000, deadline=None)
@given(batches())
def test_the_quick_look_accepts_nothing_the_row_checks_refuse(rows):
    if surely_good(rows):
        assert slow_verdict(rows), rows


def test_the_quick_look_accepts_the_batches_edges_make():
    rows = sales_rows("kiosk-1", 50) + sales_rows("kiosk-2", 50, day="2026-12-04")
    assert slow_verdict(rows) and surely_good(rows)

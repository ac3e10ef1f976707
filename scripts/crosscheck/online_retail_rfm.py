#!/usr/bin/env python3
"""Independent cross-check of kehu's per-customer RFM columns on the UCI Online Retail file.

What it checks. `kehu demo --out DIR` writes DIR/customers.csv, one row per customer. This
script re-derives, straight from data/online_retail.csv.gz, these columns of that file for
every customer and requires the same customer set and identical values:

* orders: distinct InvoiceNo of the customer whose lines net to an amount > 0 (purchase orders).
* revenue: exact Decimal sum of all the customer's accepted line amounts, returns included.
* first_order / last_order: earliest / latest purchase-order time, an order's time being the
  earliest InvoiceDate among its lines (docs/features.md, "Terms").
* recency_days / tenure_days: (as_of - day of last_order / first_order) in whole days, as_of
  being the day after the last accepted transaction (kehu's default; exclusive).
* r_score, f_score, m_score, value_tier: the bench rule (shared/bench/README.md, "The RFM job")
  over the n customers with orders >= 1, rank = 1-based min rank (ties share the lowest):
  score = (rank - 1) * 5 // n + 1 on recency_days descending, orders ascending, revenue
  ascending; value_tier from k = rank of revenue descending - 1: high if k*5 < n, mid if
  k*2 < n, else low. Customers without purchase orders: empty dates/scores, value_tier "none".

Which rows count is the importer's documented rule for this file, as re-implemented in
online_retail.py (whose file-level figures are checked against `kehu check --json`): an empty
CustomerID is quarantined; so is a row whose 8 fields equal, as text, those of an earlier
non-quarantined row; amount = Quantity x UnitPrice. Its helpers (open_text, parse_decimal, the
exact Decimal context) are imported; the row loop below is written here.

Why it is independent: it shares no code with kehu (Rust + DataFusion SQL); it uses only the
Python standard library, exact Decimal arithmetic, and plain dicts and sorts. kehu's CSV is
read back as text; timestamps `2011-12-09T12:50:00` are parsed to datetimes, revenue to Decimal.

Usage:
    kehu demo --out /tmp/xc --data data
    python3 scripts/crosscheck/online_retail_rfm.py /tmp/xc/customers.csv [--data FILE.csv.gz]

Exit status: 0 if everything agrees, 1 if anything differs, 2 on bad usage or unreadable input.
"""

import argparse
import csv
import datetime
import decimal
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # leave no __pycache__ in the repository
import online_retail as base  # noqa: E402  (same directory; standard library only)

REPO = os.path.dirname(os.path.dirname(HERE))
COLUMNS = ["orders", "revenue", "first_order", "last_order", "recency_days", "tenure_days",
           "r_score", "f_score", "m_score", "value_tier"]


def accepted_lines(path):
    """Yields (customer, invoice, amount, time) for each accepted row of the data file."""
    seen = set()
    with base.open_text(path) as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header != base.COLUMNS:
            raise base.InputError(f"{path}: header is {header!r}, expected {base.COLUMNS!r}")
        for record in reader:
            line = reader.line_num
            if all(field == "" for field in record):
                continue
            if len(record) != len(base.COLUMNS):
                raise base.InputError(f"line {line}: {len(record)} fields")
            invoice, _, _, quantity, when, price, customer, _ = record
            if customer == "":
                continue
            key = tuple(record)
            if key in seen:
                continue
            seen.add(key)
            amount = base.EXACT.multiply(base.parse_decimal(quantity, line, "Quantity"),
                                         base.parse_decimal(price, line, "UnitPrice"))
            try:
                time = datetime.datetime.strptime(when, base.DATE_FORMAT)
            except ValueError:
                raise base.InputError(f"line {line}: bad InvoiceDate {when!r}") from None
            yield customer, invoice, amount, time


def min_ranks(values, descending=False):
    """1-based min ranks (ties share the lowest rank), in the order of `values`."""
    order = sorted(range(len(values)), key=lambda i: values[i], reverse=descending)
    ranks = [0] * len(values)
    for pos, i in enumerate(order):
        tied = pos > 0 and values[order[pos - 1]] == values[i]
        ranks[i] = ranks[order[pos - 1]] if tied else pos + 1
    return ranks


def compute(path):
    """Returns {customer_id: {column: value}} with None for null."""
    revenue = {}  # customer -> Decimal
    orders = {}  # (customer, invoice) -> [net amount, earliest time]
    last_seen = None
    for customer, invoice, amount, time in accepted_lines(path):
        revenue[customer] = base.EXACT.add(revenue.get(customer, decimal.Decimal(0)), amount)
        entry = orders.setdefault((customer, invoice), [decimal.Decimal(0), time])
        entry[0] = base.EXACT.add(entry[0], amount)
        entry[1] = min(entry[1], time)
        last_seen = time if last_seen is None else max(last_seen, time)
    if last_seen is None:
        raise base.InputError(f"{path}: no accepted rows")
    as_of = last_seen.date() + datetime.timedelta(days=1)

    rows = {c: {"orders": 0, "revenue": r, "first_order": None, "last_order": None,
                "recency_days": None, "tenure_days": None, "r_score": None, "f_score": None,
                "m_score": None, "value_tier": "none"} for c, r in revenue.items()}
    for (customer, _), (net, time) in orders.items():
        if net <= 0:
            continue
        row = rows[customer]
        row["orders"] += 1
        if row["first_order"] is None or time < row["first_order"]:
            row["first_order"] = time
        if row["last_order"] is None or time > row["last_order"]:
            row["last_order"] = time
    buyers = sorted(c for c, row in rows.items() if row["orders"] > 0)
    for customer in buyers:
        row = rows[customer]
        row["recency_days"] = (as_of - row["last_order"].date()).days
        row["tenure_days"] = (as_of - row["first_order"].date()).days

    n = len(buyers)
    recency = [rows[c]["recency_days"] for c in buyers]
    freq = [rows[c]["orders"] for c in buyers]
    money = [rows[c]["revenue"] for c in buyers]
    score = lambda rank: (rank - 1) * 5 // n + 1  # noqa: E731
    for i, (r, f, m, k) in enumerate(zip(min_ranks(recency, descending=True), min_ranks(freq),
                                         min_ranks(money), min_ranks(money, descending=True))):
        row = rows[buyers[i]]
        row["r_score"], row["f_score"], row["m_score"] = score(r), score(f), score(m)
        k -= 1
        row["value_tier"] = "high" if k * 5 < n else "mid" if k * 2 < n else "low"
    return rows, as_of


def parse_kehu_cell(column, text):
    """Converts one cell of kehu's customers.csv to the type computed above (None if empty)."""
    if text == "":
        return None
    if column == "revenue":
        return decimal.Decimal(text)
    if column in ("first_order", "last_order"):
        return datetime.datetime.fromisoformat(text.replace(" ", "T").rstrip("Z"))
    if column == "value_tier":
        return text
    return int(text)


def load_kehu(path):
    with open(path, "rt", encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ["customer_id"] + COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise base.InputError(f"{path}: missing columns {missing}")
        result = {}
        for record in reader:
            cid = record["customer_id"]
            if cid in result:
                raise base.InputError(f"{path}: customer {cid!r} listed twice")
            try:
                result[cid] = {c: parse_kehu_cell(c, record[c]) for c in COLUMNS}
            except (ValueError, decimal.InvalidOperation) as err:
                raise base.InputError(f"{path}: customer {cid!r}: {err}") from None
        return result


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("customers_csv", help="kehu's customers.csv (from `kehu demo --out DIR`)")
    parser.add_argument("--data", default=os.path.join(REPO, "data", "online_retail.csv.gz"))
    args = parser.parse_args(argv[1:])
    try:
        ours, as_of = compute(args.data)
        theirs = load_kehu(args.customers_csv)
    except (base.InputError, OSError, UnicodeDecodeError, csv.Error) as err:
        print(f"online_retail_rfm: {err}", file=sys.stderr)
        return 2

    diffs = []
    for cid in sorted(set(ours) - set(theirs)):
        diffs.append(f"customer {cid}: missing from kehu's output")
    for cid in sorted(set(theirs) - set(ours)):
        diffs.append(f"customer {cid}: in kehu's output but has no accepted row")
    for cid in sorted(set(ours) & set(theirs)):
        for column in COLUMNS:
            mine, kehu = ours[cid][column], theirs[cid][column]
            if mine != kehu:
                diffs.append(f"customer {cid}: {column}: independent {mine} kehu {kehu}")
    if diffs:
        print(f"online_retail_rfm: {len(diffs)} difference(s) (as_of {as_of}); first 10:")
        for line in diffs[:10]:
            print("  " + line)
        return 1
    print(f"online_retail_rfm: {len(ours)} customers (as_of {as_of}), "
          f"all of {'/'.join(COLUMNS)} identical")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

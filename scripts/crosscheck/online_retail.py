#!/usr/bin/env python3
"""Independent cross-check of `kehu check --json` on the UCI Online Retail file.

This script shares no code with kehu. It uses only the Python standard library (csv, gzip,
decimal) and re-derives, straight from the raw file, the figures that kehu's importer reports
for it. Apply kehu's documented rules for this file:

* rows_seen: every data record after the header. A record whose fields are all empty counts
  as skipped_blank (the bundled file has none), so rows_seen = accepted + quarantined +
  skipped_blank.
* missing_value: the row's CustomerID is empty.
* duplicate_row: among the rows that are not quarantined as missing_value, the row has all 8
  fields identical as text to an EARLIER such row.
* accepted: every other row.
* customers / orders: distinct CustomerID / InvoiceNo among accepted rows.
* revenue: exact Decimal sum of Quantity x UnitPrice over accepted rows.
* returns: accepted rows whose amount is negative (rows), and the exact sum of those amounts.
* date_range: min / max InvoiceDate among accepted rows, as `YYYY-MM-DD HH:MM:SS`.

The rules above do not say what to do with a malformed record (wrong number of fields, a
Quantity or UnitPrice that is not a number, an unreadable InvoiceDate). The script does not guess.
It stops with exit status 2 and names the line.

Usage:
    python3 scripts/crosscheck/online_retail.py DATA_FILE KEHU_JSON
    python3 scripts/crosscheck/online_retail.py --print-only DATA_FILE

KEHU_JSON is the output of `kehu check --json DATA_FILE` (use `-` for stdin).
Exit status: 0 if every figure agrees, 1 if any differs, 2 on bad usage or unreadable input.
"""

import csv
import datetime
import decimal
import gzip
import json
import os
import sys

COLUMNS = [
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
]
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

# Every sum must be exact. A big precision plus a trap on Inexact means any rounding raises
# instead of silently changing the result.
EXACT = decimal.Context(prec=100, traps=[decimal.Inexact, decimal.InvalidOperation])


class InputError(Exception):
    """The input file or the kehu JSON cannot be read under the rules above."""


def open_text(path):
    """Opens a CSV file as UTF-8 text. The file is gunzipped if it starts with the gzip magic."""
    with open(path, "rb") as raw:
        magic = raw.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, "rt", encoding="utf-8-sig", newline="")


def plain_decimal(value):
    """Writes a Decimal in plain notation with at least 2 decimals and no trailing zeros past 2."""
    text = format(value, "f")
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0").ljust(2, "0")
    return f"{whole}.{frac}"


def parse_decimal(text, line, column):
    try:
        value = EXACT.create_decimal(text)
    except (decimal.InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite():
        raise InputError(f"line {line}, column {column}: not a number: {text!r}")
    return value


def compute(path):
    """Computes the independent figures for one data file."""
    rows_seen = 0
    skipped_blank = 0
    missing_value = 0
    duplicate_row = 0
    accepted = 0
    seen_rows = set()
    customers = set()
    orders = set()
    revenue = decimal.Decimal(0)
    return_rows = 0
    return_amount = decimal.Decimal(0)
    first = last = None

    with open_text(path) as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header != COLUMNS:
            raise InputError(f"{path}: header is {header!r}, expected {COLUMNS!r}")
        for record in reader:
            rows_seen += 1
            line = reader.line_num
            if all(field == "" for field in record):
                skipped_blank += 1
                continue
            if len(record) != len(COLUMNS):
                raise InputError(f"line {line}: {len(record)} fields, expected {len(COLUMNS)}")
            invoice, _, _, quantity, invoice_date, unit_price, customer, _ = record

            if customer == "":
                missing_value += 1
                continue

            # Joining with NUL is exact for fields that contain no NUL; any row that does
            # contain one keeps its tuple, which can never equal a joined string.
            key = "\x00".join(record)
            if any("\x00" in field for field in record):
                key = tuple(record)
            if key in seen_rows:
                duplicate_row += 1
                continue
            seen_rows.add(key)

            amount = EXACT.multiply(
                parse_decimal(quantity, line, "Quantity"),
                parse_decimal(unit_price, line, "UnitPrice"),
            )
            try:
                when = datetime.datetime.strptime(invoice_date, DATE_FORMAT)
            except ValueError:
                raise InputError(
                    f"line {line}, column InvoiceDate: not {DATE_FORMAT}: {invoice_date!r}"
                ) from None

            accepted += 1
            customers.add(customer)
            orders.add(invoice)
            revenue = EXACT.add(revenue, amount)
            if amount < 0:
                return_rows += 1
                return_amount = EXACT.add(return_amount, amount)
            if first is None or when < first:
                first = when
            if last is None or when > last:
                last = when

    return {
        "file": os.path.basename(path),
        "rows_seen": rows_seen,
        "accepted": accepted,
        "quarantined": missing_value + duplicate_row,
        "skipped_blank": skipped_blank,
        "quarantine_reasons": {
            "missing_value": missing_value,
            "duplicate_row": duplicate_row,
        },
        "customers": len(customers),
        "orders": len(orders),
        "revenue": plain_decimal(revenue),
        "returns": {"rows": return_rows, "amount": plain_decimal(return_amount)},
        "date_range": {
            "first": first.strftime(DATE_FORMAT) if first else None,
            "last": last.strftime(DATE_FORMAT) if last else None,
        },
    }


def load_kehu_entry(json_path, data_path):
    """Returns the entry of `files` in kehu's JSON that describes data_path."""
    try:
        if json_path == "-":
            document = json.load(sys.stdin)
        else:
            with open(json_path, "rt", encoding="utf-8") as handle:
                document = json.load(handle)
    except (OSError, json.JSONDecodeError) as err:
        raise InputError(f"{json_path}: cannot read kehu JSON: {err}") from None
    files = document.get("files") if isinstance(document, dict) else None
    if not isinstance(files, list) or not files:
        raise InputError(f"{json_path}: no non-empty `files` list")
    if len(files) == 1:
        return files[0]
    wanted = os.path.basename(data_path)
    matches = [f for f in files if os.path.basename(str(f.get("file", ""))) == wanted]
    if len(matches) != 1:
        raise InputError(f"{json_path}: {len(matches)} entries of `files` name {wanted!r}")
    return matches[0]


def as_int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def as_decimal(value):
    if not isinstance(value, str):
        return None
    try:
        return decimal.Decimal(value)
    except decimal.InvalidOperation:
        return None


def as_date(value):
    return value[:19] if isinstance(value, str) else None


def dig(document, path):
    for part in path:
        if not isinstance(document, dict) or part not in document:
            return None
        document = document[part]
    return document


def compare(ours, theirs):
    """Returns rows of (field, independent, kehu, ok)."""
    fields = [
        ("rows_seen", as_int),
        ("accepted", as_int),
        ("quarantined", as_int),
        ("skipped_blank", as_int),
        ("quarantine_reasons.missing_value", as_int),
        ("quarantine_reasons.duplicate_row", as_int),
        ("customers", as_int),
        ("orders", as_int),
        ("revenue", as_decimal),
        ("returns.rows", as_int),
        ("returns.amount", as_decimal),
        ("date_range.first", as_date),
        ("date_range.last", as_date),
    ]
    rows = []
    for name, convert in fields:
        path = name.split(".")
        mine = dig(ours, path)
        raw = dig(theirs, path)
        value = convert(raw)
        ok = value is not None and value == convert(mine)
        rows.append((name, str(mine), "(missing)" if raw is None else str(raw), ok))

    # Under these rules only the two reasons above can occur. Any other reason kehu reports
    # with a non-zero count means a row was treated differently.
    reasons = dig(theirs, ["quarantine_reasons"])
    if isinstance(reasons, dict):
        for reason in sorted(reasons):
            if reason in ours["quarantine_reasons"]:
                continue
            count = reasons[reason]
            rows.append((f"quarantine_reasons.{reason}", "0", str(count), count == 0))
    return rows


def print_table(rows):
    header = ("field", "independent", "kehu", "OK")
    body = [(name, mine, theirs, "ok" if ok else "DIFF") for name, mine, theirs, ok in rows]
    widths = [max(len(row[i]) for row in [header] + body) for i in range(4)]
    for row in [header, tuple("-" * w for w in widths)] + body:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def main(argv):
    args = argv[1:]
    print_only = "--print-only" in args
    args = [a for a in args if a != "--print-only"]
    if (print_only and len(args) != 1) or (not print_only and len(args) != 2):
        print(__doc__.split("Usage:")[1].split("KEHU_JSON is")[0].rstrip(), file=sys.stderr)
        return 2
    data_path = args[0]
    try:
        ours = compute(data_path)
        if print_only:
            json.dump(ours, sys.stdout, indent=2)
            print()
            return 0
        theirs = load_kehu_entry(args[1], data_path)
    except (InputError, OSError, UnicodeDecodeError, csv.Error) as err:
        print(f"online_retail.py: {err}", file=sys.stderr)
        return 2
    rows = compare(ours, theirs)
    print_table(rows)
    differing = [name for name, _, _, ok in rows if not ok]
    if differing:
        print(f"crosscheck: {len(differing)} field(s) differ: {', '.join(differing)}")
        return 1
    print(f"crosscheck: all {len(rows)} fields agree")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
"""Checks dockclip-cli's e-sheet import against the files of
make-writer-fixtures.py.

  check-writers.py expected CLI DIR      the rows (or refusals) in DIR/expected.json
  check-writers.py libreoffice CLI DIR   the same waybill/dock/time values as
                                         LibreOffice's CSV export of every sheet

The second mode converts every spreadsheet in DIR with one soffice call
(its own profile in a temporary folder, raw values rather than "as shown"
so a date-only format does not hide the time) and, for each row the
importer kept, compares the waybill, dock and time cells LibreOffice gives
for that row; a data row LibreOffice shows and the importer neither kept
nor rejected is a mismatch too.  Exits 1 on any difference.
"""
import csv
import datetime
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


def run_cli(cli, path):
    p = subprocess.run([cli, "esheet", path, "--json"], capture_output=True, timeout=60)
    if p.returncode != 0:
        return None, p.stderr.decode("utf-8", "replace")
    return json.loads(p.stdout.decode("utf-8")), None


def rows_of(doc):
    out = {}
    for item in doc["items"]:
        for s in item["scans"]:
            out[s["row"]] = (item["waybill"], s["dock"], s["time"])
    return out


def check_expected(cli, folder):
    expected = json.load(open(os.path.join(folder, "expected.json"), encoding="utf-8"))
    bad = 0
    for name, want in sorted(expected.items()):
        doc, err = run_cli(cli, os.path.join(folder, name))
        if "error" in want:
            if doc is not None or want["error"] not in err or name not in err:
                print("FAIL %s: want a refusal naming the file and saying %r, got %r"
                      % (name, want["error"], err if doc is None else "an import"))
                bad += 1
            continue
        if doc is None:
            print("FAIL %s: refused: %s" % (name, err.strip()))
            bad += 1
            continue
        got = rows_of(doc)
        rows = want.get("rows") or want.get("rows_tail")
        if "rows_count" in want and len(got) != want["rows_count"]:
            print("FAIL %s: %d rows, want %d" % (name, len(got), want["rows_count"]))
            bad += 1
        if "rows" in want and len(got) != len(rows):
            print("FAIL %s: %d rows, want %d" % (name, len(got), len(rows)))
            bad += 1
        if doc["rejected_count"]:
            print("FAIL %s: rejected %s" % (name, doc["rejected"][:3]))
            bad += 1
        for r, waybill, dock, time in rows:
            if got.get(r) != (waybill, dock, time):
                print("FAIL %s row %d: got %s, want %s" % (name, r, got.get(r), (waybill, dock, time)))
                bad += 1
        print("ok %s: %d rows" % (name, len(got)))
    return bad


def column_of(label):
    m = re.search(r"\(([A-Z]+)\)$", label)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return col - 1


def lo_time(text, date1904):
    """LibreOffice's raw text of a time cell as 'YYYY-MM-DD HH:MM:SS'."""
    text = text.strip()
    for f in ("%Y-%m-%d %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M"):
        try:
            return datetime.datetime.strptime(text, f).strftime("%Y-%m-%d %H:%M:%S")
        except ValueError:
            pass
    if re.fullmatch(r"\d{14}", text):
        # a number of 14 digits reads as its digits, YYYYMMDDHHMMSS
        return datetime.datetime.strptime(text, "%Y%m%d%H%M%S").strftime("%Y-%m-%d %H:%M:%S")
    try:
        v = float(text)
    except ValueError:
        return text
    base = datetime.datetime(1904, 1, 1) if date1904 else datetime.datetime(1899, 12, 30)
    # Excel's display rounding: to the second
    return (base + datetime.timedelta(seconds=round(v * 86400))).strftime("%Y-%m-%d %H:%M:%S")


# Files where LibreOffice 7.4 itself is wrong, compared with openpyxl instead:
LO_DIFFERS = {
    # an inlineStr cell with a <v> (schema-valid: f, v, is) shows empty in
    # LibreOffice; Excel and openpyxl show its <is> text
    "inline-both.xlsx": "LibreOffice shows an inline string with a <v> as empty",
}


def openpyxl_lines(path):
    """The first worksheet as LibreOffice's raw CSV would give it."""
    import openpyxl
    wb = openpyxl.load_workbook(path, read_only=True)
    ws = wb.worksheets[0]
    lines = []
    for row in ws.iter_rows(values_only=True):
        out = []
        for v in row:
            if v is None:
                out.append("")
            elif isinstance(v, datetime.datetime):
                out.append(v.strftime("%Y-%m-%d %H:%M:%S"))
            else:
                out.append(str(v))
        lines.append(out)
    return lines


def check_libreoffice(cli, folder):
    expected = json.load(open(os.path.join(folder, "expected.json"), encoding="utf-8"))
    files = [os.path.join(folder, n) for n, w in sorted(expected.items())
             if "rows" in w and not n.endswith(".csv")]
    lo = shutil.which("soffice") or shutil.which("libreoffice")
    if lo is None:
        print("FAIL: LibreOffice (soffice) is not installed: tools/install-deps installs it")
        return 1
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        # 44,34,76: comma, quote, UTF-8; token 9 false: raw values, not as
        # shown; token 12 -1: every sheet to its own file
        opts = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
        subprocess.run([lo, "--headless", "-env:UserInstallation=file://" + tmp + "/profile",
                        "--convert-to", opts, "--outdir", tmp] + files,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=240, check=True)
        for path in files:
            name = os.path.basename(path)
            base = os.path.splitext(name)[0]
            doc, err = run_cli(cli, path)
            if doc is None:
                print("FAIL %s: refused: %s" % (name, err.strip()))
                bad += 1
                continue
            sheets = glob.glob(os.path.join(glob.escape(tmp), glob.escape(base) + "-*.csv"))
            # the sheet the importer read: the one with data (a chart sheet is empty)
            sheets.sort(key=lambda p: -os.path.getsize(p))
            if not sheets:
                print("FAIL %s: LibreOffice wrote no CSV" % name)
                bad += 1
                continue
            if name in LO_DIFFERS:
                print("note %s: %s; compared with openpyxl" % (name, LO_DIFFERS[name]))
                lines = openpyxl_lines(path)
            else:
                lines = list(csv.reader(open(sheets[0], encoding="utf-8", newline="")))
            cols = {k: column_of(v) for k, v in doc["columns"].items() if k in ("waybill", "dock", "time")}
            got = rows_of(doc)
            rejected = {r["row"] for r in doc["rejected"]}
            d1904 = "1904" in name
            n_diff = 0
            for i, line in enumerate(lines):
                r = i + 1
                if r <= doc["header_row"]:
                    continue
                cell = lambda k: line[cols[k]].strip() if cols[k] < len(line) else ""
                lo_row = (cell("waybill"), cell("dock"), lo_time(cell("time"), d1904))
                if r not in got:
                    if lo_row[0] and r not in rejected:
                        print("FAIL %s row %d: LibreOffice shows %s, the importer has nothing"
                              % (name, r, lo_row))
                        n_diff += 1
                    continue
                if got[r] != lo_row:
                    print("FAIL %s row %d: importer %s, LibreOffice %s" % (name, r, got[r], lo_row))
                    n_diff += 1
            for r in got:
                if r > len(lines):
                    print("FAIL %s row %d: not in LibreOffice's export" % (name, r))
                    n_diff += 1
            bad += n_diff
            print("%s %s: %d rows compared with LibreOffice" % ("ok" if n_diff == 0 else "FAIL",
                                                                 name, len(got)))
    return bad


def main():
    mode, cli, folder = sys.argv[1:4]
    expected = json.load(open(os.path.join(folder, "expected.json"), encoding="utf-8"))
    if "_error" in expected:
        print("FAIL: the fixtures could not be made: " + expected["_error"])
        sys.exit(1)
    bad = check_expected(cli, folder) if mode == "expected" else check_libreoffice(cli, folder)
    print("%d difference(s)" % bad)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

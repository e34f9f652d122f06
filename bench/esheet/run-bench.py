#!/usr/bin/python3
"""E-sheet benchmark: Dockclip's importer against Python in the same run.

usage: run-bench.py PATH/TO/bench-esheet [--rows 1000000] [--xlsx-rows 100000]
                    [--compare OTHER/bench-esheet] [--keep-xlsx]

--compare runs a second build's bench-esheet (e.g. an older commit) in the
same run, interleaved, so that both meet the same machine load;
--keep-xlsx reuses the XLSX of an earlier run instead of converting again.

Generates its inputs in /tmp (never committed):
  * a 1,000,000-row CSV (~40 MB): Dockclip import (parsed times, interned
    docks) vs Python's csv module merely reading it; peak memory per row
    beyond the file's own size; grouping by order and by dock;
  * a 100,000-row XLSX made by LibreOffice (openpyxl's file when
    LibreOffice is missing): Dockclip import vs openpyxl read-only mode.
"""
import csv
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TMP = "/tmp/dockclip-bench-esheet"


def make_csv(path, n):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("运单号,月台,扫描时间,操作员\n")
        for i in range(n):
            s = i % 86400
            f.write("SF%010d,A%02d,2025-11-03 %02d:%02d:%02d,op%d\n"
                    % ((i * 7919) % n, i % 40, s // 3600, s // 60 % 60, s % 60, i % 9))


def make_xlsx(n, keep=False):
    raw = os.path.join(TMP, "big.xlsx")
    lo_out = os.path.join(TMP, "lo", "big.xlsx")
    if keep and os.path.exists(lo_out):
        return lo_out, "LibreOffice"
    if keep and os.path.exists(raw) and not (shutil.which("libreoffice") or shutil.which("soffice")):
        return raw, "openpyxl"
    subprocess.run(["/usr/bin/python3", os.path.join(HERE, "..", "..", "tests", "esheet",
                                                     "make-fixtures.py"), TMP, "--bench-xlsx", str(n)],
                   check=True)
    lo = shutil.which("libreoffice") or shutil.which("soffice")
    if lo is None:
        return raw, "openpyxl"
    out = os.path.join(TMP, "lo")
    os.makedirs(out, exist_ok=True)
    subprocess.run([lo, "--headless", "-env:UserInstallation=file://" + os.path.join(TMP, "lo-profile"),
                    "--convert-to", "xlsx", "--outdir", out, raw], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    return os.path.join(out, "big.xlsx"), "LibreOffice"


def run_once(exe, path):
    out = subprocess.run([exe, path], check=True, capture_output=True, text=True).stdout
    kv = dict(line.split("=", 1) for line in out.split())
    return {k: float(v) for k, v in kv.items()}


def run_dockclip(exe, path, repeat=3, other=None):
    """Best of @repeat runs (by CPU time); with @other, runs both
    alternately and returns both bests."""
    best, best_other = None, None
    for _ in range(repeat):
        kv = run_once(exe, path)
        if best is None or kv["import_cpu_s"] < best["import_cpu_s"]:
            best = kv
        if other:
            kv = run_once(other, path)
            if best_other is None or kv["import_cpu_s"] < best_other["import_cpu_s"]:
                best_other = kv
    return (best, best_other) if other else best


def python_csv(path, repeat=2):
    best = (1e9, 1e9)
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        with open(path, newline="", encoding="utf-8") as f:
            for _row in csv.reader(f):
                pass
        best = min(best, (time.perf_counter() - t, time.process_time() - c))
    return best


def cli_json(cli, path):
    """dockclip-cli esheet --json to /dev/null: wall, CPU, peak RSS (KB)."""
    t = time.perf_counter()
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen([cli, "esheet", path, "--json"], stdout=null)
        _, status, ru = os.wait4(p.pid, 0)
    if status != 0:
        raise RuntimeError("dockclip-cli esheet --json failed")
    return time.perf_counter() - t, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def python_openpyxl(path):
    import openpyxl
    t, c = time.perf_counter(), time.process_time()
    wb = openpyxl.load_workbook(path, read_only=True)
    ws = wb.worksheets[0]
    for _row in ws.iter_rows(values_only=True):
        pass
    wb.close()
    return time.perf_counter() - t, time.process_time() - c


def main():
    exe = sys.argv[1]
    rows = 1000000
    xrows = 100000
    if "--rows" in sys.argv:
        rows = int(sys.argv[sys.argv.index("--rows") + 1])
    if "--xlsx-rows" in sys.argv:
        xrows = int(sys.argv[sys.argv.index("--xlsx-rows") + 1])
    other = sys.argv[sys.argv.index("--compare") + 1] if "--compare" in sys.argv else None
    keep = "--keep-xlsx" in sys.argv
    os.makedirs(TMP, exist_ok=True)

    csv_path = os.path.join(TMP, "big-%d.csv" % rows)
    if not os.path.exists(csv_path):
        make_csv(csv_path, rows)
    py = python_csv(csv_path)
    dc = run_dockclip(exe, csv_path, other=other)
    if other:
        dc, dc_other = dc
    extra = (dc["peak_rss_kb"] - dc["rss_before_kb"]) * 1024 - dc["file_bytes"]
    load = os.getloadavg()
    print("machine: %d cores, load average %.1f %.1f %.1f (%s)"
          % (os.cpu_count(), load[0], load[1], load[2],
             "idle" if load[0] < 0.5 else "busy: wall times include waiting for a core"))
    print("CSV %d rows, %.1f MB" % (dc["rows"], dc["file_bytes"] / 1e6))
    print("  import = map the file, decide its encoding over all of it, parse (two threads from 4 MiB),"
          " convert waybills/docks/times, store the rows; the views are built on the first"
          " request for them (timed below as grouping)")
    print("  python csv.reader (read only):   %.3f s wall, %.3f s CPU" % py)
    print("  dockclip import (times, docks):  %.3f s wall, %.3f s CPU (both threads) -> %.1fx faster wall,"
          " %.1fx CPU (target >= 5x wall)"
          % (dc["import_s"], dc["import_cpu_s"], py[0] / dc["import_s"], py[1] / max(dc["import_cpu_s"], 1e-6)))
    if "import_user_s" in dc:
        print("  of which user %.3f s, system %.3f s (%d page faults)"
              % (dc["import_user_s"], dc["import_sys_s"], dc["import_page_faults"]))
    if other:
        print("  compared build:                  %.3f s wall, %.3f s CPU -> %.1fx faster wall, %.1fx CPU"
              % (dc_other["import_s"], dc_other["import_cpu_s"], py[0] / dc_other["import_s"],
                 py[1] / max(dc_other["import_cpu_s"], 1e-6)))
    print("  peak RSS beyond the file:        %.0f bytes/row (target <= 150)" % (extra / dc["rows"]))
    print("  grouping by order and by dock:   %.0f ms wall, %.0f ms CPU (%d waybills, %d docks; target < 300 ms)"
          % (dc["group_s"] * 1000, dc["group_cpu_s"] * 1000, dc["waybills"], dc["docks"]))

    cli = os.path.join(os.path.dirname(exe), "..", "..", "src", "cli", "dockclip-cli")
    if os.path.exists(cli):
        jw, jc, jrss = cli_json(cli, csv_path)
        print("  dockclip-cli esheet --json:      %.3f s wall, %.3f s CPU (target < 2 s), peak RSS %.0f MB"
              " = %.1fx the import's %.0f MB (target <= 2x)"
              % (jw, jc, jrss / 1024, jrss / dc["peak_rss_kb"], dc["peak_rss_kb"] / 1024))

    xlsx_path, maker = make_xlsx(xrows, keep)
    px = python_openpyxl(xlsx_path)
    dx = run_dockclip(exe, xlsx_path, other=other)
    if other:
        dx, dx_other = dx
    print("XLSX %d rows (made by %s), %.1f MB" % (dx["rows"], maker, dx["file_bytes"] / 1e6))
    print("  openpyxl read-only:              %.3f s wall, %.3f s CPU" % px)
    print("  dockclip import:                 %.3f s wall, %.3f s CPU -> %.1fx faster wall, %.1fx CPU (target >= 10x)"
          % (dx["import_s"], dx["import_cpu_s"], px[0] / dx["import_s"], px[1] / max(dx["import_cpu_s"], 1e-6)))
    if other:
        print("  compared build:                  %.3f s wall, %.3f s CPU -> %.1fx faster wall, %.1fx CPU"
              % (dx_other["import_s"], dx_other["import_cpu_s"], px[0] / dx_other["import_s"],
                 px[1] / max(dx_other["import_cpu_s"], 1e-6)))


if __name__ == "__main__":
    main()

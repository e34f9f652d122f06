#!/usr/bin/python3
"""Writes the XLSX fixtures of the e-sheet tests with openpyxl into OUTDIR,
then, when LibreOffice is installed, converts them to XLS (and re-saves one
as a LibreOffice-made XLSX) so the readers see files made by real tools.

usage: make-fixtures.py OUTDIR [--bench-xlsx N]
"""
import datetime
import os
import shutil
import subprocess
import sys

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904

T0 = datetime.datetime(2025, 11, 3, 14, 5, 9)


def numbers(path):
    """Title rows, numeric waybills (12-15 digits, one damaged 16-digit),
    text waybills with prefixes, a gap column, a skipped row index, date
    cells and text times."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "扫描明细"
    ws["A1"] = "11月3日 装车扫描"
    ws.append([])
    ws.append(["运单号", "月台", None, "扫描时间", "扫描员"])           # row 3, C is a gap
    ws.append([123456789012, "A01", None, T0, "张三"])               # 4
    ws.append([773012345678901, "A02", None, T0 + datetime.timedelta(minutes=1), "李四"])  # 5
    ws.append([1234567890123456, "A01", None, T0, "王五"])           # 6: damaged
    ws.append(["SF1234567890", 7, None, "2025年11月3日 15:05:09", "张三"])  # 7: numeric dock
    ws.cell(row=9, column=1, value="JD0001")                         # row 8 missing entirely
    ws.cell(row=9, column=2, value="A01")
    ws.cell(row=9, column=4, value=T0 + datetime.timedelta(hours=2))
    ws.cell(row=10, column=1, value=123456789012)                    # same waybill again
    ws.cell(row=10, column=2, value="A02")
    ws.cell(row=10, column=4, value=T0 + datetime.timedelta(hours=3))
    for r in range(4, 11):
        ws.cell(row=r, column=4).number_format = "yyyy-mm-dd hh:mm:ss"
    wb.save(path)


def date1904(path):
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.append(["waybill", "dock", "scan time"])
    ws.append(["SF1904", "A01", T0])
    ws.append(["SF1905", "A01", T0 + datetime.timedelta(seconds=1)])
    for r in range(2, 4):
        ws.cell(row=r, column=3).number_format = "yyyy-mm-dd hh:mm:ss"
    wb.save(path)


def two_columns(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["快递单号", "道口", "扫描日期", "时间"])
    ws.append(["YT0001", "D1", T0.date(), T0.time()])
    ws.append(["YT0002", "D1", "2025-11-03", "14:05:10"])
    ws.append(["YT0003", "D2", T0.date(), "soon"])
    ws.cell(row=2, column=3).number_format = "yyyy-mm-dd"
    ws.cell(row=2, column=4).number_format = "hh:mm:ss"
    wb.save(path)


def two_sheets(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "说明"
    ws["A1"] = "请看第二页"
    ws2 = wb.create_sheet("数据")
    ws2.append(["面单号", "格口", "操作时间"])
    ws2.append(["ZT0001", "G01", "2025-11-03 14:05:09"])
    wb.save(path)


def big(path, n):
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["运单号", "月台", "扫描时间", "操作员"])
    for i in range(n):
        t = T0 + datetime.timedelta(seconds=i % 50000)
        ws.append(["SF%010d" % i, "A%02d" % (i % 40), t, "op%d" % (i % 7)])
    wb.save(path)


def libreoffice(outdir, fmt, files):
    lo = shutil.which("libreoffice") or shutil.which("soffice")
    if lo is None:
        return False
    target = os.path.join(outdir, "lo")
    os.makedirs(target, exist_ok=True)
    profile = "file://" + os.path.abspath(os.path.join(outdir, "lo-profile"))
    subprocess.run([lo, "--headless", "-env:UserInstallation=" + profile, "--convert-to", fmt,
                    "--outdir", target] + files, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    return True


def main():
    outdir = os.path.abspath(sys.argv[1])
    os.makedirs(outdir, exist_ok=True)
    if len(sys.argv) > 3 and sys.argv[2] == "--bench-xlsx":
        big(os.path.join(outdir, "big.xlsx"), int(sys.argv[3]))
        return
    files = []
    for name, fn in (("numbers.xlsx", numbers), ("date1904.xlsx", date1904),
                     ("two-columns.xlsx", two_columns), ("two-sheets.xlsx", two_sheets)):
        fn(os.path.join(outdir, name))
        files.append(os.path.join(outdir, name))
    if libreoffice(outdir, "xls", files[:3]):
        libreoffice(outdir, "xlsx", files[:1])


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Writes the e-sheets of the "every real writer" tests into OUTDIR: files
made by openpyxl and LibreOffice, and byte-level edits of them that
reproduce what other writers put in real files (Excel 2013's
x15:workbookPr, .NET's byte-order marks, CDATA, inline strings with a
<v>, a workbook part elsewhere than xl/workbook.xml, a chart sheet first,
a password, Excel 95).  OUTDIR/expected.json holds, per file, the rows
the importer must give ([row, waybill, dock, "YYYY-MM-DD HH:MM:SS"]) or
the words its refusal must contain.

usage: make-writer-fixtures.py OUTDIR [--stamp FILE]
"""
import datetime
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile

import openpyxl
from openpyxl.chart import BarChart, Reference
from openpyxl.utils.datetime import CALENDAR_MAC_1904

T0 = datetime.datetime(2025, 11, 3, 14, 5, 9)
EXPECTED = {}


def fmt(t):
    return t.strftime("%Y-%m-%d %H:%M:%S")


def plain_rows(n=3, start=2):
    """[waybill, dock, time] rows and what the importer must give."""
    rows, want = [], []
    for i in range(n):
        t = T0 + datetime.timedelta(minutes=i, seconds=i)
        wb, dock = "SF%04d" % (i + 1), "A%02d" % (i + 1)
        rows.append([wb, dock, t])
        want.append([start + i, wb, dock, fmt(t)])
    return rows, want


def write_xlsx(path, rows, epoch=None, time_format="yyyy-mm-dd hh:mm:ss", header=None):
    wb = openpyxl.Workbook()
    if epoch:
        wb.epoch = epoch
    ws = wb.active
    ws.title = "scans"
    ws.append(header or ["运单号", "月台", "扫描时间"])
    for r in rows:
        ws.append(r)
    for r in range(2, len(rows) + 2):
        ws.cell(row=r, column=3).number_format = time_format
    wb.save(path)


def rewrite_zip(src, dst, edit):
    """Copies the zip @src to @dst, passing each part through edit(name, data)
    -> (name, data) or None to drop it."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            out = edit(info.filename, zin.read(info.filename))
            if out is not None:
                zout.writestr(out[0], out[1])


def x15_1904(out):
    """Excel 2013+: a 1904 workbook whose extension list repeats workbookPr
    in the x15 namespace (without date1904)."""
    rows, want = plain_rows()
    tmp = os.path.join(out, "tmp-1904.xlsx")
    write_xlsx(tmp, rows, epoch=CALENDAR_MAC_1904)

    def edit(name, data):
        if name == "xl/workbook.xml":
            ext = (b'<extLst><ext uri="{140A7094-0E35-4892-8432-C4D2E57EDEB5}" '
                   b'xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main">'
                   b'<x15:workbookPr chartTrackingRefBase="1"/></ext></extLst></workbook>')
            assert b"date1904" in data
            data = data.replace(b"</workbook>", ext)
        return name, data
    rewrite_zip(tmp, os.path.join(out, "x15-1904.xlsx"), edit)
    os.unlink(tmp)
    EXPECTED["x15-1904.xlsx"] = {"rows": want}


def bom_cdata_inline(out):
    rows, want = plain_rows()
    tmp = os.path.join(out, "tmp-plain.xlsx")
    write_xlsx(tmp, rows)

    def bom(name, data):
        if name.endswith(".xml") or name.endswith(".rels"):
            data = b"\xef\xbb\xbf" + data
        return name, data
    rewrite_zip(tmp, os.path.join(out, "bom-parts.xlsx"), bom)
    EXPECTED["bom-parts.xlsx"] = {"rows": want}

    def cdata(name, data):
        if name == "xl/worksheets/sheet1.xml":
            data = re.sub(rb"<t>([A-Za-z0-9]+)</t>", rb"<t><![CDATA[\1]]></t>", data)
            assert b"CDATA" in data
        return name, data
    rewrite_zip(tmp, os.path.join(out, "cdata.xlsx"), cdata)
    EXPECTED["cdata.xlsx"] = {"rows": want}

    # inline strings that also carry a <v> with the same text
    def inline(name, data):
        if name == "xl/worksheets/sheet1.xml":
            data = re.sub(rb'<c r="(A[2-9])" t="inlineStr"><is><t>([^<]*)</t></is></c>',
                          rb'<c r="\1" t="inlineStr"><v>\2</v><is><t>\2</t></is></c>', data)
            assert b"<v>SF0001</v>" in data
        return name, data
    rewrite_zip(tmp, os.path.join(out, "inline-both.xlsx"), inline)
    EXPECTED["inline-both.xlsx"] = {"rows": want}

    # the workbook part under another name, found from _rels/.rels
    def moved(name, data):
        if name == "xl/workbook.xml":
            return "xl/book.xml", data
        if name == "xl/_rels/workbook.xml.rels":
            return "xl/_rels/book.xml.rels", data
        if name in ("_rels/.rels", "[Content_Types].xml"):
            data = data.replace(b"xl/workbook.xml", b"xl/book.xml")
        return name, data
    rewrite_zip(tmp, os.path.join(out, "workbook-elsewhere.xlsx"), moved)
    EXPECTED["workbook-elsewhere.xlsx"] = {"rows": want}
    os.unlink(tmp)


def chart_first(out):
    rows, want = plain_rows()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "scans"
    ws.append(["运单号", "月台", "扫描时间", "件数"])
    for r in rows:
        ws.append(r + [1])
    for r in range(2, len(rows) + 2):
        ws.cell(row=r, column=3).number_format = "yyyy-mm-dd hh:mm:ss"
    cs = wb.create_chartsheet("chart", 0)
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=4, min_row=1, max_row=len(rows) + 1), titles_from_data=True)
    cs.add_chart(chart)
    wb.save(os.path.join(out, "chart-first.xlsx"))
    EXPECTED["chart-first.xlsx"] = {"rows": want}


def for_xls(out):
    """XLSX sources that LibreOffice turns into XLS: returns their paths."""
    srcs = []
    rows, want = plain_rows()
    # date-only and time-only formats on full date-times: the hidden part counts
    p = os.path.join(out, "date-only.xlsx")
    write_xlsx(p, rows, time_format="yyyy-mm-dd")
    srcs.append(p)
    EXPECTED["date-only.xls"] = {"rows": want}
    p = os.path.join(out, "time-only.xlsx")
    write_xlsx(p, rows, time_format="hh:mm:ss")
    srcs.append(p)
    EXPECTED["time-only.xls"] = {"rows": want}

    # formulas: LibreOffice computes them and stores the results
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["运单号", "月台", "扫描时间"])
    want_f = []
    for i in range(3):
        r = i + 2
        ws.append(['="SF"&TEXT(%d,"0000")' % (i + 1), '="A"&TEXT(%d,"00")' % (i + 1),
                   "=DATE(2025,11,3)+TIME(14,%d,%d)" % (5 + i, 9 + i)])
        ws.cell(row=r, column=3).number_format = "yyyy-mm-dd hh:mm:ss"
        want_f.append([r, "SF%04d" % (i + 1), "A%02d" % (i + 1),
                       fmt(T0 + datetime.timedelta(minutes=i, seconds=i))])
    p = os.path.join(out, "formulas.xlsx")
    wb.save(p)
    srcs.append(p)
    EXPECTED["formulas.xls"] = {"rows": want_f}

    # numbers: a numeric waybill and numeric docks
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["waybill", "dock", "scan time"])
    nums = [(773012345678901, 2.01), (123456789012, 7), (42, 12.5)]
    want_n = []
    for i, (w, d) in enumerate(nums):
        t = T0 + datetime.timedelta(seconds=i)
        ws.append([w, d, t])
        ws.cell(row=i + 2, column=3).number_format = "yyyy-mm-dd hh:mm:ss"
        want_n.append([i + 2, str(w), ("%.15g" % d), fmt(t)])
    p = os.path.join(out, "numbers.xlsx")
    wb.save(p)
    srcs.append(p)
    EXPECTED["numbers.xls"] = {"rows": want_n}

    # 1904 dates in an .xls (DATEMODE)
    p = os.path.join(out, "mac1904.xlsx")
    write_xlsx(p, rows, epoch=CALENDAR_MAC_1904)
    srcs.append(p)
    EXPECTED["mac1904.xls"] = {"rows": want}

    # many rows: SST split over CONTINUE records, Chinese text
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["运单号", "月台", "扫描时间", "备注"])
    want_big = []
    for i in range(3000):
        t = T0 + datetime.timedelta(seconds=i)
        w = "YT%08d" % i
        d = "月台%02d" % (i % 17)
        ws.append([w, d, t, "第%d件，中文备注" % i])
        ws.cell(row=i + 2, column=3).number_format = "yyyy-mm-dd hh:mm:ss"
        want_big.append([i + 2, w, d, fmt(t)])
    p = os.path.join(out, "sst-continue.xlsx")
    wb.save(p)
    srcs.append(p)
    EXPECTED["sst-continue.xls"] = {"rows": want_big}

    p = os.path.join(out, "number-times.xlsx")
    number_times(p)
    srcs.append(p)

    # an empty first worksheet (the data on the second): no cells at all
    # came back from the helper, which UBSan caught in 8 real files
    wb = openpyxl.Workbook()
    wb.active.title = "empty"
    ws = wb.create_sheet("scans")
    ws.append(["运单号", "月台", "扫描时间"])
    ws.append(["SF0001", "A01", T0])
    p = os.path.join(out, "empty-first.xlsx")
    wb.save(p)
    srcs.append(p)
    EXPECTED["empty-first.xls"] = {"error": "No header row found"}
    return srcs


def number_times(path):
    """Scan times stored as numbers in number formats, not date formats: a
    system that writes 20251103140509 as a number (General), and Excel
    serials shown as plain decimals ("0.00000").  Expected as the same
    text reads in a CSV: the digits, and the serial."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["运单号", "月台", "扫描时间"])
    want = []
    for i in range(3):
        t = T0 + datetime.timedelta(hours=i, seconds=7 * i)
        ws.append(["NT%04d" % i, "B%02d" % i, int(t.strftime("%Y%m%d%H%M%S"))])
        ws.cell(row=i + 2, column=3).number_format = "General" if i != 2 else "0"
        want.append([i + 2, "NT%04d" % i, "B%02d" % i, fmt(t)])
    for i in range(3, 5):
        t = T0 + datetime.timedelta(days=i, seconds=11 * i)
        serial = (t - datetime.datetime(1899, 12, 30)).total_seconds() / 86400
        ws.append(["NT%04d" % i, "B%02d" % i, serial])
        ws.cell(row=i + 2, column=3).number_format = "0.00000"
        want.append([i + 2, "NT%04d" % i, "B%02d" % i, fmt(t)])
    wb.save(path)
    EXPECTED["number-times.xls"] = {"rows": want}
    EXPECTED["number-times.xlsx"] = {"rows": want}


def other_formats(out):
    """Spreadsheets of other formats, each refused by its name (they were
    "damaged", "not a valid XLSX" or "no header row"): LibreOffice's .ods
    and HTML export (also renamed .xls, as systems that export HTML
    tables do), an .xlsb package (a zip whose workbook part is
    xl/workbook.bin), an Excel 2003 XML spreadsheet and a flat ODS."""
    rows, _ = plain_rows()
    src = os.path.join(out, "other-formats.xlsx")
    write_xlsx(src, rows)
    for fmt_, ext, words in (("ods", "ods", "OpenDocument file (.ods)"),
                             ("html", "html", "web page (HTML)")):
        d = soffice(out, fmt_, [src], "lo-" + ext)
        shutil.move(os.path.join(d, "other-formats." + ext), os.path.join(out, "other-formats." + ext))
        EXPECTED["other-formats." + ext] = {"error": words}
        shutil.rmtree(d, ignore_errors=True)
    shutil.copy(os.path.join(out, "other-formats.html"), os.path.join(out, "html-table.xls"))
    EXPECTED["html-table.xls"] = {"error": "web page (HTML)"}
    os.unlink(src)

    with zipfile.ZipFile(os.path.join(out, "binary.xlsb"), "w") as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Override PartName="/xl/workbook.bin" ContentType="application/'
                   'vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.bin"/></Relationships>')
        z.writestr("xl/workbook.bin", b"\x83\x01\x00\x80\x01\x00")
    EXPECTED["binary.xlsb"] = {"error": "Excel binary workbook (.xlsb)"}

    # Apple Numbers: the zip of a document, and of a bundle folder
    for name, entry in (("numbers.numbers", "Index/Document.iwa"),
                        ("numbers-bundle.numbers", "Scans.numbers/Index.zip")):
        with zipfile.ZipFile(os.path.join(out, name), "w") as z:
            z.writestr(entry, b"\x00\x01iwa")
            z.writestr("Metadata/DocumentIdentifier", "0F2C5D8E")
        EXPECTED[name] = {"error": "Apple Numbers"}

    with open(os.path.join(out, "xml-2003.xml"), "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
                '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"\n'
                ' xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">\n'
                ' <Worksheet ss:Name="scans"><Table>\n'
                '  <Row><Cell><Data ss:Type="String">运单号</Data></Cell><Cell><Data ss:Type="String">月台</Data>'
                '</Cell><Cell><Data ss:Type="String">扫描时间</Data></Cell></Row>\n'
                '  <Row><Cell><Data ss:Type="String">SF0001</Data></Cell><Cell><Data ss:Type="String">A01</Data>'
                '</Cell><Cell><Data ss:Type="DateTime">2025-11-03T14:05:09.000</Data></Cell></Row>\n'
                ' </Table></Worksheet>\n</Workbook>\n')
    EXPECTED["xml-2003.xml"] = {"error": "XML Spreadsheet 2003"}
    with open(os.path.join(out, "flat.fods"), "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<office:document xmlns:office='
                '"urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.3" '
                'office:mimetype="application/vnd.oasis.opendocument.spreadsheet"><office:body>'
                '<office:spreadsheet/></office:body></office:document>\n')
    EXPECTED["flat.fods"] = {"error": "flat OpenDocument file (.fods)"}


def soffice(out, fmt_, files, sub):
    lo = shutil.which("soffice") or shutil.which("libreoffice")
    target = os.path.join(out, sub)
    os.makedirs(target, exist_ok=True)
    profile = "file://" + os.path.abspath(os.path.join(out, "lo-profile"))
    subprocess.run([lo, "--headless", "-env:UserInstallation=" + profile, "--convert-to", fmt_,
                    "--outdir", target] + files, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900)
    return target


def cfb_stream_entry(data, name):
    """Offset of the directory entry named @name in a compound file (found
    by its UTF-16 name: LibreOffice writes the directory in one place)."""
    key = name.encode("utf-16-le") + b"\0\0"
    i = data.find(key)
    assert i >= 0, name
    return i


def password_files(out, xls_dir):
    # FILEPASS: the first record after the globals' BOF becomes FILEPASS,
    # as Excel writes it when a password is set (the record content is not
    # read: the file is refused before any decryption).
    src = open(os.path.join(xls_dir, "numbers.xls"), "rb").read()
    bof = src.find(b"\x09\x08\x10\x00\x00\x06\x05\x00")
    assert bof >= 0
    nxt = bof + 4 + 16
    data = bytearray(src)
    data[nxt:nxt + 2] = struct.pack("<H", 0x002F)
    open(os.path.join(out, "password.xls"), "wb").write(data)
    EXPECTED["password.xls"] = {"error": "password"}
    # An encrypted .xlsx is a compound file with an EncryptedPackage
    # stream: the Workbook entry renamed.
    data = bytearray(src)
    i = cfb_stream_entry(src, "Workbook")
    name = "EncryptedPackage".encode("utf-16-le") + b"\0\0"
    data[i:i + 64] = name + b"\0" * (64 - len(name))
    data[i + 64:i + 66] = struct.pack("<H", len(name))
    open(os.path.join(out, "password.xlsx"), "wb").write(data)
    EXPECTED["password.xlsx"] = {"error": "password"}


def cfb(stream_name, stream):
    """A compound file (version 3, 512-byte sectors) holding one stream of
    at least 4096 bytes: the container Excel writes around a workbook."""
    assert len(stream) >= 4096
    stream += b"\0" * (-len(stream) % 512)
    n_stream = len(stream) // 512
    n_dir = 1
    n_fat = 1
    while (n_stream + n_dir + n_fat) > n_fat * 128:
        n_fat += 1
    fat = []
    for i in range(n_stream):              # the stream: sectors 0..n-1
        fat.append(i + 1 if i + 1 < n_stream else 0xFFFFFFFE)
    fat.append(0xFFFFFFFE)                 # the directory
    fat += [0xFFFFFFFD] * n_fat            # the FAT itself
    fat += [0xFFFFFFFF] * (n_fat * 128 - len(fat))
    difat = [n_stream + 1 + i for i in range(n_fat)] + [0xFFFFFFFF] * (109 - n_fat)
    header = (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + b"\0" * 16 +
              struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6 +
              struct.pack("<IIIIIIIII", 0, n_fat, n_stream, 0, 4096, 0xFFFFFFFE, 0,
                          0xFFFFFFFE, 0) +
              struct.pack("<109I", *difat))

    def entry(name, kind, start, size, child=0xFFFFFFFF):
        n = name.encode("utf-16-le") + b"\0\0" if name else b""
        return (n + b"\0" * (64 - len(n)) + struct.pack("<HBB", len(n), kind, 1) +
                struct.pack("<III", 0xFFFFFFFF, 0xFFFFFFFF, child) + b"\0" * 36 +
                struct.pack("<II", start, size) + b"\0" * 4)
    directory = (entry("Root Entry", 5, 0xFFFFFFFE, 0, child=1) +
                 entry(stream_name, 2, 0, len(stream)) +
                 entry("", 0, 0, 0) + entry("", 0, 0, 0))
    return header + stream + directory + struct.pack("<%dI" % len(fat), *fat)


def biff5(out):
    """An Excel 95 workbook (BIFF5 in a "Book" stream), code page 936:
    GBK labels, numbers as NUMBER and RK, a string formula with its
    STRING record, a numeric formula."""
    def rec(t, body):
        return struct.pack("<HH", t, len(body)) + body

    def label(r, c, text):
        b = text.encode("gbk")
        return rec(0x0204, struct.pack("<HHHH", r, c, 15, len(b)) + b)

    def serial(t):
        return (t - datetime.datetime(1899, 12, 30)).total_seconds() / 86400

    sheet = rec(0x0809, struct.pack("<HHHH", 0x0500, 0x0010, 0x0DBB, 0x07CC))
    want = []
    sheet += label(0, 0, "运单号") + label(0, 1, "月台") + label(0, 2, "扫描时间")
    for i in range(200):
        r = i + 1
        t = T0 + datetime.timedelta(seconds=i)
        if i % 3 == 0:
            sheet += label(r, 0, "SF%04d" % i) + label(r, 1, "月台%d" % (i % 5))
            want.append([r + 1, "SF%04d" % i, "月台%d" % (i % 5), fmt(t)])
        elif i % 3 == 1:
            # a numeric waybill (RK integer) and a numeric dock (NUMBER)
            rk = ((100000 + i) << 2) | 2
            sheet += rec(0x027E, struct.pack("<HHHI", r, 0, 15, rk))
            sheet += rec(0x0203, struct.pack("<HHHd", r, 1, 15, 2.01))
            want.append([r + 1, str(100000 + i), "2.01", fmt(t)])
        else:
            # the waybill as a string formula (="ZT...", ptgStr): its
            # result is in the STRING record that follows
            text = ("ZT%04d" % i).encode("gbk")
            rgce = b"\x17" + bytes([len(text)]) + text
            sheet += rec(0x0006, struct.pack("<HHH", r, 0, 15) + b"\0\0\0\0\0\0\xff\xff" +
                         struct.pack("<HIH", 0, 0, len(rgce)) + rgce)
            sheet += rec(0x0207, struct.pack("<H", len(text)) + text)
            sheet += label(r, 1, "B%d" % i)
            want.append([r + 1, "ZT%04d" % i, "B%d" % i, fmt(t)])
        # the time as a numeric formula (=serial, ptgNum) and its result
        rgce = b"\x1f" + struct.pack("<d", serial(t))
        sheet += rec(0x0006, struct.pack("<HHHd", r, 2, 21, serial(t)) +
                     struct.pack("<HIH", 0, 0, len(rgce)) + rgce)
    sheet += rec(0x000A, b"")

    name = "扫描".encode("gbk")
    globals_ = rec(0x0809, struct.pack("<HHHH", 0x0500, 0x0005, 0x0DBB, 0x07CC))
    globals_ += rec(0x0042, struct.pack("<H", 936))
    globals_ += rec(0x0022, struct.pack("<H", 0))
    bound_len = 4 + 6 + 1 + len(name)
    eof_len = 4
    offset = len(globals_) + bound_len + eof_len
    globals_ += rec(0x0085, struct.pack("<IBBB", offset, 0, 0, len(name)) + name)
    globals_ += rec(0x000A, b"")
    open(os.path.join(out, "excel95.xls"), "wb").write(cfb("Book", globals_ + sheet))
    EXPECTED["excel95.xls"] = {"rows": want}


def late_gbk(out):
    """ASCII for more than a MiB, then rows whose docks are GBK."""
    lines = ["waybill,dock,scan time"]
    want = []
    n = 30000
    for i in range(n):
        t = T0 + datetime.timedelta(seconds=i % 3600)
        lines.append("SF%010d,A%02d,%s" % (i, i % 40, fmt(t)))
    for i in range(3):
        t = T0 + datetime.timedelta(seconds=i)
        lines.append("YT%04d,月台%d,%s" % (i, i + 1, fmt(t)))
        want.append([n + 2 + i, "YT%04d" % i, "月台%d" % (i + 1), fmt(t)])
    data = ("\r\n".join(lines) + "\r\n").encode("gbk")
    assert data.find(b"\xd4\xc2") > 1024 * 1024
    open(os.path.join(out, "late-gbk.csv"), "wb").write(data)
    EXPECTED["late-gbk.csv"] = {"rows_tail": want, "rows_count": n + 3}


def main():
    """Never fails the build: a failure (LibreOffice missing or too slow)
    is written into expected.json, and the tests report it."""
    out = os.path.abspath(sys.argv[1])
    try:
        make_all(out)
    except Exception as e:  # noqa: BLE001 - reported by the tests
        with open(os.path.join(out, "expected.json"), "w") as f:
            json.dump({"_error": "make-writer-fixtures.py failed: %r" % e}, f)
    if len(sys.argv) > 3 and sys.argv[2] == "--stamp":
        open(sys.argv[3], "w").write("\n".join(sorted(EXPECTED)) + "\n")


def make_all(out):
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out, exist_ok=True)
    x15_1904(out)
    bom_cdata_inline(out)
    chart_first(out)
    late_gbk(out)
    srcs = for_xls(out)
    xls_dir = soffice(out, "xls", srcs, "lo-xls")
    for s in srcs:
        base = os.path.splitext(os.path.basename(s))[0]
        shutil.move(os.path.join(xls_dir, base + ".xls"), os.path.join(out, base + ".xls"))
        if base + ".xlsx" not in EXPECTED:
            os.unlink(s)
    biff5(out)
    password_files(out, out)
    other_formats(out)
    for d in ("lo-xls", "lo-profile"):
        shutil.rmtree(os.path.join(out, d), ignore_errors=True)
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(EXPECTED, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes tests/fixtures/import/: files shaped like what analysts really receive (SPEC §4, issue 14).

Every file here is MADE UP by this script: firm names are invented (no real firm, no person), credit
codes are synthetic with a correct GB 32100-2015 check character, and the layouts copy the shapes
of real exports — a 企查查 export with English keys, a 启信宝 workbook with `-` and foreign
capital, a supplier master list in GBK with `#N/A`, a headerless ministry register, an old `.xls`
with 公司名字/注册地址, a 500强 ranking with company_name/short_name. The tests in
tests/it/import_real.rs read these files through the CLI and check every figure the script
knows (how many rows, which region each firm must land in).

    pip install openpyxl xlwt && python3 scripts/make-import-fixtures.py
"""
import csv, io, os, random

import openpyxl
import xlwt

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "import")
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
rng = random.Random(20261205)


def credit_code(region: str) -> str:
    """A synthetic 18-character code registered in `region` (6 digits), check character computed."""
    body = "91" + region + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    total = sum(CHARSET.index(c) * w for c, w in zip(body, WEIGHTS))
    return body + CHARSET[(31 - total % 31) % 31]


WORDS = ["星河", "远航", "恒信", "华宸", "启明", "瑞丰", "博远", "鼎盛", "嘉禾", "融创", "汇通", "泰和", "明德", "骏驰",
         "宏图", "致远", "安澜", "锦程", "拓新", "卓越", "睿智", "东曦", "凌云", "晨光", "丰泽", "弘毅", "清源", "思源"]
TRADES = ["科技", "新材料", "智能装备", "生物医药", "电子", "精密机械", "新能源", "食品", "信息技术", "化工"]
FORMS = ["有限公司", "股份有限公司", "有限责任公司"]


def firm(prefix: str, i: int) -> str:
    return f"{prefix}{WORDS[i % len(WORDS)]}{WORDS[(i * 7 + 3) % len(WORDS)]}{TRADES[i % len(TRADES)]}{FORMS[i % 3]}"


def write_csv(name, rows, encoding="utf-8-sig"):
    with open(os.path.join(OUT, name), "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)


def qcc():
    """企查查-style export: English keys, every address in 北京市东城区, codes of 110101; no region column."""
    rows = [["name", "capital", "date", "creditCode", "address"]]
    for i in range(40):
        capital = ["5000万元人民币", "100万元", "1.2亿", "-", "300万人民币"][i % 5]
        rows.append([firm("北京", i), capital, f"20{10 + i % 14:02d}-0{1 + i % 9}-1{i % 10}",
                     credit_code("110101"), f"北京市东城区东直门南大街{i + 1}号"])
    write_csv("qcc-export.csv", rows)


def qixinbao():
    """启信宝-style workbook: a title row, Chinese headers with units, `-` for missing, a USD capital,
    a formula cell with its cached value, an #N/A error cell, a column named twice."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "企业列表"
    ws.append(["启信宝 企业数据导出（2026-12-05）"])
    ws.append(["序号", "企业名称", "法定代表人", "注册资本(万元人民币)", "成立日期", "统一社会信用代码",
               "注册地址", "所属行业", "企业名称"])
    for i in range(71):
        city = ["苏州市", "常州市", "无锡市"][i % 3]
        code = {"苏州市": "320500", "常州市": "320400", "无锡市": "320200"}[city]
        capital = "1000万美元" if i == 5 else ("-" if i % 10 == 9 else str(100 + i * 37))
        ws.append([i + 1, firm(city[:2], i + 100), "-", capital, f"201{i % 10}年0{1 + i % 9}月1{i % 10}日",
                   credit_code(code) if i % 4 else "-", f"江苏省{city}某某路{i + 1}号", "制造业", ""])
    # A formula whose cached value is the capital (openpyxl writes no cached value, so the test
    # builds its own formula workbook with rust_xlsxwriter; here the cell is plain).
    wb.save(os.path.join(OUT, "qixinbao-export.xlsx"))


def supplier():
    """Supplier master list in GBK: 供应商名称 / 统一组织信用代码 with `-` and `#N/A`, rows repeated."""
    rows = [["供应商编号", "供应商名称", "统一组织信用代码", "联系人", "供货品类"]]
    regions = ["320500", "440300", "330100", "310115", "420100"]
    for i in range(120):
        code = credit_code(regions[i % 5])
        cell = ["-", "#N/A", code, code][i % 4]
        rows.append([f"S{10000 + i}", firm("", i + 200), cell, "-", ["电子元器件", "包装材料", "机加工件"][i % 3]])
    rows.append(rows[3][:])  # a repeated row: one enterprise
    rows.append(rows[4][:4] + ["包装材料；辅料"])  # repeated with a new cell
    write_csv("supplier-list.csv", rows, encoding="gb18030")


def register():
    """A headerless register (a ministry name list): 序号, credit code, name, 法定代表人, 省."""
    rows = []
    for i in range(60):
        province = ["江苏省", "浙江省", "广东省"][i % 3]
        code = {"江苏省": "320100", "浙江省": "330100", "广东省": "440100"}[province]
        rows.append([str(i + 1), credit_code(code), firm("", i + 400), "某某", province])
    rows[17].append("备注：已复核")  # a row with one cell more
    write_csv("register-headerless.csv", rows)


def legacy_xls():
    """An old .xls with 公司名字 / 注册地址."""
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    for c, h in enumerate(["公司名字", "注册地址", "注册资本（元）"]):
        ws.write(0, c, h)
    for i in range(25):
        ws.write(i + 1, 0, firm("", i + 600))
        ws.write(i + 1, 1, f"浙江省杭州市西湖区文三路{i + 1}号")
        ws.write(i + 1, 2, 5000000 + i * 100000)
    wb.save(os.path.join(OUT, "legacy-list.xls"))


def top500():
    """A 500强-style ranking: company_name, short_name, no region, no code; regions by name prefix."""
    rows = [["rank", "company_name", "short_name", "revenue"]]
    prefixes = ["深圳市", "广东", "江苏", "上海", "", "浙江", "山东", "北京"]
    for i in range(50):
        p = prefixes[i % len(prefixes)]
        rows.append([i + 1, firm(p, i + 800), WORDS[(i + 800) % len(WORDS)] + TRADES[i % len(TRADES)], 1000 - i])
    write_csv("top500.csv", rows)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    qcc(); qixinbao(); supplier(); register(); legacy_xls(); top500()
    print("written to", os.path.normpath(OUT))

"""Reads the corpus (one code and a region per line, tab-separated) with biip and
python-stdnum, and prints one JSON object per line: what an independent implementation
makes of each code, for tests/barcode.rs to compare with till-barcode."""

import json
import sys

from biip import ParseConfig, parse
from stdnum import ean

for line in sys.stdin:
    code, region = line.rstrip("\n").split("\t")
    code = code.replace("<GS>", "\x1d")
    config = ParseConfig(rcn_region=region.lower() or None, separator_chars=["\x1d"])
    out = {"code": code}
    try:
        r = parse(code, config=config)
    except Exception as e:  # biip refuses the whole input
        out["error"] = str(e)
        print(json.dumps(out))
        continue
    if r.gtin is not None:
        g = r.gtin
        out["gtin14"] = g.as_gtin_14()
        for field in ("weight", "price", "count"):
            value = getattr(g, field, None)
            if value is not None:
                out[field] = str(value)
    if r.gtin_error:
        out["gtin_error"] = r.gtin_error
    if r.gs1_message is not None:
        out["elements"] = [
            [e.ai.ai, e.value, e.date.isoformat() if e.date else None, str(e.decimal) if e.decimal is not None else None]
            for e in r.gs1_message.element_strings
        ]
        # Keys (GTIN, GLN, SSCC) that fail their check digit inside a message.
        errors = [
            err
            for e in r.gs1_message.element_strings
            for err in (e.gtin_error, e.gln_error, e.sscc_error)
            if err
        ]
        if errors:
            out["element_errors"] = errors
    if r.gs1_message_error:
        out["gs1_error"] = r.gs1_message_error
    digits = code[3:] if code.startswith("]") else code
    if digits.isdigit() and len(digits) in (8, 12, 13, 14):
        out["stdnum_valid"] = ean.is_valid(digits)
    print(json.dumps(out))

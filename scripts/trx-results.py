#!/usr/bin/env python3
"""Prints the skipped (default) or failed (--failed) tests of VSTest TRX reports, one per line: "name — reason".

scripts/test-all.sh puts both lists in its summary, just above the closing line, so that the tail of a CI log names them.
"""
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}

args = sys.argv[1:]
failed = "--failed" in args
paths = [a for a in args if a != "--failed"]
outcomes = ("Failed", "Error", "Timeout", "Aborted") if failed else ("NotExecuted", "Skipped", "Inconclusive")

for path in paths:
    for result in ET.parse(path).getroot().iterfind(".//t:Results/t:UnitTestResult", NS):
        if result.get("outcome") not in outcomes:
            continue
        # xunit hands its Skip reason (or the failure's message) to VSTest as the result's error message.
        message = result.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=NS).strip()
        reason = " ".join(message.split()) or "no reason recorded"
        if failed and len(reason) > 400:
            reason = reason[:400] + "…"
        print(f"{result.get('testName')} — {reason}")

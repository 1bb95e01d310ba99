#!/usr/bin/env python3
"""Prints every skipped test of a VSTest TRX report, one per line: "name — reason" (scripts/test-all.sh's summary)."""
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}

for path in sys.argv[1:]:
    for result in ET.parse(path).getroot().iterfind(".//t:Results/t:UnitTestResult", NS):
        if result.get("outcome") not in ("NotExecuted", "Skipped", "Inconclusive"):
            continue
        # xunit hands its Skip reason to VSTest as the result's error message; TRX keeps it under Output/ErrorInfo.
        message = result.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=NS).strip()
        reason = " ".join(message.split()) or "no reason recorded"
        print(f"{result.get('testName')} — {reason}")

#!/usr/bin/env python3
"""Draws assets/icon.png (128x128): a microphone whose sound waves become a text cursor, on a dark rounded square.

Pure Python (zlib + struct), so it needs nothing installed; each pixel is supersampled 4x4 for smooth edges.
Run: python3 scripts/make-icon.py [out.png]
"""
import math
import struct
import sys
import zlib

SIZE = 128
SS = 4  # samples per pixel side

BG = (30, 42, 58)
MIC = (245, 247, 250)
WAVE = (94, 196, 255)
CURSOR = (255, 196, 61)


def rounded_square(x, y, r=24, m=2):
    lo, hi = m + r, SIZE - m - r
    cx, cy = min(max(x, lo), hi), min(max(y, lo), hi)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r and m <= x <= SIZE - m and m <= y <= SIZE - m


def capsule(x, y, x0, y0, y1, r):
    cy = min(max(y, y0), y1)
    return (x - x0) ** 2 + (y - cy) ** 2 <= r * r


def ring(x, y, cx, cy, r, w, a0, a1):
    d = math.hypot(x - cx, y - cy)
    if abs(d - r) > w / 2:
        return False
    a = math.degrees(math.atan2(y - cy, x - cx))
    return a0 <= a <= a1


def color_at(x, y):
    if not rounded_square(x, y):
        return None
    # microphone: head capsule, U-shaped holder, stem and foot
    if capsule(x, y, 52, 34, 58, 13):
        return MIC
    if ring(x, y, 52, 58, 21, 5, 0, 180):
        return MIC
    if 49.5 <= x <= 54.5 and 78 <= y <= 92:
        return MIC
    if 40 <= x <= 64 and 90 <= y <= 95:
        return MIC
    # sound waves to the right
    for r in (30, 40):
        if ring(x, y, 58, 50, r, 5, -40, 40):
            return WAVE
    # the text cursor the words go to
    if 103 <= x <= 108 and 30 <= y <= 98:
        return CURSOR
    return BG


def render():
    rows = []
    for py in range(SIZE):
        row = bytearray([0])  # filter: none
        for px in range(SIZE):
            acc = [0, 0, 0, 0]
            for sy in range(SS):
                for sx in range(SS):
                    c = color_at(px + (sx + 0.5) / SS, py + (sy + 0.5) / SS)
                    if c is not None:
                        acc[0] += c[0]
                        acc[1] += c[1]
                        acc[2] += c[2]
                        acc[3] += 255
            n = SS * SS
            alpha = acc[3] // n
            cover = acc[3] // 255
            rgb = [v // cover if cover else 0 for v in acc[:3]]
            row += bytes(rgb + [alpha])
        rows.append(bytes(row))
    return b"".join(rows)


def png(raw):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "assets/icon.png"
    with open(out, "wb") as f:
        f.write(png(render()))
    print(out)

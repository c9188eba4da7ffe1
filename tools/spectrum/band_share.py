#!/usr/bin/env python3
"""Share of a CSV column's swing energy (all but the mean) in a frequency band, by DFT.

usage: band_share.py FILE.csv [COLUMN] [LO_HZ] [HI_HZ]   (defaults: it_mw 7 50)
"""
import cmath, csv, math, sys

path = sys.argv[1]
col = sys.argv[2] if len(sys.argv) > 2 else "it_mw"
lo = float(sys.argv[3]) if len(sys.argv) > 3 else 7.0
hi = float(sys.argv[4]) if len(sys.argv) > 4 else 50.0
with open(path) as f:
    rows = list(csv.DictReader(f))
t = [float(r["time_s"]) for r in rows]
x = [float(r[col]) for r in rows]
dt = (t[-1] - t[0]) / (len(t) - 1)
n = len(x)
mean = sum(x) / n
x = [v - mean for v in x]
total = n * sum(v * v for v in x)  # Parseval: the sum of |X_m|^2 over all bins
band = 0.0
for m in range(1, n):
    f = min(m, n - m) / (n * dt)
    if lo <= f <= hi:
        w = cmath.exp(-2j * math.pi * m / n)
        acc, z = 0j, 1 + 0j
        for v in x:
            acc += v * z
            z *= w
        band += abs(acc) ** 2
print(f"{path}: {col}, {n} samples at {dt:.4f} s, {lo:g}-{hi:g} Hz share {100 * band / total:.2f} %")

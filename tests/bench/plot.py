#!/usr/bin/env python3
"""tests/bench/plot.py SWEEP.TSV OUT.SVG - throughput and peak RSS against
--concurrency (log2 x axis), as a plain SVG with two y axes.  Stdlib only.
SWEEP.TSV rows: concurrency addresses wall addr/s rss_kib cpu correct."""
import math
import sys

rows = [l.split('\t') for l in open(sys.argv[1]) if l.strip()]
xs = [int(r[0]) for r in rows]
tp = [float(r[3]) for r in rows]
rss = [float(r[4]) / 1024 for r in rows]
W, H, L, R, T, Bm = 640, 380, 70, 70, 40, 50
pw, ph = W - L - R, H - T - Bm


def nice(v):
    if v <= 0:
        return 1
    e = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if v <= m * e:
            return m * e
    return 10 * e


tmax, rmax = nice(max(tp) * 1.1), nice(max(rss) * 1.1)
lx0, lx1 = math.log2(min(xs)), math.log2(max(xs))


def X(c):
    return L + (math.log2(c) - lx0) / ((lx1 - lx0) or 1) * pw


def Y(v, m):
    return T + ph - v / m * ph


o = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
     'font-family="sans-serif" font-size="12">' % (W, H),
     '<rect width="100%" height="100%" fill="white"/>',
     '<text x="%d" y="20" text-anchor="middle" font-size="14">mxprobe: throughput '
     'and peak RSS against --concurrency</text>' % (W // 2)]
for i in range(6):
    y = T + ph * i / 5
    o.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>' % (L, L + pw, y, y))
    o.append('<text x="%d" y="%.1f" text-anchor="end" fill="#1f5fbf">%s</text>'
             % (L - 6, y + 4, '{:,.0f}'.format(tmax * (5 - i) / 5)))
    o.append('<text x="%d" y="%.1f" fill="#c0392b">%.2f</text>'
             % (L + pw + 6, y + 4, rmax * (5 - i) / 5))
for c in xs:
    o.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (X(c), T + ph + 18, c))
o.append('<text x="%d" y="%d" text-anchor="middle">--concurrency (log scale)</text>'
         % (L + pw // 2, H - 10))
o.append('<text transform="translate(16,%d) rotate(-90)" text-anchor="middle" '
         'fill="#1f5fbf">addresses/s</text>' % (T + ph // 2))
o.append('<text transform="translate(%d,%d) rotate(90)" text-anchor="middle" '
         'fill="#c0392b">peak RSS (MiB)</text>' % (W - 14, T + ph // 2))
o.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#444"/>'
         % (L, T, pw, ph))
for vals, m, col in ((tp, tmax, '#1f5fbf'), (rss, rmax, '#c0392b')):
    pts = ' '.join('%.1f,%.1f' % (X(c), Y(v, m)) for c, v in zip(xs, vals))
    o.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>' % (pts, col))
    for c, v in zip(xs, vals):
        o.append('<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>' % (X(c), Y(v, m), col))
o.append('</svg>')
open(sys.argv[2], 'w').write('\n'.join(o) + '\n')

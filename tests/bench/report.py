#!/usr/bin/env python3
"""tests/bench/report.py - tables for the benchmark (stdlib only).

    report.py W TEMPLATE   > benchmarks.md   fill the template's @NAME@ marks
    report.py --tables W                     print the tables (end of run.sh)

Reads W/peers.tsv, sweep.tsv, inputs.tsv, sizes.tsv, tls-hs.tsv, the
.time/.rss files
and the environment run.sh exports.
"""
import os
import sys


def rows(path):
    try:
        with open(path) as f:
            return [l.rstrip('\n').split('\t') for l in f if l.strip()]
    except FileNotFoundError:
        return []


def num(s, d=0):
    try:
        return float(s)
    except (TypeError, ValueError):
        return d


def table(head, body):
    out = ['| ' + ' | '.join(head) + ' |',
           '|' + '|'.join('---:' if i else '---' for i in range(len(head))) + '|']
    out += ['| ' + ' | '.join(str(c) for c in r) + ' |' for r in body]
    return '\n'.join(out)


def ratio(a, b, fmt='{:.1f}x'):
    return fmt.format(a / b) if b else '-'


def readf(w, name):
    try:
        with open(os.path.join(w, name)) as f:
            return f.read().split()
    except FileNotFoundError:
        return []


def build(w):
    env = os.environ
    t = {}
    peers = rows(os.path.join(w, 'peers.tsv'))
    by = {r[0]: r for r in peers}
    base = by.get('mxprobe-subset', by.get('mxprobe'))
    body = []
    for r in peers:
        tool, n, wall, cpu, rss, ok, conns, cmds, rt, lb = r
        n, wall, rss = num(n), num(wall), num(rss)
        aps = n / wall if wall else 0
        ref = base if tool not in ('mxprobe',) else by['mxprobe']
        rn, rw, rr = num(ref[1]), num(ref[2]), num(ref[4])
        raps = rn / rw if rw else 0
        is_mxp = tool.startswith('mxprobe')
        body.append([
            tool + (' (max per process)' if tool == 'swaks' else ''),
            '{:,.0f}'.format(n), '{:.1f}'.format(wall), '{:,.0f}'.format(aps),
            '{:,.0f}/{:,.0f} ({:.0%})'.format(num(ok), n, num(ok) / n if n else 0),
            '{:.2f}'.format(num(conns) / n if n else 0),
            '{:.2f}'.format(num(cmds) / n if n else 0),
            '{:.2f}'.format(num(rt) / n if n else 0),
            ratio(num(rt), num(lb), '{:.2f}x'),
            '{:,.0f}'.format(rss), cpu,
            '-' if is_mxp else ratio(raps, aps),
            '-' if is_mxp else ratio(rr, rss, '{:.2f}x'),
        ])
    t['PEERS'] = table(['tool', 'addresses', 'wall s', 'addr/s', 'correct verdicts',
                        'conns/addr', 'cmds/addr', 'round trips/addr',
                        'RT / lower bound', 'peak RSS KiB', 'CPU s (user+sys)',
                        'mxprobe addr/s over this', 'mxprobe RSS over this'], body)

    sw = rows(os.path.join(w, 'sweep.tsv'))
    t['SWEEP'] = table(['--concurrency', 'addresses', 'wall s', 'addr/s',
                        'peak RSS KiB', 'CPU s', 'correct'],
                       [[c, '{:,}'.format(int(num(n))), wl, '{:,}'.format(int(num(a))),
                         '{:,}'.format(int(num(r))), cp, ok] for c, n, wl, a, r, cp, ok in sw])
    inp = rows(os.path.join(w, 'inputs.tsv'))
    t['INPUTS'] = table(['addresses', '--syntax-only s', 'addr/s', 'peak RSS KiB',
                         '--mx-only s', 'addr/s', 'peak RSS KiB'],
                        [['{:,}'.format(int(num(r[0])))] + [r[1], '{:,}'.format(int(num(r[2]))) if num(r[1]) else '(< 10 ms)',
                         r[3], r[4], '{:,}'.format(int(num(r[5]))) if num(r[4]) else '(< 10 ms)', r[6]] for r in inp])
    sz = rows(os.path.join(w, 'sizes.tsv'))
    t['SIZES'] = table(['target', 'bytes (stripped, static)'],
                       [[a, '{:,}'.format(int(num(b)))] for a, b in sz])

    # STARTTLS: tests/bench/tls-hs.sh, one session at a time
    hs = []
    hrows = rows(os.path.join(w, 'tls-hs.tsv'))
    fullper = {}    # version -> (wall, cpu) of one full-handshake session
    for v, kind, n, f, r, wl, cp, pwl, pcp in hrows:
        if kind == 'full' and num(n):
            fullper[v] = (num(wl) / num(n), num(cp) / num(n))
    for v, kind, n, f, r, wl, cp, pwl, pcp in hrows:
        n, wl, cp, pwl, pcp = num(n), num(wl), num(cp), num(pwl), num(pcp)
        if not n:
            continue
        k = n
        if kind == 'resumed' and v in fullper and n > 1:
            # the run's first session is a full handshake: take it out
            wl, cp = wl - fullper[v][0], cp - fullper[v][1]
            pwl, pcp = pwl * (n - 1) / n, pcp * (n - 1) / n
            k = n - 1
        hs.append(['TLS ' + v, kind, '{:.0f} full, {:.0f} resumed'.format(num(f), num(r)),
                   '{:,.0f}'.format(k / wl if wl > 0 else 0),
                   '{:.2f}'.format(wl / k * 1000), '{:.2f}'.format(cp / k * 1000),
                   '{:.2f} / {:.2f}'.format(pwl / k * 1000, pcp / k * 1000),
                   '{:.2f}'.format((wl - pwl) / k * 1000),
                   '{:.2f}'.format((cp - pcp) / k * 1000)])
    t['TLSHS'] = table(['version', 'handshake', 'server saw',
                        'handshakes/s', 'wall ms/session',
                        'mxprobe CPU ms/session', 'plaintext wall / CPU ms',
                        'STARTTLS: wall ms', 'STARTTLS: mxprobe CPU ms'], hs) \
        if hs else '(not measured: ' + (env.get('HS_NOTE') or 'no tls-hs.tsv') + ')'

    # the goals, as figures (nothing asserted)
    g = []
    syn = [r for r in inp if r[0] == '1000000']
    if syn:
        r = syn[0]
        g.append(['--syntax-only, 1,000,000 addresses', '>= 1,000,000 addr/s, < 4 MiB',
                  '{:,} addr/s, {} KiB'.format(int(num(r[2])), r[3])])
    mt, mr = readf(w, 'mxd.time')[-3:], readf(w, 'mxd.rss')
    mxd = int(num(env.get('MXD')))
    if mt and mr:
        g.append(['--mx-only, {:,} distinct domains'.format(mxd),
                  '>= 5,000 domains/s, < 2 MiB',
                  '{:,.0f} domains/s, {} KiB ({} resolved of {:,})'.format(
                      mxd / num(mt[0]) if num(mt[0]) else 0, mr[0],
                      env.get('MXD_OK', '?'), mxd)])
    sd = {r[0]: r for r in sw}
    if '256' in sd:
        g.append(['probe, --concurrency 256', '(figure)',
                  '{} KiB, {:,} addr/s'.format(sd['256'][4], int(num(sd['256'][3])))])
    if env.get('P64_LINE'):
        g.append(['probe, 64 concurrent plaintext sessions', '< 1 MiB',
                  env['P64_LINE']])
    if '64' in sd:
        g.append(['probe, --concurrency 64 in the sweep (--queue 512)', '(figure)',
                  '{} KiB'.format(sd['64'][4])])
    pm = [r for r in rows(os.path.join(w, 'peers.tsv')) if r[0] == 'mxprobe']
    if pm:
        r = pm[0]
        g.append(['round trips, the list as it comes, defaults', '<= 1.25x the lower bound',
                  '{} against {} ({:.2f}x)'.format(r[8], r[9], num(r[8]) / num(r[9]) if num(r[9]) else 0)])
    for lab, n, rt, lb, rss in rows(os.path.join(w, 'rt.tsv')):
        g.append(['round trips, ' + lab, '<= 1.25x the lower bound',
                  '{} against {} ({:.2f}x), {} KiB'.format(rt, lb, num(rt) / num(lb) if num(lb) else 0, rss)])
    g.append(['syscalls per address (strace -f -c)', '(figure)', env.get('STRACE_LINE', '-')])
    g.append(['allocations per address', '0 in steady state', env.get('ALLOC_LINE', '-')])
    t['GOALS'] = table(['measure', 'goal', 'measured'], g)

    notes = []
    if env.get('NODE_NOTE'):
        notes.append('- ' + env['NODE_NOTE'])
    if env.get('BIGRUN'):
        notes.append('- mxprobe ran with `{}` in the side-by-side and round-trip rows '
                     'of this run (the defaults are for routers; a 100,000-address list '
                     'over 2,000 domains wants more sessions).'.format(env['BIGRUN']))
    sub = int(num(env.get('SUBSET')))
    if sub:
        notes.append('- Peers ran on the first {:,} addresses of the list; '
                     'mxprobe-subset is mxprobe on the same subset, and the '
                     'ratios compare with that row.'.format(sub))
    t['NOTES'] = '\n'.join(notes)
    pol = []
    for r in rows(os.path.join(w, 'polite.tsv')):
        if len(r) < 7:
            continue
        pol.append([r[0], '{} ({})'.format(r[1], r[2]), '{} ({})'.format(r[3], r[4]),
                    r[5], r[6]])
    t['POLITE'] = table(['tool', 'busiest host: connections in a minute (mxprobe limit 60)',
                         'busiest host: RCPTs in a minute (limit 600)',
                         'most RCPTs refused on one connection (Postfix soft limit 10)',
                         'replies "too many errors"'], pol) if pol else '(not measured)'
    return t


def main():
    if sys.argv[1] == '--tables':
        t = build(sys.argv[2])
        for k in ('PEERS', 'POLITE', 'GOALS', 'SWEEP', 'INPUTS', 'SIZES', 'TLSHS'):
            print('\n' + k.lower() + ':\n' + t[k])
        if t['NOTES']:
            print(t['NOTES'])
        return
    w, tmpl = sys.argv[1], sys.argv[2]
    t = build(w)
    env = os.environ
    for k in ('DATE', 'NPROC', 'CPU', 'COMMIT', 'DELAY', 'SIZE', 'NADDR', 'ND', 'PEERCONC'):
        t[k] = env.get(k, '?')
    t['NADDR'] = '{:,}'.format(int(num(t['NADDR'])))
    with open(tmpl) as f:
        s = f.read()
    for k, v in t.items():
        s = s.replace('@' + k + '@', v)
    sys.stdout.write(s)


main()

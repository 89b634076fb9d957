#!/usr/bin/env python3
"""Generates tests/data/promql_parse.tsv: PromQL queries and Prometheus 2.42's
verdict on each (OK, or its exact parse error), asked of a real Prometheus.

    prometheus --config.file=empty.yml --storage.tsdb.path=/tmp/p \
        --web.listen-address=127.0.0.1:19090 &
    python3 tests/data/gen_promql_parse.py http://127.0.0.1:19090 > tests/data/promql_parse.tsv

Candidates: every string literal of tests/unit/test_parser.c's case tables
(all kept), the eval expressions of Prometheus's own test files, and random
expressions from three generators (grammar-shaped, mutated, token soup),
kept up to a few per distinct error.  Queries whose error is a regex
compile error are left out: loupe's regexes are PCRE2's, so the position
matches but the wording cannot.  Pass a larger SCALE (2nd argument) to
hunt for differences instead of making the fixture."""
import glob, http.client, json, os, random, re, sys, urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.environ.get('LOUPE_PROMQL_TESTDATA', '/work/shared/promql-testdata')


def verdict(host, port, q):
    body = urllib.parse.urlencode({'query': q.encode('utf-8', 'surrogateescape'), 'time': '0'}).encode()
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request('POST', '/api/v1/query', body, {'Content-Type': 'application/x-www-form-urlencoded'})
    r = json.loads(conn.getresponse().read())
    conn.close()
    if r['status'] == 'success' or r.get('errorType') != 'bad_data':
        return 'OK'  # evaluation errors are not the parser's
    msg = r['error']
    pre = 'invalid parameter "query": '
    return 'ERR ' + (msg[len(pre):] if msg.startswith(pre) else msg)


def c_strings(path):
    """First C string literal (adjacent ones joined) of every `{ "...",` row."""
    src = open(path, encoding='utf-8', errors='surrogateescape').read()
    out = []
    simple = {'n': 10, 'r': 13, 't': 9, 'a': 7, 'b': 8, 'f': 12, 'v': 11}
    for m in re.finditer(r'\{\s*((?:"(?:[^"\\]|\\.)*"\s*)+),', src):
        raw = ''.join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))).encode('utf-8', 'surrogateescape')
        b, i = bytearray(), 0
        while i < len(raw):
            if raw[i] != 0x5c:
                b.append(raw[i]); i += 1
                continue
            n = chr(raw[i + 1])
            if n in simple:
                b.append(simple[n]); i += 2
            elif n == 'x':
                j = i + 2
                while j < len(raw) and chr(raw[j]) in '0123456789abcdefABCDEF':
                    j += 1
                b.append(int(raw[i + 2:j], 16) & 255); i = j
            elif n in '01234567':
                j = i + 1
                while j < len(raw) and j < i + 4 and chr(raw[j]) in '01234567':
                    j += 1
                b.append(int(raw[i + 1:j], 8) & 255); i = j
            else:
                b.append(raw[i + 1]); i += 2
        out.append(b.decode('utf-8', 'surrogateescape'))
    return out


def testdata():
    out = []
    for f in sorted(glob.glob(os.path.join(TESTDATA, '*.test'))):
        for line in open(f):
            m = re.match(r'\s*eval(_fail|_ordered)? instant at \S+ (.*)$', line.rstrip('\n'))
            if m:
                out.append(m.group(2).rstrip())
    return out


def grammar_shaped(rnd, n):
    names = ['foo', 'bar', 'sum', 'by', 'offset', 'start', 'end', 'and', 'a:b', 'x_1', 'rate', 'time', 'min', 'on',
             'bool', 'Inf', 'without']
    matchers = ['', '{}', '{a="b"}', '{a=~".*"}', '{a!="",b=~"x|y"}', '{__name__="foo"}', '{__name__=~"f.*"}',
                "{a='b',}", '{a!~".+"}']
    durs = ['5m', '1h30m', '0s', '30s', '1y', '2w', '1m1m', '5m1s', '250ms', '1d']
    fns = ['rate', 'abs', 'time', 'vector', 'scalar', 'round', 'hour', 'label_join', 'label_replace', 'clamp',
           'histogram_quantile', 'quantile_over_time', 'sum_over_time', 'absent', 'pi', 'sort', 'holt_winters',
           'predict_linear', 'nosuchfn']
    aggs = ['sum', 'avg', 'topk', 'bottomk', 'quantile', 'count_values', 'count', 'group', 'stddev', 'min']
    bops = ['+', '-', '*', '/', '%', '^', 'atan2', '==', '!=', '>', '<', '>=', '<=', 'and', 'or', 'unless']

    def labels():
        ls = rnd.sample(['a', 'b', 'le', 'job', 'sum', 'by', 'on', 'x:y', 'offset'], rnd.randint(0, 3))
        return '(' + ', '.join(ls) + rnd.choice(['', ',']) + ')'

    def mods():
        s = ''
        for _ in range(rnd.choice([0, 0, 1, 2])):
            r = rnd.random()
            if r < 0.4:
                s += ' offset ' + rnd.choice(['', '-']) + rnd.choice(durs)
            elif r < 0.8:
                s += ' @ ' + rnd.choice(['100', '-1.5', 'start()', 'end()', '1e3', 'Inf', '0x10'])
            else:
                s += '[' + rnd.choice(durs) + rnd.choice(['', ':', ':' + rnd.choice(durs)]) + ']'
        return s

    def gen(d):
        r = rnd.random()
        if d <= 0 or r < 0.2:
            r2 = rnd.random()
            if r2 < 0.6:
                return rnd.choice(names) + rnd.choice(matchers) + mods()
            if r2 < 0.85:
                return rnd.choice(['1', '0.5', '-2', '0x1f', 'NaN', '1e3'])
            return rnd.choice(['"s"', "'t'", '`u`'])
        if r < 0.35:
            return rnd.choice(fns) + '(' + ', '.join(gen(d - 1) for _ in range(rnd.randint(0, 3))) + ')' + mods()
        if r < 0.5:
            m = rnd.choice(['', ' by ' + labels(), ' without ' + labels()])
            body = '(' + ', '.join(gen(d - 1) for _ in range(rnd.randint(1, 2))) + ')'
            return rnd.choice(aggs) + (m + ' ' + body if rnd.random() < 0.5 else body + m) + mods()
        if r < 0.75:
            mod = ' bool' if rnd.random() < 0.3 else ''
            if rnd.random() < 0.4:
                mod += ' ' + rnd.choice(['on', 'ignoring']) + labels()
                if rnd.random() < 0.5:
                    mod += ' ' + rnd.choice(['group_left', 'group_right']) + rnd.choice(['', labels()])
            return gen(d - 1) + ' ' + rnd.choice(bops) + mod + ' ' + gen(d - 1)
        if r < 0.85:
            return rnd.choice(['-', '+']) + gen(d - 1)
        return '(' + gen(d - 1) + ')' + mods()

    out = []
    for _ in range(n):
        q = gen(rnd.randint(1, 4))
        if rnd.random() < 0.3:
            p = rnd.randint(0, len(q))
            q = q[:p] + q[p + rnd.randint(1, 3):]
        out.append(q)
    return out


def mutated(rnd, seeds, n):
    toks = ['(', ')', '[', ']', '{', '}', ',', ':', '@', ' offset ', ' by ', ' without ', ' on', ' ignoring',
            ' group_left', ' bool ', ' and ', ' or ', '+', '-', '*', '/', '^', '==', '!=', '=~', '!~', '"x"', "'y'",
            '`z`', '5m', '1h30m', '0', '1e3', '0x1f', 'Inf', 'NaN', 'sum', 'topk', 'rate', 'foo', 'start()', 'end()',
            ' ', '\n', '#c\n', '.', '=', '!', 'atan2', 'count_values', '1', '-1', '5', 'ms', '__name__', 'le']
    out = []
    for _ in range(n):
        s = rnd.choice(seeds)
        for _ in range(rnd.randint(1, 3)):
            op, p = rnd.random(), rnd.randint(0, len(s))
            if op < 0.35:
                s = s[:p] + rnd.choice(toks) + s[p:]
            elif op < 0.7:
                s = s[:p] + s[rnd.randint(p, min(len(s), p + 6)):]
            else:
                t = rnd.choice(seeds)
                a = rnd.randint(0, len(t))
                s = s[:p] + t[a:rnd.randint(a, len(t))] + s[p:]
        out.append(s)
    return out


def token_soup(rnd, n):
    toks = ['(', ')', '[', ']', '{', '}', ',', ':', '@', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left',
            'group_right', 'bool', 'and', 'or', 'unless', '+', '-', '*', '/', '%', '^', '==', '!=', '<', '>=', '=~',
            '"x"', '5m', '1h30m', '0', '1e3', '0x1f', 'Inf', 'NaN', 'sum', 'topk', 'count_values', 'rate', 'time',
            'foo', 'a:b', 'start', 'end', '=', 'atan2', 'x', '1', '2.5', '[5m]', '[5m:]', '{a="b"}', '{}', 'round']
    return [' '.join(rnd.choice(toks) for _ in range(rnd.randint(1, 7))) for _ in range(n)]


def esc(s):
    out = []
    for b in s.encode('utf-8', 'surrogateescape'):
        out.append('\\\\' if b == 0x5c else chr(b) if 0x20 <= b <= 0x7e else '\\x%02x' % b)
    return ''.join(out)


def main():
    url = urllib.parse.urlparse(sys.argv[1] if len(sys.argv) > 1 else 'http://127.0.0.1:19090')
    scale = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    keep = c_strings(os.path.join(HERE, '..', 'unit', 'test_parser.c'))
    seeds = [s for s in keep + testdata() if len(s) < 300]
    rnd = random.Random(20240601)
    cands = keep + testdata() + grammar_shaped(rnd, 3000 * scale) + mutated(rnd, seeds, 1500 * scale) + \
        token_soup(rnd, 800 * scale)
    keep, seen, per_kind = set(keep), set(), {}
    print("# PromQL queries and Prometheus 2.42's verdict: OK, or ERR and its exact parse error message.")
    print('# query<TAB>verdict; bytes outside printable ASCII are \\xNN, a backslash is \\\\.')
    print('# Generated by tests/data/gen_promql_parse.py against Debian\'s prometheus 2.42.0 (see README.md).')
    for q in cands:
        if q in seen or '\0' in q or len(q) > 400:
            continue
        seen.add(q)
        v = verdict(url.hostname, url.port, q)
        if 'error parsing regexp' in v:
            continue
        kind = v if v == 'OK' else v.split('parse error: ')[-1][:30]
        per_kind[kind] = per_kind.get(kind, 0) + 1
        if q in keep or per_kind[kind] <= (40 if kind == 'OK' else 5) * scale:
            print(esc(q) + '\t' + esc(v))


main()

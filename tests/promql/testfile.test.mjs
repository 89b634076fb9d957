// node --test tests/promql/testfile.test.mjs - the test-file parser and the
// comparison rules of lib/testfile.mjs (promql/test.go of Prometheus 2.42).
import assert from 'node:assert/strict';
import test from 'node:test';
import { almostEqual, compareResult, goParseNumber, goUnquote, parseDuration, parseSeriesDesc, parseTestFile } from './lib/testfile.mjs';

const vals = (line) => parseSeriesDesc(line).values.map((v) => (v.omitted ? '_' : v.stale ? 'stale' : v.value));

test('expanding notation', () => {
  assert.deepEqual(vals('m 0+10x3'), [0, 10, 20, 30]);
  assert.deepEqual(vals('m 1-1x5'), [1, 0, -1, -2, -3, -4]);
  assert.deepEqual(vals('m 7x2 _ _x3 stale'), [7, 7, 7, '_', '_', '_', '_', 'stale']);
  assert.deepEqual(vals('m -2+0.5x2 1e3 -Inf Inf NaN .5 010'), [-2, -1.5, -1, 1000, -Infinity, Infinity, NaN, 0.5, 8]);
  assert.deepEqual(vals('m 0.1+0.1x2'), [0.1, 0.2, 0.1 + 0.1 + 0.1]); // repeated addition, like Go
  assert.throws(() => parseSeriesDesc('m 0x1f'));
  assert.throws(() => parseSeriesDesc('m 1 foo'));
});

test('staleness marker and NaN bits', () => {
  const d = parseSeriesDesc('m stale NaN');
  assert.equal(d.values[0].buf.readBigUInt64LE(0), 0x7ff0000000000002n);
  assert.equal(d.values[1].buf.readBigUInt64LE(0), 0x7ff8000000000001n);
});

test('labels', () => {
  assert.deepEqual(parseSeriesDesc('m{b="x", a=\'y\', c=`z\\n`,} 1').labels, [['__name__', 'm'], ['a', 'y'], ['b', 'x'], ['c', 'z\\n']]);
  assert.deepEqual(parseSeriesDesc('{__name__="m:x", a="\\"q\\"\\u00e9\\x41"} 1').labels, [['__name__', 'm:x'], ['a', '"q"éA']]);
  assert.deepEqual(parseSeriesDesc('sum 1').labels, [['__name__', 'sum']]);
  assert.deepEqual(parseSeriesDesc('{} 1').labels, []);
  assert.equal(goUnquote('"\\101"'), 'A');
});

test('numbers and durations', () => {
  assert.equal(goParseNumber('0x1f'), 31);
  assert.equal(goParseNumber('1e3'), 1000);
  assert.equal(goParseNumber('+Inf'), Infinity);
  assert.ok(Number.isNaN(goParseNumber('NaN')));
  assert.equal(goParseNumber('{} 1'), null);
  assert.equal(parseDuration('1h30m'), 5400000);
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('100'), null);
});

test('file structure', () => {
  const { cmds } = parseTestFile([
    'load 5m', '  m{a="1"} 0+1x2', '  m{a="2"} 5', '# comment ends nothing here', '',
    'eval instant at 10m m', '  m{a="1"} 2', '  {__name__="m", a="2"} 5', '',
    'eval_ordered instant at 1h sort(m)', '', 'eval_fail instant at 0 m[', '', 'clear', 'eval instant at 0s 1', '  1',
  ].join('\n'));
  assert.deepEqual(cmds.map((c) => c.kind), ['load', 'eval', 'eval', 'eval', 'clear', 'eval']);
  assert.deepEqual(cmds[0].series[0].samples.map(([t]) => t), [0, 300000, 600000]);
  assert.equal(cmds[1].time, 600000);
  assert.equal(cmds[1].expected.length, 2);
  assert.ok(cmds[2].ordered && cmds[2].time === 3600000);
  assert.ok(cmds[3].fail);
  assert.equal(cmds[5].scalar, 1);
  assert.throws(() => parseTestFile('bogus'));
});

test('comparison like promql/test.go', () => {
  assert.ok(almostEqual(NaN, NaN));
  assert.ok(almostEqual(1, 1 + 1e-7));
  assert.ok(!almostEqual(1, 1.00001));
  assert.ok(!almostEqual(0, 1e-300));
  const cmd = { expected: [{ labels: [['a', '1']], value: 1, pos: 1 }, { labels: [['a', '2']], value: 2, pos: 2 }], ordered: false };
  const v = (...xs) => ({ type: 'vector', vector: xs.map(([a, value]) => ({ labels: [['a', a]], value })) });
  assert.equal(compareResult(cmd, v(['2', 2], ['1', 1])), null);
  assert.match(compareResult({ ...cmd, ordered: true }, v(['2', 2], ['1', 1])), /position/);
  assert.match(compareResult(cmd, v(['1', 1])), /not found/);
  assert.match(compareResult(cmd, v(['1', 1], ['2', 2], ['3', 3])), /unexpected metric/);
  assert.match(compareResult(cmd, v(['1', 1], ['2', 2.1])), /expected 2/);
  assert.equal(compareResult({ expected: [], scalar: 3 }, { type: 'scalar', scalar: 3 }), null);
  assert.match(compareResult({ expected: [], scalar: 3 }, v()), /scalar/);
});

// node --test tests/diff/compare.test.mjs - the diff harness's comparator
// finds what it must find (run.mjs --self-test only shows it finds nothing
// between equal answers).
import assert from 'node:assert/strict';
import test from 'node:test';
import { compare, normalise } from './lib/compare.mjs';

const ok = (data) => normalise({ status: 200, json: { status: 'success', data }, body: '' });
const matrix = (...series) => ok({ resultType: 'matrix', result: series.map(([metric, values]) => ({ metric, values })) });
const vector = (...series) => ok({ resultType: 'vector', result: series.map(([metric, value]) => ({ metric, value })) });
const err = (type, status) => normalise({ status, json: { status: 'error', errorType: type, error: 'x' }, body: '' });

test('equal answers, including NaN and infinities', () => {
  const a = matrix([{ __name__: 'm', a: '1' }, [[1, '1.5'], [2, 'NaN'], [3, '+Inf']]], [{ a: '2' }, [[1, '-Inf']]]);
  const b = matrix([{ a: '2' }, [[1, '-Inf']]], [{ a: '1', __name__: 'm' }, [[1, '1.5'], [2, 'NaN'], [3, '+Inf']]]);
  assert.deepEqual(compare(a, b), []);
});

test('relative tolerance 1e-9', () => {
  assert.deepEqual(compare(vector([{}, [1, '1000000']]), vector([{}, [1, '1000000.0009']])), []);
  assert.notDeepEqual(compare(vector([{}, [1, '1000000']]), vector([{}, [1, '1000000.002']])), []);
  assert.notDeepEqual(compare(vector([{}, [1, '0']]), vector([{}, [1, '1e-300']])), []);
  assert.notDeepEqual(compare(vector([{}, [1, 'NaN']]), vector([{}, [1, '0']])), []);
  assert.notDeepEqual(compare(vector([{}, [1, '+Inf']]), vector([{}, [1, '-Inf']])), []);
});

test('label sets: the name counts, missing and extra series are reported', () => {
  assert.notDeepEqual(compare(vector([{ __name__: 'm', a: '1' }, [1, '1']]), vector([{ a: '1' }, [1, '1']])), []);
  const d = compare(vector([{ a: '1' }, [1, '1']], [{ a: '2' }, [1, '1']]), vector([{ a: '1' }, [1, '1']], [{ a: '3' }, [1, '1']]));
  assert.equal(d.length, 2);
  assert.match(d[0], /1 of 2 series missing/);
  assert.match(d[1], /1 unexpected series/);
});

test('timestamps: missing and extra points', () => {
  const a = matrix([{ a: '1' }, [[60, '1'], [120, '2']]]);
  assert.match(compare(a, matrix([{ a: '1' }, [[60, '1']]]))[0], /1 differing points/);
  assert.match(compare(a, matrix([{ a: '1' }, [[60, '1'], [120, '2'], [180, '3']]]))[0], /1 differing points/);
  assert.match(compare(a, matrix([{ a: '1' }, [[60, '1'], [121, '2']]]))[0], /2 differing points/);
});

test('result types, errors, order, duplicates', () => {
  assert.match(compare(ok({ resultType: 'scalar', result: [1, '1'] }), vector([{}, [1, '1']]))[0], /resultType/);
  assert.deepEqual(compare(err('execution', 422), err('execution', 422)), []);
  assert.notDeepEqual(compare(err('execution', 422), err('bad_data', 400)), []);
  assert.match(compare(err('execution', 422), vector())[0], /reference failed/);
  assert.match(compare(vector(), err('execution', 422))[0], /the other failed/);
  const x = vector([{ a: '1' }, [1, '1']], [{ a: '2' }, [1, '2']]);
  const y = vector([{ a: '2' }, [1, '2']], [{ a: '1' }, [1, '1']]);
  assert.deepEqual(compare(x, y), []);
  assert.match(compare(x, y, { ordered: true })[0], /order/);
  assert.match(compare(x, vector([{ a: '1' }, [1, '1']], [{ a: '1' }, [1, '1']], [{ a: '2' }, [1, '2']]))[0], /duplicate/);
});

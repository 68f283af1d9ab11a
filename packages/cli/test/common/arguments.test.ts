import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectKeyValue, parseConfigList, parseInteger, parseNonNegativeInt } from '../../src/common/arguments.ts';

describe('arguments', () => {
  it('reads kafka-configs lists, with brackets around list values', () => {
    assert.deepEqual(parseConfigList('a=1,b=[x,y],c=,d=k=v'), [['a', '1'], ['b', 'x,y'], ['c', ''], ['d', 'k=v']]);
    assert.throws(() => parseConfigList('a=1,b'), /expected key=value, got "b"/);
  });

  it('collects key=value pairs, keeping "=" in values', () => {
    assert.deepEqual(collectKeyValue('x=a=b', [['w', '1']]), [['w', '1'], ['x', 'a=b']]);
    assert.throws(() => collectKeyValue('=a', undefined), /expected key=value/);
  });

  it('parses whole numbers strictly', () => {
    assert.equal(parseNonNegativeInt('42'), 42);
    assert.equal(parseInteger('-3'), -3);
    for (const bad of ['', '1.5', '1e3', '-1', '0x10', '99999999999999999999']) assert.throws(() => parseNonNegativeInt(bad), bad);
  });
});

import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';
import { errorMessage } from './error-message';

describe('canonicalJson', () => {
  it('sorts keys at every level, drops undefined properties, writes typed arrays as arrays', () => {
    const value = { b: [1, undefined, { d: 2, c: null }], a: new Float64Array([0.5, 2]), z: undefined };
    expect(canonicalJson(value)).toBe('{"a":[0.5,2],"b":[1,null,{"c":null,"d":2}]}');
    expect(canonicalJson({ y: 1, x: [true] }, 2)).toBe('{\n  "x": [\n    true\n  ],\n  "y": 1\n}');
  });

  it('keeps a __proto__ key as data and renders a bare undefined as null', () => {
    const tree = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    expect(canonicalJson(tree)).toBe('{"__proto__":{"polluted":true},"a":1}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(canonicalJson(undefined)).toBe('null');
  });
});

describe('errorMessage', () => {
  it('is the message of an Error and the string of anything else', () => {
    expect(errorMessage(new RangeError('too big'))).toBe('too big');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage(42)).toBe('42');
  });
});

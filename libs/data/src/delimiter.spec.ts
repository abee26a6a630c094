import { describe, expect, it } from 'vitest';
import { detectDelimiter, splitHeaderLine } from './delimiter';

describe('detectDelimiter', () => {
  it('picks the delimiter that splits the header most, ignoring quoted ones', () => {
    expect(detectDelimiter('a,b,c')).toBe(',');
    expect(detectDelimiter('"fixed acidity";"volatile acidity";"quality"')).toBe(';');
    expect(detectDelimiter('a\tb\tc')).toBe('\t');
    expect(detectDelimiter('a|b|c')).toBe('|');
    // the commas are inside quotes: the file is ;-separated
    expect(detectDelimiter('"a,b,c";"d,e";f')).toBe(';');
    expect(detectDelimiter('only')).toBe(',');
    expect(detectDelimiter('a,b;c')).toBe(',');
  });

  it('splits a header with quotes and doubled quotes, and leaves odd quoting to csv-parse', () => {
    expect(splitHeaderLine('"fixed acidity"; pH ;"say ""hi"""', ';')).toEqual([
      'fixed acidity',
      'pH',
      'say "hi"',
    ]);
    expect(splitHeaderLine('"a;b";c;', ';')).toEqual(['a;b', 'c', '']);
    expect(splitHeaderLine('a', ';')).toEqual(['a']);
    for (const odd of ['"open;b', 'a"b;c', '"a"x;b', ' "a";b'])
      expect(splitHeaderLine(odd, ';')).toBeUndefined();
  });
});

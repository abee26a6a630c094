import { describe, expect, it } from 'vitest';
import { parseDuration, parseSize } from './units';

describe('parseSize', () => {
  it('reads binary and decimal units', () => {
    expect(parseSize('512MiB')).toBe(536_870_912);
    expect(parseSize('10GiB')).toBe(10_737_418_240);
    expect(parseSize('1.5KB')).toBe(1500);
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize('2 k')).toBe(2048);
  });
  it('names the option on bad input', () => {
    expect(() => parseSize('12 parsecs', '--max-body')).toThrow(/^--max-body: cannot read size '12 parsecs'/);
    expect(() => parseSize('-1MiB', '--max-size')).toThrow(/--max-size/);
  });
});

describe('parseDuration', () => {
  it('reads ms, s, m, h, d, w', () => {
    expect(parseDuration('30d')).toBe(2_592_000_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('2w')).toBe(1_209_600_000);
  });
  it('rejects a missing unit', () => {
    expect(() => parseDuration('30', '--max-age')).toThrow(
      "--max-age: cannot read duration '30'; use a number with ms, s, m, h, d or w (e.g. 30d)",
    );
  });
});

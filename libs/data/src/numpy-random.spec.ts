import { beforeAll, describe, expect, it } from 'vitest';
import { NumpyRandomState } from './numpy-random';
import { runPython, SKIP_SKLEARN } from './test-python';

// One script draws every sequence numpy-side; the spec replays the same calls, in the same order,
// on the port. Interleaving calls checks that each consumes exactly numpy's number of words.
const SCRIPT = `
import sys, json, numpy as np
out = {}
for name, seed in json.load(sys.stdin):
    rs = np.random.RandomState(seed)
    words = rs.randint(0, 2**32, size=700, dtype=np.uint64).tolist()
    samples = rs.random_sample(5).tolist()
    ints = [rs.randint(0, 10), rs.randint(-5, 7), rs.randint(0, 1000003), rs.randint(3, 4), rs.randint(0, 2**40), rs.randint(0, 2**32), rs.randint(7)]
    perms = [rs.permutation(k).tolist() for k in (0, 1, 2, 5, 17, 100)]
    arr = list(range(10, 40))
    rs.shuffle(arr)
    choice = rs.choice(np.array([4, 8, 15, 16, 23, 42]), size=3, replace=False).tolist()
    out[name] = dict(words=words, samples=samples, ints=ints, perms=perms, shuffled=arr, choice=choice, after=rs.random_sample())
print(json.dumps(out))
`;

const SEEDS: [string, number | number[]][] = [
  ['0', 0],
  ['1', 1],
  ['42', 42],
  ['2**31-1', 2 ** 31 - 1],
  ['2**32-1', 2 ** 32 - 1],
  ['[1, 2, 3]', [1, 2, 3]],
];

interface Draws {
  words: number[];
  samples: number[];
  ints: number[];
  perms: number[][];
  shuffled: number[];
  choice: number[];
  after: number;
}

describe.skipIf(SKIP_SKLEARN)('NumpyRandomState matches np.random.RandomState', () => {
  let numpy: Record<string, Draws>;
  beforeAll(() => {
    numpy = runPython<Record<string, Draws>>(SCRIPT, SEEDS);
  });

  it.each(SEEDS)('seed %s: raw words, random_sample, randint, permutation, shuffle, choice', (name, seed) => {
    const expected = numpy[name];
    const rs = new NumpyRandomState(seed);
    // 700 words cross one regeneration of the 624-word state
    expect(Array.from({ length: 700 }, () => rs.nextUint32())).toEqual(expected.words);
    expect(Array.from({ length: 5 }, () => rs.randomSample())).toEqual(expected.samples);
    expect([
      rs.randint(0, 10),
      rs.randint(-5, 7),
      rs.randint(0, 1000003),
      rs.randint(3, 4),
      rs.randint(0, 2 ** 40),
      rs.randint(0, 2 ** 32),
      rs.randint(7),
    ]).toEqual(expected.ints);
    expect([0, 1, 2, 5, 17, 100].map((k) => Array.from(rs.permutation(k)))).toEqual(expected.perms);
    const arr = Array.from({ length: 30 }, (_, i) => 10 + i);
    rs.shuffle(arr);
    expect(arr).toEqual(expected.shuffled);
    expect(rs.choiceWithoutReplacement([4, 8, 15, 16, 23, 42], 3)).toEqual(expected.choice);
    expect(rs.randomSample()).toBe(expected.after);
  });
});

describe('NumpyRandomState', () => {
  it('gives MT19937 reference outputs for init_genrand(5489)', () => {
    // the first outputs of the reference mt19937ar.c with its default seed
    const rs = new NumpyRandomState(5489);
    expect([rs.nextUint32(), rs.nextUint32(), rs.nextUint32()]).toEqual([3499211612, 581869302, 3890346734]);
  });

  it('refuses seeds numpy refuses', () => {
    expect(() => new NumpyRandomState(-1)).toThrow(
      'random_state must be an integer from 0 to 4294967295 (2**32 - 1), as numpy requires (got -1)',
    );
    expect(() => new NumpyRandomState(2 ** 32)).toThrow('(got 4294967296)');
    expect(() => new NumpyRandomState(1.5)).toThrow('(got 1.5)');
    expect(() => new NumpyRandomState([])).toThrow('random_state array must not be empty');
    expect(() => new NumpyRandomState([1, -2])).toThrow('random_state[1] must be an integer');
    expect(() => new NumpyRandomState(0).randint(5, 5)).toThrow('low < high (got 5, 5)');
  });
});

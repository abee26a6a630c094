import { describe, expect, it } from 'vitest';
import { renderConfusionMatrixSvg } from './confusion-svg';

describe('renderConfusionMatrixSvg', () => {
  it('draws every count, both axes and an escaped title', () => {
    const svg = renderConfusionMatrixSvg(
      {
        labels: [5, 6, 7],
        matrix: [
          [101, 12, 3],
          [27, 88, 0],
          [4, 19, 45],
        ],
      },
      { title: 'logreg <test> & friends' },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const cellTexts = [...svg.matchAll(/<text[^>]*>(\d+)<\/text>/g)].map((m) => Number(m[1]));
    for (const v of [101, 12, 3, 27, 88, 0, 4, 19, 45]) expect(cellTexts).toContain(v);
    expect(svg.match(/<rect x=/g)).toHaveLength(9);
    expect(svg).toContain('>predicted</text>');
    expect(svg).toContain('>true</text>');
    expect(svg).toContain('logreg &lt;test&gt; &amp; friends');
    expect(svg).not.toMatch(/<script|href=/);
  });

  it('handles an all-zero matrix', () => {
    const svg = renderConfusionMatrixSvg({
      labels: [0, 1],
      matrix: [
        [0, 0],
        [0, 0],
      ],
    });
    expect(svg).not.toContain('NaN');
    expect(svg.match(/fill="rgb\(255,255,255\)"/g)).toHaveLength(4);
  });

  it('names the axes with class names; long names widen the margin and slant under the columns', () => {
    const matrix = [
      [3, 2],
      [5, 4],
    ];
    const plain = renderConfusionMatrixSvg({ labels: [0, 1], matrix });
    const short = renderConfusionMatrixSvg({ labels: [0, 1], names: ['cat', 'dog'], matrix });
    // Short names: the layout of numeric labels, only the texts differ.
    expect(short).toBe(plain.replace(/>0<\/text>/g, '>cat</text>').replace(/>1<\/text>/g, '>dog</text>'));
    const long = renderConfusionMatrixSvg({ labels: [0, 1], names: ['Iris-versicolor', 'a<b'], matrix });
    expect(long.match(/>Iris-versicolor<\/text>/g)).toHaveLength(2);
    expect(long).toContain('>a&lt;b</text>');
    expect(long).toMatch(/transform="rotate\(35 /);
    const width = (svg: string) => Number(/width="(\d+)"/.exec(svg)![1]);
    expect(width(long)).toBeGreaterThan(width(plain));
    // the row labels end left of the first column
    const left = Number(/<rect x="(\d+)" y="\d+" width="48"/.exec(long)![1]);
    expect(left).toBeGreaterThanOrEqual(20 + 'Iris-versicolor'.length * 7.5);
  });
});

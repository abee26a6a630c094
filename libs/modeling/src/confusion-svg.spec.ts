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
});

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Self-contained SVG heat map (no scripts, no external fonts or CSS): rows = true label,
 * columns = predicted label, each cell shows its count; darker = more.
 */
export function renderConfusionMatrixSvg(
  cm: { labels: number[]; matrix: number[][] },
  opts: { title?: string } = {},
): string {
  const cell = 48;
  const m = cm.labels.length;
  const left = 90;
  const top = opts.title ? 70 : 40;
  const width = left + m * cell + 20;
  const height = top + m * cell + 60;
  let max = 0;
  for (const row of cm.matrix) for (const v of row) max = Math.max(max, v);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">`,
  );
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  if (opts.title) {
    parts.push(
      `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(opts.title)}</text>`,
    );
  }
  cm.matrix.forEach((row, i) => {
    row.forEach((v, j) => {
      const t = max === 0 ? 0 : v / max;
      // white -> dark blue
      const r = Math.round(255 - t * (255 - 8));
      const g = Math.round(255 - t * (255 - 48));
      const b = Math.round(255 - t * (255 - 107));
      const x = left + j * cell;
      const y = top + i * cell;
      parts.push(
        `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="rgb(${r},${g},${b})" stroke="#cccccc"/>`,
      );
      parts.push(
        `<text x="${x + cell / 2}" y="${y + cell / 2 + 5}" text-anchor="middle" fill="${t > 0.5 ? '#ffffff' : '#000000'}">${v}</text>`,
      );
    });
  });
  cm.labels.forEach((label, k) => {
    const text = escapeXml(String(label));
    parts.push(`<text x="${left - 8}" y="${top + k * cell + cell / 2 + 5}" text-anchor="end">${text}</text>`);
    parts.push(
      `<text x="${left + k * cell + cell / 2}" y="${top + m * cell + 18}" text-anchor="middle">${text}</text>`,
    );
  });
  parts.push(
    `<text x="${left + (m * cell) / 2}" y="${top + m * cell + 44}" text-anchor="middle" font-weight="bold">predicted</text>`,
  );
  const cy = top + (m * cell) / 2;
  parts.push(
    `<text x="24" y="${cy}" text-anchor="middle" font-weight="bold" transform="rotate(-90 24 ${cy})">true</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

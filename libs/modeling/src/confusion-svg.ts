function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Self-contained SVG heat map (no scripts, no external fonts or CSS): rows = true label,
 * columns = predicted label, each cell shows its count; darker = more.
 */
export function renderConfusionMatrixSvg(
  cm: { labels: number[]; names?: string[]; matrix: number[][] },
  opts: { title?: string } = {},
): string {
  const cell = 48;
  const m = cm.labels.length;
  // Class names (text labels) may be long: the row labels get the room they need, and column labels
  // are slanted when they would not fit under a cell. Numeric labels keep the original layout.
  const texts = cm.labels.map((label, k) => cm.names?.[k] ?? String(label));
  const longest = Math.max(0, ...texts.map((t) => t.length));
  const left = Math.max(90, 20 + Math.ceil(longest * 7.5));
  const slant = cm.names !== undefined && longest * 7.5 > cell - 4;
  const below = slant ? 24 + Math.ceil(longest * 5.5) : 0;
  const top = opts.title ? 70 : 40;
  const width = left + m * cell + 20 + (slant ? Math.ceil(longest * 5.5) : 0);
  const height = top + m * cell + 60 + below;
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
  texts.forEach((label, k) => {
    const text = escapeXml(label);
    parts.push(`<text x="${left - 8}" y="${top + k * cell + cell / 2 + 5}" text-anchor="end">${text}</text>`);
    const x = left + k * cell + cell / 2;
    const y = top + m * cell + 18;
    parts.push(
      slant
        ? `<text x="${x}" y="${y}" text-anchor="start" transform="rotate(35 ${x} ${y})">${text}</text>`
        : `<text x="${x}" y="${y}" text-anchor="middle">${text}</text>`,
    );
  });
  parts.push(
    `<text x="${left + (m * cell) / 2}" y="${top + m * cell + 44 + below}" text-anchor="middle" font-weight="bold">predicted</text>`,
  );
  const cy = top + (m * cell) / 2;
  parts.push(
    `<text x="24" y="${cy}" text-anchor="middle" font-weight="bold" transform="rotate(-90 24 ${cy})">true</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

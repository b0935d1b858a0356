// Plain-text table and number formatting for the benchmark report.

const MIB = 1024 * 1024;

export function formatInteger(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

export function formatMiB(bytes: number | undefined): string {
  return bytes === undefined ? "n/a" : `${(bytes / MIB).toFixed(1)} MiB`;
}

export function toMiB(bytes: number): number {
  return bytes / MIB;
}

export function formatRatio(ratio: number | undefined): string {
  return ratio === undefined ? "n/a" : `${ratio.toFixed(2)}x`;
}

/** Left-aligns the first `leftColumns` columns and right-aligns the rest. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], leftColumns = 1): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? cell.length;
        return column < leftColumns ? cell.padEnd(width) : cell.padStart(width);
      })
      .join("  ")
      .trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  return [line(header), rule, ...rows.map(line)].join("\n");
}

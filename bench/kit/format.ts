// Plain-text tables, numbers and ratios for the benchmark reports, and the machine they ran on.
import { arch, cpus, loadavg, platform, release } from "node:os";

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

/** A rate (items per second) with one decimal, "n/a" when unknown. */
export function formatRate(value: number | undefined): string {
  return value === undefined || Number.isNaN(value) ? "n/a" : value.toFixed(1);
}

export function formatRatio(ratio: number | undefined): string {
  return ratio === undefined ? "n/a" : `${ratio.toFixed(2)}x`;
}

/** The subject's figure over the baseline's, as the reports give every comparison; undefined when either is unknown or the baseline is 0. */
export function ratioOf(subject: number | undefined, baseline: number | undefined): number | undefined {
  return subject === undefined || baseline === undefined || baseline === 0 ? undefined : subject / baseline;
}

/** Left-aligns the first `leftColumns` columns and right-aligns the rest. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], leftColumns = 1): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
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

/** 1, 5 and 15 minute load averages: anything else busy on the machine skews the figures. */
function formatLoad(): string {
  return loadavg()
    .map((load) => load.toFixed(2))
    .join(" / ");
}

export function formatMs(ms: number | undefined, digits = 2): string {
  return ms === undefined || Number.isNaN(ms) ? "n/a" : ms.toFixed(digits);
}

export function verdict(met: boolean): string {
  return met ? "met" : "NOT MET";
}

/** A report's closing line: how long the run took, and how busy the machine was at its end. */
export function describeWallTime(totalMs: number): string {
  return `Total wall time ${(totalMs / 1000).toFixed(1)} s; load average now ${formatLoad()} (other busy processes skew the figures)`;
}

/** The first line of every benchmark: what it ran on, and how busy the machine was. */
export function describeMachine(): string {
  const cpuList = cpus();
  return `Node ${process.version} on ${platform()} ${arch()}, ${cpuList.length} CPUs (${cpuList[0]?.model.trim() ?? "unknown"}), load average ${formatLoad()}`;
}

/** The machine, as the JSON results record it. */
export function machineJson() {
  const cpuList = cpus();
  return {
    node: process.version,
    platform: platform(),
    release: release(),
    arch: arch(),
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model ?? "unknown",
    loadAverageAtEnd: loadavg(),
  };
}

/** A percentage without decimals, "n/a" when unknown. */
export function formatPercent(value: number | undefined): string {
  return value === undefined || Number.isNaN(value) ? "n/a" : `${value.toFixed(0)}%`;
}

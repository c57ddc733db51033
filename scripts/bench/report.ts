// The figures of a bench run: each one beside a floor measured in the same run, as a ratio; printed as
// a Markdown table (pasteable into docs/performance.md) and written as JSON records.
import { writeFile } from "node:fs/promises";

/**
 * Nearest-rank percentile (p in 0..100) of `values`; NaN when there are none.
 *
 * @example
 * percentile([5, 1, 3], 50) // 3
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** One figure of `pnpm bench --json`: `ratio` is value / floor (null when the floor is 0). */
export interface Figure {
  figure: string;
  value: number;
  unit: string;
  floor: number;
  /** Set only when the floor is not in the value's unit. */
  floorUnit?: string;
  ratio: number | null;
  /** Which way is better, so a reader knows whether a ratio above 1 is good news. */
  better: "lower" | "higher";
  /** What the floor is: which plain-library run in the same bench run measured it. */
  floorIs: string;
  note?: string;
  /** Anything else worth keeping with the figure (sample counts, breakdowns). */
  details?: Record<string, unknown>;
}

export function figure(input: Omit<Figure, "ratio">): Figure {
  const { figure: name, value, unit, floor, floorUnit, ...rest } = input;
  return {
    figure: name,
    value,
    unit,
    floor,
    ...(floorUnit ? { floorUnit } : {}),
    ratio: floor === 0 ? null : value / floor,
    ...rest,
  };
}

function formatNumber(value: number, unit: string): string {
  if (!Number.isFinite(value)) return "—";
  const digits = unit === "ms" ? (value < 10 ? 2 : value < 100 ? 1 : 0) : value < 10 ? 1 : 0;
  const text = value.toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return `${text} ${unit}`;
}

function formatRatio(f: Figure): string {
  if (f.ratio === null) return f.value === 0 ? "= floor (0)" : "— (floor 0)";
  if (f.better === "higher") return `${(f.ratio * 100).toFixed(f.ratio < 0.1 ? 1 : 0)} % of floor`;
  return `${f.ratio.toFixed(f.ratio < 10 ? 2 : 1)}×`;
}

/** The figures as a Markdown table: figure | InstallHub | floor | ratio | note. */
export function markdownTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.figure,
    formatNumber(f.value, f.unit),
    `${formatNumber(f.floor, f.floorUnit ?? f.unit)} (${f.floorIs})`,
    formatRatio(f),
    f.note ?? "",
  ]);
  const header = ["figure", "InstallHub", "floor, same run", "ratio", "note"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export async function writeJson(file: string, figures: readonly Figure[], run: object): Promise<void> {
  await writeFile(
    file,
    `${JSON.stringify(
      figures.map((f) => ({ ...f, run })),
      null,
      2,
    )}\n`,
  );
}

/**
 * How a benchmark hands back its figures: it prints them for a person, then one `BENCH_RESULT {json}`
 * line that bench/run.ts collects. Run alone with `--json <file>`, a benchmark also writes that file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Figure {
    /** What was measured, e.g. `list 100k users: throughput`. */
    name: string;
    value: number;
    unit: string;
}

export interface BenchResult {
    bench: string;
    figures: Figure[];
    /** Conditions a reader needs to interpret the figures (settings changed, workload size). */
    notes: string[];
}

export const RESULT_PREFIX = 'BENCH_RESULT ';

/** Prints the figures as aligned lines, then the machine-readable line; writes `--json <file>` if given. */
export function publish(result: BenchResult): void {
    const width = Math.max(...result.figures.map((f) => f.name.length));
    console.log(`\n${result.bench}:`);
    for (const figure of result.figures) console.log(`  ${figure.name.padEnd(width)}  ${format(figure)}`);
    for (const note of result.notes) console.log(`  note: ${note}`);
    console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
    const at = process.argv.indexOf('--json');
    const file = at === -1 ? undefined : process.argv[at + 1];
    if (file !== undefined) {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    }
}

export function format(figure: Figure): string {
    const digits = Math.abs(figure.value) >= 100 || Number.isInteger(figure.value) ? 0 : 1;
    return `${figure.value.toLocaleString('en-US', { maximumFractionDigits: digits })} ${figure.unit}`;
}

/** Milliseconds since `start` (a performance.now() reading), to one decimal. */
export function since(start: number): number {
    return Math.round((performance.now() - start) * 10) / 10;
}

export function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The value below which `p` percent of `values` fall (nearest rank). */
export function percentile(values: number[], p: number): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

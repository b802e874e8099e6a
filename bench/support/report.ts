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

/** One of issue 11's goals, as measured: met or missed, and for a missed one what limits it. */
export interface Goal {
    name: string;
    measured: number;
    unit: string;
    /** The goal as written, e.g. `≤ 1.15`. */
    goal: string;
    met: boolean;
    /** Where the time (or memory) goes, from the run's own profile; always given for a missed goal. */
    limitedBy?: string;
}

export interface BenchResult {
    bench: string;
    figures: Figure[];
    /** Conditions a reader needs to interpret the figures (settings changed, workload size). */
    notes: string[];
    goals?: Goal[];
    /** Settings the figures depend on (sizes, latency, budgets, repetitions), for the results file. */
    settings?: Record<string, unknown>;
}

export const RESULT_PREFIX = 'BENCH_RESULT ';

/** Prints the figures as aligned lines, then the machine-readable line; writes `--json <file>` if given. */
export function publish(result: BenchResult): void {
    const width = Math.max(...result.figures.map((f) => f.name.length));
    console.log(`\n${result.bench}:`);
    for (const figure of result.figures) console.log(`  ${figure.name.padEnd(width)}  ${format(figure)}`);
    for (const note of result.notes) console.log(`  note: ${note}`);
    for (const goal of result.goals ?? [])
        console.log(
            `  goal ${goal.met ? 'met   ' : 'MISSED'} ${goal.name}: ${round3(goal.measured)} ${goal.unit} (goal ${goal.goal})` +
                (goal.limitedBy ? `; limited by ${goal.limitedBy}` : ''),
        );
    console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
    const at = process.argv.indexOf('--json');
    const file = at === -1 ? undefined : process.argv[at + 1];
    if (file !== undefined) {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    }
}

export function format(figure: Figure): string {
    // A ratio (no unit) keeps three decimals; a quantity one, or none from 100 on.
    const digits = figure.unit === '' ? 3 : Math.abs(figure.value) >= 100 || Number.isInteger(figure.value) ? 0 : 1;
    return `${figure.value.toLocaleString('en-US', { maximumFractionDigits: digits })} ${figure.unit}`.trim();
}

/** Three significant decimals at most, for ratios. */
export function round3(value: number): number {
    return Math.round(value * 1000) / 1000;
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

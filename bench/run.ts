/**
 * `npm run bench`: runs every benchmark in bench/ (each `bench/*.ts` but this file) one after the
 * other, each in its own node process so that each starts with a clean heap and nothing it leaves
 * behind skews the next. Prints a summary, then the goals of issue 11 as a markdown table, and writes
 * .local/bench-results.json (date, machine, Node version, load, every figure).
 *
 *   npm run bench                    build, then every benchmark; also writes bench/results/latest.json
 *   npm run bench -- --large         the big sizes too; also writes bench/results/latest-large.json
 *   npm run bench -- graph startup   only the benchmarks whose file name contains one of the words
 *                                    (bench/results/ is left as it is: it holds complete runs only)
 *   npm run bench -- --reps 1        one repetition of each product benchmark instead of their default
 *                                    (a quick look; bench/results/ is left as it is)
 *
 * Children get NODE_EXTRA_CA_CERTS (the simulator's CA, created here if missing), `--large` when given,
 * and `--expose-gc` when their header's run line says so. A benchmark's header may give its own time
 * limit (`time limit: 900 s, with --large 14400 s`); otherwise it gets DEFAULT_TIME_LIMIT_S. Exits 1 if
 * a benchmark failed or ran past its time limit (a missed goal is a result, not a failure).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { basename, join, relative } from 'node:path';

import { ManagedChild } from '../dev/shared/childProcess';
import { DEFAULT_TLS_DIR, ensureTlsMaterial } from '../dev/tls/certificates';
import { type BenchResult, format, type Goal, RESULT_PREFIX } from './support/report';

const REPO_ROOT = join(__dirname, '..');
const LOCAL_RESULTS = join(REPO_ROOT, '.local', 'bench-results.json');
const DEFAULT_TIME_LIMIT_S = 90;
/** The simulator's seed (dev/sim/simulator.ts default): every generated tenant, user and id derives from it. */
const SIMULATOR_SEED = 'tenant-sync';

interface Outcome extends Partial<BenchResult> {
    file: string;
    ok: boolean;
    seconds: number;
    /** 1-minute load average before and after (2 cores: above 2 means other work waited for a core). */
    load: { before: number; after: number };
    error?: string;
}

async function main(): Promise<void> {
    const args = process.argv.slice(2);
    const large = args.includes('--large');
    const repsAt = args.indexOf('--reps');
    const reps = repsAt === -1 ? undefined : args[repsAt + 1];
    const filters = args.filter((arg, i) => !arg.startsWith('--') && (repsAt === -1 || i !== repsAt + 1));
    const files = readdirSync(__dirname)
        .filter((f) => f.endsWith('.ts') && f !== basename(__filename))
        .filter((f) => filters.length === 0 || filters.some((word) => f.includes(word)))
        .sort();
    if (files.length === 0) throw new Error(`no benchmark matches ${filters.join(', ')}`);
    const tls = await ensureTlsMaterial(DEFAULT_TLS_DIR);
    const started = performance.now();

    const outcomes: Outcome[] = [];
    for (const file of files) outcomes.push(await runOne(file, tls.caCertPath, large, reps));
    const totalSeconds = Math.round((performance.now() - started) / 100) / 10;

    printSummary(outcomes, totalSeconds);
    const goals = outcomes.flatMap((o) => (o.goals ?? []).map((goal) => ({ benchmark: o.bench ?? o.file, ...goal })));
    const cpu = cpus();
    const results = {
        date: new Date().toISOString(),
        machine: {
            platform: `${process.platform} ${process.arch}`,
            cpu: { model: cpu[0]?.model.trim() ?? 'unknown', count: cpu.length },
            memoryGB: Math.round(totalmem() / 2 ** 30),
        },
        node: process.version,
        seed: SIMULATOR_SEED,
        large,
        ...(reps === undefined ? {} : { repetitions: Number(reps) }),
        totalSeconds,
        load: { note: '1-minute load averages; other work shares the cores', ...loadSummary(outcomes) },
        settings: Object.fromEntries(outcomes.map((o) => [o.bench ?? o.file, o.settings ?? {}])),
        goals,
        benchmarks: outcomes,
    };
    mkdirSync(join(REPO_ROOT, '.local'), { recursive: true });
    writeFileSync(LOCAL_RESULTS, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`Results written to ${relative(REPO_ROOT, LOCAL_RESULTS)}`);
    if (filters.length === 0 && reps === undefined) {
        const file = join(__dirname, 'results', large ? 'latest-large.json' : 'latest.json');
        mkdirSync(join(__dirname, 'results'), { recursive: true });
        writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
        console.log(`and to ${relative(REPO_ROOT, file)}`);
    }
    printGoals(goals, results.date);
    if (outcomes.some((o) => !o.ok)) process.exitCode = 1;
}

/** The header's `time limit: N s, with --large M s`, in ms. */
function timeLimitMs(source: string, large: boolean): number {
    const match = /time limit: (\d+) s(?:, with --large (\d+) s)?/.exec(source);
    const seconds = Number((large ? (match?.[2] ?? match?.[1]) : match?.[1]) ?? DEFAULT_TIME_LIMIT_S);
    return seconds * 1000;
}

async function runOne(file: string, caCertPath: string, large: boolean, reps: string | undefined): Promise<Outcome> {
    const path = join(__dirname, file);
    const source = readFileSync(path, 'utf8');
    // Only benchmarks that take --reps (through support/stack.ts repetitions()) get it: sim-memory
    // reads any bare number as its tenant size.
    const childArgs = [
        ...(large ? ['--large'] : []),
        ...(reps !== undefined && source.includes('repetitions(') ? ['--reps', reps] : []),
    ];
    const gc = source.includes('--expose-gc') ? ['--expose-gc'] : [];
    const limitMs = timeLimitMs(source, large);
    console.log(`\n=== ${file} ${'='.repeat(Math.max(0, 60 - file.length))}`);
    const loadBefore = round2(loadavg()[0] ?? 0);
    const started = performance.now();
    let result: BenchResult | undefined;
    const child = new ManagedChild({
        name: file,
        nodeArgs: [...gc, '--import', 'tsx', path, ...childArgs],
        cwd: REPO_ROOT,
        env: { ...process.env, NODE_EXTRA_CA_CERTS: caCertPath },
        onLine: (line) => {
            if (line.startsWith(RESULT_PREFIX)) result = JSON.parse(line.slice(RESULT_PREFIX.length)) as BenchResult;
            else console.log(`  ${line}`);
        },
    });
    let timedOut = false;
    const timer = setTimeout(() => {
        timedOut = true;
        void child.stop();
    }, limitMs);
    const exit = await child.exited;
    clearTimeout(timer);
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    const error = timedOut
        ? `stopped after the ${limitMs / 1000} s limit`
        : exit.code !== 0
          ? `exited with ${exit.signal ?? `code ${exit.code}`}`
          : result === undefined
            ? `printed no ${RESULT_PREFIX.trim()} line`
            : undefined;
    const load = { before: loadBefore, after: round2(loadavg()[0] ?? 0) };
    return { file, ok: error === undefined, seconds, load, ...(result ?? {}), ...(error ? { error } : {}) };
}

function loadSummary(outcomes: Outcome[]): { min: number; max: number } {
    const values = outcomes.flatMap((o) => [o.load.before, o.load.after]);
    return { min: Math.min(...values), max: Math.max(...values) };
}

function printSummary(outcomes: Outcome[], totalSeconds: number): void {
    const rows: string[][] = [['benchmark', 'figure', 'value']];
    for (const outcome of outcomes) {
        const name = `${outcome.bench ?? outcome.file} (${outcome.seconds} s)`;
        if (outcome.error) rows.push([name, 'FAILED', outcome.error]);
        for (const figure of outcome.figures ?? []) rows.push([name, figure.name, format(figure)]);
    }
    const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
    const line = (row: string[]) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ');
    console.log(`\n${'='.repeat(72)}\nSummary (${totalSeconds} s in all)\n`);
    rows.forEach((row, i) => {
        const previous = rows[i - 1];
        // The benchmark's name only on its first row.
        console.log(line(i > 1 && previous?.[0] === row[0] ? ['', ...row.slice(1)] : row));
        if (i === 0) console.log(line(widths.map((w) => '-'.repeat(w)).concat('-----')));
    });
    console.log('');
}

/** The goals as the markdown table docs/benchmarks.md shows. */
function printGoals(goals: Array<Goal & { benchmark: string }>, date: string): void {
    if (goals.length === 0) return;
    const cell = (text: string) => text.replace(/\|/g, '\\|');
    console.log(`\nGoals (${date.slice(0, 10)})\n`);
    console.log('| Goal | Measured | Goal | Met | What limits it |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const goal of goals) {
        // Ratios keep their three decimals; the rest as the summary shows them.
        const measured =
            goal.unit === ''
                ? String(goal.measured)
                : format({ name: goal.name, value: goal.measured, unit: goal.unit });
        console.log(
            `| ${cell(goal.name)} | ${measured} | ${goal.goal} | ${goal.met ? 'met' : '**missed**'} | ${cell(goal.limitedBy ?? '')} |`,
        );
    }
    console.log('');
}

function round2(n: number): number {
    return Math.round(n * 100) / 100;
}

main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});

/**
 * `npm run bench`: runs every benchmark in bench/ (each `bench/*.ts` but this file) one after the
 * other, each in its own node process so that each starts with a clean heap and nothing it leaves
 * behind skews the next. Prints a summary table and writes .local/bench-results.json (date, Node
 * version, CPU, every figure). Exits 1 if a benchmark failed or ran past its time limit.
 *
 *   npm run bench                    build, then every benchmark
 *   npm run bench -- graph startup   only the benchmarks whose file name contains one of the words
 *
 * Children get NODE_EXTRA_CA_CERTS (the simulator's CA, created here if missing) and, when their
 * header's run line says so, `--expose-gc`.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { basename, join } from 'node:path';

import { ManagedChild } from '../dev/shared/childProcess';
import { DEFAULT_TLS_DIR, ensureTlsMaterial } from '../dev/tls/certificates';
import { type BenchResult, format, RESULT_PREFIX } from './support/report';

const REPO_ROOT = join(__dirname, '..');
const RESULTS_FILE = join(REPO_ROOT, '.local', 'bench-results.json');
/** A benchmark should take well under a minute; past this it is stopped and counted as failed. */
const TIME_LIMIT_MS = 90_000;

interface Outcome extends Partial<BenchResult> {
    file: string;
    ok: boolean;
    seconds: number;
    error?: string;
}

async function main(): Promise<void> {
    const filters = process.argv.slice(2);
    const files = readdirSync(__dirname)
        .filter((f) => f.endsWith('.ts') && f !== basename(__filename))
        .filter((f) => filters.length === 0 || filters.some((word) => f.includes(word)))
        .sort();
    if (files.length === 0) throw new Error(`no benchmark matches ${filters.join(', ')}`);
    const tls = await ensureTlsMaterial(DEFAULT_TLS_DIR);
    const started = performance.now();

    const outcomes: Outcome[] = [];
    for (const file of files) outcomes.push(await runOne(file, tls.caCertPath));
    const totalSeconds = Math.round((performance.now() - started) / 100) / 10;

    printSummary(outcomes, totalSeconds);
    const cpu = cpus();
    mkdirSync(join(REPO_ROOT, '.local'), { recursive: true });
    const results = {
        date: new Date().toISOString(),
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
        cpu: { model: cpu[0]?.model.trim() ?? 'unknown', count: cpu.length },
        memoryGB: Math.round(totalmem() / 2 ** 30),
        totalSeconds,
        benchmarks: outcomes,
    };
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`Results written to ${RESULTS_FILE}`);
    if (outcomes.some((o) => !o.ok)) process.exitCode = 1;
}

async function runOne(file: string, caCertPath: string): Promise<Outcome> {
    const path = join(__dirname, file);
    const gc = readFileSync(path, 'utf8').includes('--expose-gc') ? ['--expose-gc'] : [];
    console.log(`\n=== ${file} ${'='.repeat(Math.max(0, 60 - file.length))}`);
    const started = performance.now();
    let result: BenchResult | undefined;
    const child = new ManagedChild({
        name: file,
        nodeArgs: [...gc, '--import', 'tsx', path],
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
    }, TIME_LIMIT_MS);
    const exit = await child.exited;
    clearTimeout(timer);
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    const error = timedOut
        ? `stopped after the ${TIME_LIMIT_MS / 1000} s limit`
        : exit.code !== 0
          ? `exited with ${exit.signal ?? `code ${exit.code}`}`
          : result === undefined
            ? `printed no ${RESULT_PREFIX.trim()} line`
            : undefined;
    return { file, ok: error === undefined, seconds, ...(result ?? {}), ...(error ? { error } : {}) };
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

main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});

/**
 * The product's full and incremental sync against the limits it cannot beat (issue 11, benchmarks
 * 1–3), all in one run on one machine, with the simulator's Graph page latency on:
 *
 *   NODE_EXTRA_CA_CERTS=.local/tls/ca.pem node --import tsx bench/sync-full.ts [--large] [--reps N] [--json <file>]
 *
 * time limit: 1800 s, with --large 21600 s
 *
 * One local stack as `npm start` runs it (Azurite, the simulator, the local Functions host running
 * dist/). For each tenant size (10,000 users; --large adds 100,000), repeated `--reps` times (default 2),
 * each repetition on a new simulator tenant of that size:
 *   (a) Graph only: `/users/delta` with the sync's own `$select` (INITIAL_DELTA_PATH), page after page
 *       with plain fetch, nothing written;
 *   (b) storage only: the same users written to `Users` (a partition of their own) with the sync's own
 *       batching: UsersStore.upsert page by page, as the round writes them;
 *   (c) the real sync: a fresh worker process, then `POST /api/tenants/{id}/sync` (queue output binding)
 *       until the worker's run record says finished; profiled from the run record and the simulator's
 *       request log (queue pickup, first request, paging, completion);
 *   then 1% of the users change (creates, updates, soft and hard deletes through the control API) and a
 *   delta sync runs the same way: its time as a fraction of (c).
 * Memory: the peak RSS (VmHWM) of the host's worker process, started fresh for each sync, for a small
 * and a big tenant (2,000 and 20,000; with --large 10,000 and 100,000, taken from the (c) runs).
 */
import { randomUUID } from 'node:crypto';

import { INITIAL_DELTA_PATH } from '../src/sync/deltaRound';
import type { SyncRun } from '../src/sync/runsStore';
import { type SyncedUser, toSyncedUser } from '../src/sync/syncedUser';
import { seededRandom } from '../test/support/syncHarness';
import { type CpuProfile, cpuMeter, describeCpu } from './support/cpu';
import { graphRequestsSince, logMark, spanOf } from './support/graphLog';
import { type Figure, type Goal, median, publish, round3 } from './support/report';
import {
    type BenchStack,
    GRAPH_LATENCY,
    type Json,
    LARGE,
    memoryOf,
    startBenchStack,
    repetitions,
} from './support/stack';
import { connectTenant, newTenant, requestSync, sleep, waitForLeaseReleased, waitForRun } from './support/tenants';

const FULL_SIZES = LARGE ? [10_000, 100_000] : [10_000];
const MEMORY_SIZES: [number, number] = LARGE ? [10_000, 100_000] : [2_000, 20_000];
const REPS = repetitions(2);
const CHANGE_SEED = 11;
/** Share of the users changed before the incremental sync. */
const CHANGED = 0.01;

interface SyncTiming {
    run: SyncRun;
    /** Request sent → run finished (the run record's finishedAt), ms. */
    totalMs: number;
    /** Request sent → the worker started the run (queue pickup, lease). */
    pickupMs: number;
    /** Run started → first Graph request (token, run bookkeeping). */
    startMs: number;
    /** First Graph request → last Graph response. */
    pagingMs: number;
    /** Last Graph response → run finished (last write, checkpoint, completion of the round). */
    completionMs: number;
    graphRequests: number;
    peakRssMB: number;
    cpu: CpuProfile;
}

interface FullRep {
    size: number;
    graphMs: number;
    graphPageMs: number[];
    graphCpu: CpuProfile;
    storageMs: number;
    storagePageMs: number[];
    storageCpu: CpuProfile;
    sync: SyncTiming;
    delta: SyncTiming;
    changes: Record<string, number>;
}

async function main(): Promise<void> {
    const started = performance.now();
    const stack = await startBenchStack({ latency: GRAPH_LATENCY });
    try {
        const token = await stack.apiToken();
        const reps: FullRep[] = [];
        for (const size of FULL_SIZES)
            for (let rep = 1; rep <= REPS; rep++) {
                reps.push(await fullRep(stack, token, size, rep));
            }
        const memory = new Map<number, number[]>();
        for (const size of MEMORY_SIZES)
            memory.set(
                size,
                reps.filter((r) => r.size === size).map((r) => r.sync.peakRssMB),
            );
        for (let rep = 1; rep <= REPS && !process.argv.includes('--no-memory'); rep++)
            for (const size of MEMORY_SIZES) {
                if ((memory.get(size)?.length ?? 0) >= REPS) continue;
                console.log(`memory: ${size.toLocaleString('en-US')} users, repetition ${rep}`);
                const tenantId = await newTenant(stack.control, `Bench memory ${size} #${rep}`, size);
                await connectTenant(stack.services, tenantId);
                const sync = await syncOnce(stack, token, tenantId, true);
                if (sync.run.added !== size) throw new Error(`memory sync added ${sync.run.added} of ${size} users`);
                memory.get(size)?.push(sync.peakRssMB);
                console.log(`  ${Math.round(sync.totalMs)} ms, worker peak RSS ${sync.peakRssMB.toFixed(1)} MB`);
            }
        report(reps, memory, (performance.now() - started) / 1000);
    } catch (error) {
        console.error(stack.recentLines(40).join('\n'));
        throw error;
    } finally {
        await stack.stop();
    }
}

async function fullRep(stack: BenchStack, token: string, size: number, rep: number): Promise<FullRep> {
    const label = `${size.toLocaleString('en-US')} users, repetition ${rep}`;
    const tenantId = await newTenant(stack.control, `Bench ${size} #${rep}`, size);
    console.log(`full sync: ${label} (tenant ${tenantId})`);

    // (a) Graph only.
    const graphToken = (await stack.services.appTokens.graphToken(tenantId)).accessToken;
    const pages: SyncedUser[][] = [];
    const graphPageMs: number[] = [];
    let meter = cpuMeter(stack.pids);
    let begin = performance.now();
    for (let next: string | undefined = `${stack.settings.GRAPH_BASE_URL}${INITIAL_DELTA_PATH}`; next;) {
        const pageStart = performance.now();
        const response = await fetch(next, { headers: { authorization: `Bearer ${graphToken}` } });
        const body: Json = await response.json();
        if (!response.ok) throw new Error(`Graph ${response.status}: ${JSON.stringify(body)}`);
        pages.push(
            (body.value as Record<string, unknown>[]).map((u) => toSyncedUser(u)).filter((u) => u !== undefined),
        );
        graphPageMs.push(performance.now() - pageStart);
        next = body['@odata.nextLink'];
    }
    const graphMs = performance.now() - begin;
    const graphCpu = meter.stop();
    const fetched = pages.reduce((sum, page) => sum + page.length, 0);
    if (fetched !== size) throw new Error(`Graph returned ${fetched} users, expected ${size}`);
    console.log(`  (a) Graph only:   ${Math.round(graphMs)} ms, ${pages.length} pages; ${describeCpu(graphCpu)}`);

    // (b) Storage only: a partition that no tenant uses, written as the round writes a page.
    const partition = randomUUID();
    const storagePageMs: number[] = [];
    meter = cpuMeter(stack.pids);
    begin = performance.now();
    for (const page of pages) {
        const pageStart = performance.now();
        await stack.services.users.upsert(partition, page, 1);
        storagePageMs.push(performance.now() - pageStart);
    }
    const storageMs = performance.now() - begin;
    const storageCpu = meter.stop();
    console.log(`  (b) storage only: ${Math.round(storageMs)} ms; ${describeCpu(storageCpu)}`);

    // (c) The real sync, on a fresh worker process.
    await connectTenant(stack.services, tenantId);
    const sync = await syncOnce(stack, token, tenantId, true);
    if (sync.run.mode !== 'full' || sync.run.added !== size)
        throw new Error(`the full sync ${sync.run.mode} added ${sync.run.added} of ${size} users`);
    console.log(
        `  (c) real sync:    ${Math.round(sync.totalMs)} ms (pickup ${sync.pickupMs}, start ${sync.startMs}, paging ${sync.pagingMs}, completion ${sync.completionMs}), peak RSS ${sync.peakRssMB.toFixed(1)} MB; ${describeCpu(sync.cpu)}`,
    );

    // Incremental: 1% of the users change, then a delta sync, once the full sync's invocation has ended.
    await waitForLeaseReleased(stack.services, tenantId);
    const changes = await changeUsers(stack, tenantId, pages.flat(), Math.round(size * CHANGED), rep);
    const delta = await syncOnce(stack, token, tenantId, false);
    if (delta.run.mode !== 'delta') throw new Error(`the sync after the changes was ${delta.run.mode}`);
    console.log(
        `  delta sync after ${Object.values(changes).reduce((a, b) => a + b, 0)} changes: ${Math.round(delta.totalMs)} ms (pickup ${delta.pickupMs}, start ${delta.startMs}, paging ${delta.pagingMs}, completion ${delta.completionMs}); ${describeCpu(delta.cpu)}`,
    );
    return { size, graphMs, graphPageMs, graphCpu, storageMs, storagePageMs, storageCpu, sync, delta, changes };
}

/** A manual sync through the API, timed from the request to the run record's finishedAt. */
async function syncOnce(stack: BenchStack, token: string, tenantId: string, freshWorker: boolean): Promise<SyncTiming> {
    if (freshWorker) {
        await stack.restartWorker();
        await sleep(500);
    }
    const pid = stack.workerPid();
    const mark = await logMark(stack.control);
    const meter = cpuMeter(stack.pids);
    const requested = await requestSync(stack, tenantId, token);
    const run = await waitForRun(stack.services, tenantId, requested.runId, LARGE ? 4 * 3600_000 : 600_000, 50);
    const cpu = meter.stop();
    const peakRssMB = memoryOf(pid).peakMB;
    if (run.outcome !== 'succeeded') throw new Error(`sync ${run.runId}: ${run.outcome} ${run.errorCode ?? ''}`);
    const graph = spanOf(await graphRequestsSince(stack.control, mark, tenantId));
    const startedAt = Date.parse(run.startedAt ?? '');
    const finishedAt = Date.parse(run.finishedAt ?? '');
    return {
        run,
        totalMs: finishedAt - requested.sentAt,
        pickupMs: startedAt - requested.sentAt,
        startMs: graph.firstAt - startedAt,
        pagingMs: graph.lastEndAt - graph.firstAt,
        completionMs: finishedAt - graph.lastEndAt,
        graphRequests: graph.requests,
        peakRssMB,
        cpu,
    };
}

/** `count` changes through the control API: 30% new users, 50% updates, 10% soft and 10% hard deletes. */
async function changeUsers(
    stack: BenchStack,
    tenantId: string,
    users: SyncedUser[],
    count: number,
    seed: number,
): Promise<Record<string, number>> {
    const random = seededRandom(CHANGE_SEED * 1000 + seed);
    const ids = users.map((u) => u.id);
    const pick = () => ids.splice(Math.floor(random() * ids.length), 1)[0] ?? '';
    const done = { create: 0, update: 0, softDelete: 0, hardDelete: 0 };
    const path = `/control/tenants/${tenantId}/users`;
    for (let i = 0; i < count; i++) {
        const share = i / count;
        if (share < 0.3) {
            await stack.control('POST', path, { displayName: `Bench New ${seed}-${i}`, jobTitle: 'Analyst' });
            done.create += 1;
        } else if (share < 0.8) {
            await stack.control('PATCH', `${path}/${pick()}`, { jobTitle: `Changed ${i}`, department: 'Bench' });
            done.update += 1;
        } else if (share < 0.9) {
            await stack.control('DELETE', `${path}/${pick()}`);
            done.softDelete += 1;
        } else {
            await stack.control('DELETE', `${path}/${pick()}?permanent=true`);
            done.hardDelete += 1;
        }
    }
    return done;
}

function report(reps: FullRep[], memory: Map<number, number[]>, seconds: number): void {
    const figures: Figure[] = [];
    const goals: Goal[] = [];
    const ms = (n: number) => Math.round(n);
    const perSecond = (users: number, millis: number) => Math.round(users / (millis / 1000));
    for (const size of FULL_SIZES) {
        const runs = reps.filter((r) => r.size === size);
        const label = `${size / 1000}k`;
        const graph = median(runs.map((r) => r.graphMs));
        const storage = median(runs.map((r) => r.storageMs));
        const sync = median(runs.map((r) => r.sync.totalMs));
        const delta = median(runs.map((r) => r.delta.totalMs));
        const ratio = median(runs.map((r) => r.sync.totalMs / Math.max(r.graphMs, r.storageMs)));
        const deltaShare = median(runs.map((r) => r.delta.totalMs / r.sync.totalMs));
        const mid = (pick: (r: FullRep) => number) => ms(median(runs.map(pick)));
        figures.push(
            { name: `${label} (a) Graph only: users/s`, value: perSecond(size, graph), unit: 'users/s' },
            { name: `${label} (a) Graph only: time`, value: ms(graph), unit: 'ms' },
            {
                name: `${label} (a) Graph only: median page`,
                value: ms(median(runs.flatMap((r) => r.graphPageMs))),
                unit: 'ms',
            },
            { name: `${label} (b) storage only: users/s`, value: perSecond(size, storage), unit: 'users/s' },
            { name: `${label} (b) storage only: time`, value: ms(storage), unit: 'ms' },
            { name: `${label} (b) storage only: first page`, value: mid((r) => r.storagePageMs[0] ?? 0), unit: 'ms' },
            {
                name: `${label} (b) storage only: last page`,
                value: mid((r) => r.storagePageMs.at(-1) ?? 0),
                unit: 'ms',
            },
            { name: `${label} (c) real sync: users/s`, value: perSecond(size, sync), unit: 'users/s' },
            { name: `${label} (c) real sync: time`, value: ms(sync), unit: 'ms' },
            { name: `${label} (c) queue pickup`, value: mid((r) => r.sync.pickupMs), unit: 'ms' },
            { name: `${label} (c) run start → first Graph request`, value: mid((r) => r.sync.startMs), unit: 'ms' },
            { name: `${label} (c) first → last Graph response`, value: mid((r) => r.sync.pagingMs), unit: 'ms' },
            {
                name: `${label} (c) last Graph response → run finished`,
                value: mid((r) => r.sync.completionMs),
                unit: 'ms',
            },
            { name: `${label} c / max(a, b)`, value: round3(ratio), unit: '' },
            { name: `${label} delta sync after 1% changes: time`, value: ms(delta), unit: 'ms' },
            { name: `${label} delta sync: queue pickup`, value: mid((r) => r.delta.pickupMs), unit: 'ms' },
            {
                name: `${label} delta sync: run start → first Graph request`,
                value: mid((r) => r.delta.startMs),
                unit: 'ms',
            },
            { name: `${label} delta sync: Graph paging`, value: mid((r) => r.delta.pagingMs), unit: 'ms' },
            {
                name: `${label} delta sync: last Graph response → run finished`,
                value: mid((r) => r.delta.completionMs),
                unit: 'ms',
            },
            { name: `${label} delta sync / full sync`, value: round3(deltaShare), unit: '' },
        );
        const bound = storage > graph ? 'storage (b)' : 'Graph (a)';
        const cpuOf = (pick: (r: FullRep) => CpuProfile) =>
            (Math.round(median(runs.map((r) => pick(r).seconds.azurite ?? 0)) * 10) / 10).toFixed(1);
        const busyOf = (pick: (r: FullRep) => CpuProfile) =>
            Math.round(median(runs.map((r) => pick(r).machineBusy)) * 100);
        const othersOf = (pick: (r: FullRep) => CpuProfile) =>
            Math.round(median(runs.map((r) => pick(r).othersBusy)) * 100);
        const first = runs[0];
        goals.push(
            {
                name: `Full sync efficiency ${label}: c / max(a, b)`,
                measured: round3(ratio),
                unit: '',
                goal: '≤ 1.15',
                met: ratio <= 1.15,
                ...(ratio <= 1.15
                    ? {}
                    : {
                          limitedBy: `the bound is ${bound}; of the real sync's ${ms(sync)} ms, ${mid((r) => r.sync.pickupMs)} queue pickup, ${mid((r) => r.sync.startMs)} before the first Graph request, ${mid((r) => r.sync.pagingMs)} paging, ${mid((r) => r.sync.completionMs)} after the last Graph response (the end of the round: reading every user to find those to sweep); Azurite, single-threaded, needed ${cpuOf((r) => r.storageCpu)} CPU s for (b) and ${cpuOf((r) => r.sync.cpu)} for (c), while the machine was ${busyOf((r) => r.sync.cpu)}% busy during (c) (${othersOf((r) => r.sync.cpu)}% other work): the stack's processes share 2 cores, so fetching and writing cannot fully overlap`,
                      }),
            },
            {
                name: `Incremental cost ${label}: delta sync after 1% changes / full sync`,
                measured: round3(deltaShare),
                unit: '',
                goal: '≤ 0.05',
                met: deltaShare <= 0.05,
                ...(deltaShare <= 0.05
                    ? {}
                    : {
                          limitedBy: `of the delta sync's ${ms(delta)} ms, ${mid((r) => r.delta.pickupMs)} queue pickup, ${mid((r) => r.delta.startMs)} before the first Graph request, ${mid((r) => r.delta.pagingMs)} Graph paging, ${mid((r) => r.delta.completionMs)} after the last Graph response (changes: ${JSON.stringify(first?.changes ?? {})}); the machine was ${busyOf((r) => r.delta.cpu)}% busy (${othersOf((r) => r.delta.cpu)}% other work)`,
                      }),
            },
        );
    }
    const [small, big] = MEMORY_SIZES;
    const smallPeak = median(memory.get(small) ?? []);
    const bigPeak = median(memory.get(big) ?? []);
    const growth = bigPeak - smallPeak;
    figures.push(
        { name: `worker peak RSS, ${small / 1000}k-user sync`, value: round1(smallPeak), unit: 'MB' },
        { name: `worker peak RSS, ${big / 1000}k-user sync`, value: round1(bigPeak), unit: 'MB' },
        { name: 'worker peak RSS difference', value: round1(growth), unit: 'MB' },
    );
    goals.push({
        name: `Memory: worker peak RSS, ${big / 1000}k − ${small / 1000}k users`,
        measured: round1(growth),
        unit: 'MB',
        goal: '≤ 50',
        met: growth <= 50,
        ...(growth <= 50 ? {} : { limitedBy: 'the worker holds more per user as the tenant grows' }),
    });
    publish({
        bench: 'sync-full',
        figures,
        goals,
        notes: [
            `Graph page latency ${GRAPH_LATENCY.fixedMs} ms + ${GRAPH_LATENCY.perUserMs} ms per user (200 users a page: ${GRAPH_LATENCY.fixedMs + 200 * GRAPH_LATENCY.perUserMs} ms)`,
            `median of ${REPS} repetitions, each on a new simulator tenant; ${Math.round(seconds)} s in all`,
            'storage is Azurite (the local stack): each write looks its row up by scanning the partition (LokiJS), so a page costs more the more users the partition already holds',
            'times of (c) and the delta sync run from the sync request (POST /api/tenants/{id}/sync) to the finishedAt of the run record',
            `peak RSS = VmHWM of the host's worker process, restarted before each measured sync (values: ${[...memory].map(([s, v]) => `${s}: ${v.map(round1).join(', ')}`).join('; ')})`,
        ],
        settings: {
            fullSyncSizes: FULL_SIZES,
            memorySizes: MEMORY_SIZES,
            repetitions: REPS,
            latency: GRAPH_LATENCY,
            changeShare: CHANGED,
            changeSeed: CHANGE_SEED,
        },
    });
}

function round1(n: number): number {
    return Math.round(n * 10) / 10;
}

main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});

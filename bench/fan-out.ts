/**
 * The fan-out against its ceiling (issue 11, benchmark 4): 10,000 connected tenants in `Tenants`; the
 * time the product's fan-out (src/sync/fanOut.ts, as the timer and `POST /api/sync` run it) takes to
 * enqueue a message for each, against sending the same number of messages of the same size to the
 * same Azurite queue with the SDK — the same concurrency as the fan-out's — in the same run.
 *
 *   node --import tsx bench/fan-out.ts [--large] [--reps N] [--json <file>]
 *
 * time limit: 900 s, with --large 10800 s
 *
 * Azurite only, persisted in a temporary directory as `npm start` runs it (no host, so nobody takes the
 * messages). In-memory Azurite is no shortcut: once its queue had held and been emptied of 10,000
 * messages, the next 10,000 sends took several times longer than on a persisted one. Each repetition runs the fan-out, then the raw sends, emptying the queue and the
 * fan-out's queued markers in between, and alternates which goes first. --large: 100,000 tenants.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type TransactionAction } from '@azure/data-tables';

import { type RunningAzurite, startAzurite } from '../dev/azurite/azurite';
import { buildServices, type Services } from '../src/app/services';
import { loadConfig } from '../src/config';
import { SYNC_QUEUE, TableName } from '../src/storage';
import { QUEUED_PARTITION_PREFIX } from '../src/sync/queuedMarkers';
import { newRunId, type SyncMessage } from '../src/sync/syncMessage';
import { encodeMessage } from '../src/sync/syncQueue';
import { newTenantRecord, TenantStatus, toEntity } from '../src/tenants';
import { type CpuProfile, cpuMeter, describeCpu, loadNow } from './support/cpu';
import { type Figure, type Goal, median, publish, round3 } from './support/report';
import { LARGE, quietLogger, repetitions } from './support/stack';

const TENANTS = LARGE ? 100_000 : 10_000;
const REPS = repetitions(2);
/** The fan-out's own bound on messages in flight (src/sync/fanOut.ts SEND_CONCURRENCY). */
const CONCURRENCY = 32;

/**
 * Tenant n's id: a GUID derived from n (the same in every run), as spread over the id space as real
 * tenant ids are — the fan-out's markers are partitioned by the id's first hex digit.
 */
function tenantIdOf(n: number): string {
    const hex = createHash('sha256').update(`bench-tenant-${n}`).digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

interface Timed {
    ms: number;
    cpu: CpuProfile;
}

async function main(): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'tenant-sync-bench-fanout-'));
    let azurite: RunningAzurite | undefined;
    try {
        azurite = await startAzurite({ location: dir, blobPort: 0, queuePort: 0, tablePort: 0 });
        const services = buildServices(
            loadConfig({
                AzureWebJobsStorage: azurite.connectionString,
                APP_CLIENT_ID: '00000000-0000-4000-8000-00000000a11d',
                APP_TENANT_ID: '00000000-0000-4000-8000-0000000071d0',
                PUBLIC_BASE_URL: 'http://localhost:7071',
                KEY_VAULT_URL: 'https://bench.vault.azure.net',
                AUTHORITY_HOST: 'https://login.microsoftonline.com',
                GRAPH_BASE_URL: 'https://graph.microsoft.com',
                SYNC_SCHEDULE: '0 0 * * * *',
            }),
            { processLogger: quietLogger() },
        );
        await services.storage.ensureCreated();
        const pids = { azurite: azurite.pid };
        const setup = performance.now();
        await addTenants(services, TENANTS);
        console.log(
            `${TENANTS.toLocaleString('en-US')} tenants written in ${Math.round(performance.now() - setup)} ms`,
        );

        const fanOuts: Timed[] = [];
        const raws: Timed[] = [];
        for (let rep = 1; rep <= REPS; rep++) {
            const order = rep % 2 === 1 ? (['fanOut', 'raw'] as const) : (['raw', 'fanOut'] as const);
            for (const which of order) {
                await reset(services);
                const meter = cpuMeter(() => pids);
                const started = performance.now();
                if (which === 'fanOut') {
                    const result = await services.fanOut(`bench-${rep}`, quietLogger());
                    if (result.enqueued !== TENANTS)
                        throw new Error(
                            `the fan-out enqueued ${result.enqueued} of ${TENANTS} (${JSON.stringify(result)})`,
                        );
                } else await rawSends(services, TENANTS);
                const timed = { ms: performance.now() - started, cpu: meter.stop() };
                const queued = (await services.storage.queue(SYNC_QUEUE).getProperties()).approximateMessagesCount;
                if (queued !== TENANTS)
                    throw new Error(`${which}: ${queued} messages on the queue, expected ${TENANTS}`);
                (which === 'fanOut' ? fanOuts : raws).push(timed);
                console.log(`repetition ${rep}, ${which}: ${Math.round(timed.ms)} ms; ${describeCpu(timed.cpu)}`);
            }
        }
        const markerMs = await markersOnly(services, TENANTS);
        const readMs = await tenantsOnly(services);
        report(fanOuts, raws, markerMs, readMs);
    } finally {
        await azurite?.stop();
        rmSync(dir, { recursive: true, force: true });
    }
}

/** Connected tenants that are due (active, never synced), written CONCURRENCY at a time. */
async function addTenants(services: Services, count: number): Promise<void> {
    const table = services.storage.table(TableName.tenants);
    const now = new Date();
    let next = 0;
    await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
            while (next < count) {
                const n = next++;
                const tenantId = tenantIdOf(n);
                await table.createEntity(
                    toEntity({
                        ...newTenantRecord(tenantId, `Bench tenant ${n}`, TenantStatus.active, now),
                        connectedAt: now.toISOString(),
                        consentedAt: now.toISOString(),
                    }),
                );
            }
        }),
    );
}

/** An empty queue and no queued markers, so the next fan-out finds every tenant due again. */
async function reset(services: Services): Promise<void> {
    await services.storage.queue(SYNC_QUEUE).clearMessages();
    const table = services.storage.table(TableName.tenants);
    const byPartition = new Map<string, string[]>();
    for await (const entity of table.listEntities({
        queryOptions: {
            filter: `PartitionKey ge '${QUEUED_PARTITION_PREFIX}' and PartitionKey lt '~queued.'`,
            select: ['PartitionKey', 'RowKey'],
        },
    })) {
        const partitionKey = String(entity.partitionKey);
        byPartition.set(partitionKey, [...(byPartition.get(partitionKey) ?? []), String(entity.rowKey)]);
    }
    for (const [partitionKey, keys] of byPartition)
        for (let i = 0; i < keys.length; i += 100)
            await table.submitTransaction(
                keys.slice(i, i + 100).map((rowKey): TransactionAction => ['delete', { partitionKey, rowKey }]),
            );
}

/** The ceiling: the same number of messages like the fan-out's, sent with the SDK, CONCURRENCY at a time. */
async function rawSends(services: Services, count: number): Promise<void> {
    const queue = services.storage.queue(SYNC_QUEUE);
    const now = Date.now();
    let next = 0;
    await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
            while (next < count) {
                const n = next++;
                const message: SyncMessage = {
                    tenantId: tenantIdOf(n),
                    reason: 'schedule',
                    runId: newRunId(now, () => '0123abcd'),
                    requestedAt: new Date(now).toISOString(),
                    correlationId: 'bench-raw-0000000000000000000000000000',
                };
                // The fan-out spreads starts over the jitter window with the same option.
                await queue.sendMessage(encodeMessage(message), { visibilityTimeout: n % 300 });
            }
        }),
    );
}

/**
 * What the fan-out's queued markers alone cost: `count` marker rows written as the fan-out writes
 * them (in tenant-id order, a hundred at a time, one transaction per marker partition in each
 * hundred), for the profile of a missed goal.
 */
async function markersOnly(services: Services, count: number): Promise<number> {
    await reset(services);
    const ids = Array.from({ length: count }, (_, n) => tenantIdOf(n)).sort();
    const started = performance.now();
    for (let i = 0; i < count; i += 100)
        await services.markers.mark(
            ids.slice(i, i + 100).map((tenantId) => ({
                tenantId,
                runId: newRunId(Date.now(), () => '0123abcd'),
                queuedAt: Date.now(),
            })),
        );
    return performance.now() - started;
}

/** What reading the tenants alone costs: the fan-out's stream of due tenants, with nothing sent. */
async function tenantsOnly(services: Services): Promise<number> {
    const started = performance.now();
    let seen = 0;
    for await (const tenant of services.tenants.stream([TenantStatus.active, TenantStatus.pending, TenantStatus.error]))
        if (tenant.record.tenantId !== '') seen += 1;
    if (seen !== TENANTS) throw new Error(`read ${seen} tenants, expected ${TENANTS}`);
    return performance.now() - started;
}

function report(fanOuts: Timed[], raws: Timed[], markerMs: number, readMs: number): void {
    const fanOutMs = median(fanOuts.map((t) => t.ms));
    const rawMs = median(raws.map((t) => t.ms));
    const share = median(fanOuts.map((t, i) => (raws[i]?.ms ?? NaN) / t.ms));
    const perSecond = (ms: number) => Math.round(TENANTS / (ms / 1000));
    const figures: Figure[] = [
        { name: 'fan-out: time', value: Math.round(fanOutMs), unit: 'ms' },
        { name: 'fan-out: messages/s', value: perSecond(fanOutMs), unit: 'messages/s' },
        { name: 'raw SDK sends: time', value: Math.round(rawMs), unit: 'ms' },
        { name: 'raw SDK sends: messages/s', value: perSecond(rawMs), unit: 'messages/s' },
        { name: 'fan-out rate / raw rate', value: round3(share), unit: '' },
        {
            name: 'queued markers alone (16 partitions, up to 100 per transaction)',
            value: Math.round(markerMs),
            unit: 'ms',
        },
        { name: 'reading the tenants alone', value: Math.round(readMs), unit: 'ms' },
    ];
    const met = share >= 0.8;
    const goal: Goal = {
        name: `Fan-out ${TENANTS / 1000}k tenants: rate vs raw SDK sends`,
        measured: round3(share),
        unit: '',
        goal: '≥ 0.8',
        met,
        ...(met
            ? {}
            : {
                  limitedBy: `the fan-out's ${Math.round(fanOutMs)} ms against its sends alone (raw: ${Math.round(rawMs)} ms), its queued-marker transactions (${Math.round(markerMs)} ms alone, written while the next messages are sent) and reading ${TENANTS} tenant rows (${Math.round(readMs)} ms alone); Azurite, single-threaded, spent ${Math.round(median(fanOuts.map((t) => t.cpu.seconds.azurite ?? 0)))} CPU s on a fan-out against ${Math.round(median(raws.map((t) => t.cpu.seconds.azurite ?? 0)))} on the raw sends (every marker upsert scans the marker's partition there)`,
              }),
    };
    publish({
        bench: 'fan-out',
        figures,
        goals: [goal],
        notes: [
            `${TENANTS} active tenants, never synced; median of ${REPS} repetitions (fan-out first in odd ones, raw first in even ones); both send ${CONCURRENCY} at a time`,
            `Azurite persisted in a temporary directory, as npm start runs it; load average at the end ${loadNow()}`,
            `CPU of Azurite per fan-out run: ${fanOuts.map((t) => t.cpu.seconds.azurite).join(', ')} s; per raw run: ${raws.map((t) => t.cpu.seconds.azurite).join(', ')} s`,
        ],
        settings: { tenants: TENANTS, repetitions: REPS, sendConcurrency: CONCURRENCY },
    });
}

main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});

/**
 * The one function that knows the allowed status moves, and the registry that applies it with the
 * row's ETag (Azurite): concurrent writers never lose each other's changes.
 */
import { randomUUID } from 'node:crypto';

import { TableClient } from '@azure/data-tables';

import { startAzurite, type RunningAzurite } from '../../../dev/azurite/azurite';
import { systemClock } from '../../../src/app/clock';
import {
    canMove,
    changeStatus,
    createTenantRegistry,
    newTenantRecord,
    TENANT_STATUSES,
    type TenantStatus,
} from '../../../src/tenants';

const ALLOWED: [TenantStatus, TenantStatus][] = [
    ['pending', 'active'],
    ['pending', 'consent_required'],
    ['pending', 'error'],
    ['pending', 'disconnected'],
    ['active', 'consent_required'],
    ['active', 'error'],
    ['active', 'disconnected'],
    ['consent_required', 'pending'],
    ['consent_required', 'active'],
    ['consent_required', 'disconnected'],
    ['error', 'pending'],
    ['error', 'active'],
    ['error', 'consent_required'],
    ['error', 'disconnected'],
    ['disconnected', 'pending'],
    ['disconnected', 'active'],
];
const allowed = new Set(ALLOWED.map(([from, to]) => `${from}→${to}`));
const moves = TENANT_STATUSES.flatMap((from) => TENANT_STATUSES.map((to) => [from, to] as const));
const now = new Date('2026-12-02T10:00:00Z');
const fields = (status: TenantStatus) => ({
    status,
    statusCode: status === 'error' ? 'mass_delete_blocked' : undefined,
    statusDetail: undefined,
    statusChangedAt: '2026-12-01T00:00:00.000Z',
});

describe('changeStatus', () => {
    it.each(moves.filter(([from, to]) => from !== to && allowed.has(`${from}→${to}`)))(
        'moves %s → %s and stamps the time',
        (from, to) => {
            const code = to === 'error' ? 'tenant_not_found' : undefined;
            expect(changeStatus(fields(from), { status: to, statusCode: code }, now)).toEqual({
                status: to,
                statusCode: code,
                statusDetail: undefined,
                statusChangedAt: now.toISOString(),
            });
            expect(canMove(from, to)).toBe(true);
        },
    );

    it.each(moves.filter(([from, to]) => from !== to && !allowed.has(`${from}→${to}`)))(
        'refuses %s → %s',
        (from, to) => {
            expect(canMove(from, to)).toBe(false);
            expect(() => changeStatus(fields(from), { status: to, statusCode: 'x' }, now)).toThrow(
                `cannot move from ${from} to ${to}`,
            );
        },
    );

    it('lets a new consent revive a disconnected tenant, and nothing else', () => {
        expect(TENANT_STATUSES.filter((to) => canMove('disconnected', to))).toEqual([
            'pending',
            'active',
            'disconnected',
        ]);
    });

    it('requires a code for error, and keeps the time when nothing changes', () => {
        expect(() => changeStatus(fields('active'), { status: 'error' }, now)).toThrow('an error status needs a code');
        expect(changeStatus(fields('active'), { status: 'active' }, now).statusChangedAt).toBe(
            '2026-12-01T00:00:00.000Z',
        );
        expect(changeStatus(fields('error'), { status: 'error', statusCode: 'tenant_not_found' }, now)).toMatchObject({
            statusCode: 'tenant_not_found',
            statusChangedAt: now.toISOString(),
        });
    });
});

describe('the registry’s status writes', () => {
    let azurite: RunningAzurite;
    let table: TableClient;
    beforeAll(async () => {
        azurite = await startAzurite({ inMemory: true, blobPort: 0, queuePort: 0, tablePort: 0 });
        table = TableClient.fromConnectionString(azurite.connectionString, 'Tenants', {
            allowInsecureConnection: true,
        });
        await table.createTable();
    });
    afterAll(() => azurite.stop());

    it('go through changeStatus (a refused move throws and writes nothing)', async () => {
        const registry = createTenantRegistry(table, systemClock);
        const tenantId = randomUUID();
        await registry.upsert(
            tenantId,
            () => newTenantRecord(tenantId, 'Contoso', 'active', now),
            (t) => t,
        );
        await registry.setStatus(tenantId, { status: 'disconnected' });
        await expect(registry.setStatus(tenantId, { status: 'consent_required' })).rejects.toThrow(
            'cannot move from disconnected to consent_required',
        );
        expect((await registry.get(tenantId))?.record.status).toBe('disconnected');
    });

    it('are conditional on the ETag: concurrent writers on several instances lose nothing', async () => {
        const tenantId = randomUUID();
        const first = createTenantRegistry(table, systemClock);
        await first.upsert(
            tenantId,
            () => newTenantRecord(tenantId, 'Contoso', 'pending', now),
            (t) => t,
        );
        const instances = Array.from({ length: 8 }, () => createTenantRegistry(table, systemClock));
        await Promise.all(
            instances.map((registry) =>
                registry.update(tenantId, (current) => ({ ...current, userCount: current.userCount + 1 })),
            ),
        );
        await Promise.all([
            instances[0]?.setStatus(tenantId, { status: 'active' }),
            instances[1]?.update(tenantId, (current) => ({ ...current, displayName: 'Contoso Ltd' })),
        ]);
        expect((await first.get(tenantId))?.record).toMatchObject({
            userCount: 8,
            status: 'active',
            displayName: 'Contoso Ltd',
        });
    });
});

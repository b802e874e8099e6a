import { FaultRegistry, faultRuleInput } from '../../../../dev/sim/core/faults';

const graphUsers = { service: 'graph' as const, path: '/v1.0/users', tenant: 'tenant-a' };

describe('FaultRegistry', () => {
    it('matches on service, case-insensitive path prefix and tenant', () => {
        const faults = new FaultRegistry('seed');
        faults.add({ service: 'graph', path: '/V1.0/Users', tenant: 'TENANT-A', status: 503 });
        expect(faults.take(graphUsers)?.status).toBe(503);
        expect(faults.take({ ...graphUsers, path: '/v1.0/users/delta' })?.status).toBe(503);
        expect(faults.take({ ...graphUsers, path: '/v1.0/organization' })).toBeUndefined();
        expect(faults.take({ ...graphUsers, tenant: 'tenant-b' })).toBeUndefined();
        expect(faults.take({ ...graphUsers, tenant: undefined })).toBeUndefined();
        expect(faults.take({ ...graphUsers, service: 'login' })).toBeUndefined();
    });

    it('consumes `count` and then removes the rule', () => {
        const faults = new FaultRegistry('seed');
        faults.add({ service: 'graph', status: 429, count: 2, retryAfter: 3 });
        expect(faults.take(graphUsers)).toMatchObject({ status: 429, retryAfter: 3, hits: 1 });
        expect(faults.take(graphUsers)).toMatchObject({ hits: 2 });
        expect(faults.take(graphUsers)).toBeUndefined();
        expect(faults.list()).toEqual([]);
    });

    it('applies the first matching rule only', () => {
        const faults = new FaultRegistry('seed');
        faults.add({ service: 'graph', status: 500, count: 1 });
        faults.add({ service: 'graph', status: 503 });
        expect(faults.take(graphUsers)?.status).toBe(500);
        expect(faults.take(graphUsers)?.status).toBe(503);
    });

    it('draws `rate` from the seeded generator: same seed, same decisions', () => {
        const decisions = (seed: string) => {
            const faults = new FaultRegistry(seed);
            faults.add({ service: 'graph', status: 500, rate: 0.5 });
            return Array.from({ length: 200 }, () => faults.take(graphUsers) !== undefined);
        };
        const first = decisions('seed-1');
        expect(decisions('seed-1')).toEqual(first);
        expect(decisions('seed-2')).not.toEqual(first);
        const hits = first.filter(Boolean).length;
        expect(hits).toBeGreaterThan(60);
        expect(hits).toBeLessThan(140);
    });

    it('never fires at rate 0 and always at rate 1', () => {
        const faults = new FaultRegistry('seed');
        faults.add({ service: 'graph', status: 500, rate: 0 });
        expect(Array.from({ length: 50 }, () => faults.take(graphUsers)).every((r) => r === undefined)).toBe(true);
        faults.clear();
        faults.add({ service: 'graph', status: 500, rate: 1 });
        expect(Array.from({ length: 50 }, () => faults.take(graphUsers)).every((r) => r !== undefined)).toBe(true);
    });

    it('removes one rule by id and lists copies', () => {
        const faults = new FaultRegistry('seed');
        const a = faults.add({ service: 'graph', status: 500 });
        const b = faults.add({ service: 'vault', status: 503 });
        expect(faults.remove(a.id)).toBe(true);
        expect(faults.remove(a.id)).toBe(false);
        const listed = faults.list();
        expect(listed.map((r) => r.id)).toEqual([b.id]);
        (listed[0] as { status?: number }).status = 200;
        expect(faults.list()[0]?.status).toBe(503);
    });
});

describe('faultRuleInput', () => {
    it('accepts a latency-only rule and a reset rule', () => {
        expect(faultRuleInput.safeParse({ service: 'graph', latencyMs: 10 }).success).toBe(true);
        expect(faultRuleInput.safeParse({ service: 'login', reset: true }).success).toBe(true);
    });

    it.each([
        [{ service: 'graph' }, 'at least one of status, reset, latencyMs'],
        [{ service: 'dns', status: 500 }, 'service'],
        [{ service: 'graph', status: 700 }, 'status'],
        [{ service: 'graph', status: 500, rate: 2 }, 'rate'],
        [{ service: 'graph', status: 500, path: 'v1.0/users' }, 'path'],
        [{ service: 'graph', status: 500, colour: 'red' }, 'colour'],
    ])('rejects %j', (input, mentioned) => {
        const parsed = faultRuleInput.safeParse(input);
        expect(parsed.success).toBe(false);
        expect(JSON.stringify(parsed.error?.issues)).toContain(mentioned);
    });
});

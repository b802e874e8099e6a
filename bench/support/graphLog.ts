/**
 * The simulator's request log (`GET /control/requests`) read as a profile of one sync: when its Graph
 * requests started and ended, how many were throttled, and whether any came before its Retry-After.
 */
import type { Control } from './stack';

export interface LoggedRequest {
    seq: number;
    /** Simulator clock (the wall clock here: the benchmarks never move it), ms. */
    at: number;
    endAt: number;
    path: string;
    status: number;
    tenant: string | undefined;
    earlyRetry: boolean;
    clientRequestId: string | undefined;
}

/** The log's last sequence number now: pass it to graphRequestsSince to get what came after. */
export async function logMark(control: Control, service = 'graph'): Promise<number> {
    return (
        (await control('GET', `/control/requests?since=${Number.MAX_SAFE_INTEGER}&service=${service}`)) as {
            lastSeq: number;
        }
    ).lastSeq;
}

export async function graphRequestsSince(control: Control, since: number, tenantId?: string): Promise<LoggedRequest[]> {
    const answer = (await control('GET', `/control/requests?since=${since}&service=graph`)) as {
        requests: Array<{
            seq: number;
            time: string;
            durationMs: number;
            path: string;
            status: number;
            tenant?: string;
            earlyRetry: boolean;
            clientRequestId?: string;
        }>;
    };
    return answer.requests
        .filter((r) => tenantId === undefined || r.tenant === tenantId)
        .map((r) => ({
            seq: r.seq,
            at: Date.parse(r.time),
            endAt: Date.parse(r.time) + r.durationMs,
            path: r.path,
            status: r.status,
            tenant: r.tenant,
            earlyRetry: r.earlyRetry,
            clientRequestId: r.clientRequestId,
        }));
}

export interface GraphSpan {
    requests: number;
    served: number;
    throttled: number;
    earlyRetries: number;
    firstAt: number;
    lastEndAt: number;
}

export function spanOf(requests: readonly LoggedRequest[]): GraphSpan {
    return {
        requests: requests.length,
        served: requests.filter((r) => r.status === 200).length,
        throttled: requests.filter((r) => r.status === 429).length,
        earlyRetries: requests.filter((r) => r.earlyRetry).length,
        firstAt: Math.min(...requests.map((r) => r.at)),
        lastEndAt: Math.max(...requests.map((r) => r.endAt)),
    };
}

export interface ClientCall {
    sentAt: number;
    answeredAt?: number;
    status?: number;
}

/**
 * Records when this process sent each Graph request and when its answer came, by `client-request-id`
 * (the product sets one on every call), so the simulator's log can be read from the client's side: a
 * request the simulator saw after a refusal may have been sent before that refusal reached the client.
 */
export function recordGraphCalls(graphOrigin: string): Map<string, ClientCall[]> {
    // Retries of one call keep its client-request-id: one entry per attempt, in order.
    const calls = new Map<string, ClientCall[]>();
    const original = globalThis.fetch;
    globalThis.fetch = async (input, init) => {
        const request = input instanceof Request ? input : undefined;
        const id = request?.url.startsWith(graphOrigin) ? request.headers.get('client-request-id') : null;
        if (id === null) return original(input, init);
        const call: ClientCall = { sentAt: Date.now() };
        calls.set(id, [...(calls.get(id) ?? []), call]);
        const response = await original(input, init);
        call.answeredAt = Date.now();
        call.status = response.status;
        return response;
    };
    return calls;
}

/** Each logged request with the client's own record of that attempt (matched by id, in order), if any. */
export function withClientTimes(
    requests: readonly LoggedRequest[],
    calls: Map<string, ClientCall[]>,
): Array<LoggedRequest & { call: ClientCall | undefined }> {
    const seen = new Map<string, number>();
    return [...requests]
        .sort((a, b) => a.seq - b.seq)
        .map((r) => {
            const id = r.clientRequestId ?? '';
            const attempt = seen.get(id) ?? 0;
            seen.set(id, attempt + 1);
            return { ...r, call: calls.get(id)?.[attempt] };
        });
}

/**
 * The simulator's control API over HTTP (docs/simulator.md), the one client for the test harnesses,
 * the resilience stack and the benchmarks: whether the simulator runs in-process or as `npm start`'s child.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- control answers are free-form JSON, read by the test that asked.
export type Json = any;

export interface ControlAnswer {
    status: number;
    body: Json;
    headers: Headers;
}

export interface SimulatorControl {
    /** Any control route; the answer whatever its status (a string body is sent as it is). */
    control: (method: string, path: string, body?: unknown) => Promise<ControlAnswer>;
    /** A control route that must succeed: its JSON body, or an error naming the route and the answer. */
    controlOk: (method: string, path: string, body?: unknown) => Promise<Json>;
    /** GET on the control API: the JSON body, or an error unless it answered 200. */
    controlGet: (path: string) => Promise<Json>;
    /** Requests the simulator answered after sequence number `since` (GET /control/requests). */
    requestsSince: (since: number, service?: string) => Promise<Json[]>;
    /** The sequence number of the last request the simulator answered. */
    lastRequestSeq: () => Promise<number>;
}

export function simulatorControl(controlUrl: string): SimulatorControl {
    const control = async (method: string, path: string, body?: unknown): Promise<ControlAnswer> => {
        const response = await fetch(`${controlUrl}${path}`, {
            method,
            headers: body === undefined ? {} : { 'content-type': 'application/json' },
            ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
        });
        const text = await response.text();
        return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
    };
    const controlOk = async (method: string, path: string, body?: unknown): Promise<Json> => {
        const answer = await control(method, path, body);
        if (answer.status < 200 || answer.status > 299)
            throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
        return answer.body;
    };
    const controlGet = async (path: string): Promise<Json> => {
        const answer = await control('GET', path);
        if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
        return answer.body;
    };
    return {
        control,
        controlOk,
        controlGet,
        requestsSince: async (since, service) => {
            const query = service === undefined ? `since=${since}` : `since=${since}&service=${service}`;
            return ((await controlGet(`/control/requests?${query}`)) as { requests: Json[] }).requests;
        },
        lastRequestSeq: async () => {
            return ((await controlGet('/control/requests?since=0')) as { lastSeq: number }).lastSeq;
        },
    };
}

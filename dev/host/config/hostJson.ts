import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { HostError } from '../errors';

/** `extensions.queues`, with the real host's defaults filled in. Durations in milliseconds. */
export interface QueueOptions {
    messageEncoding: 'base64' | 'none';
    maxDequeueCount: number;
    batchSize: number;
    newBatchThreshold: number;
    visibilityTimeoutMs: number;
    maxPollingIntervalMs: number;
}

export interface HostJsonOptions {
    routePrefix: string;
    queues: QueueOptions;
    /** `functionTimeout`; undefined means no limit. */
    functionTimeoutMs: number | undefined;
}

const MAX_BATCH_SIZE = 32;
const MIN_POLLING_INTERVAL_MS = 100;
/** Azure's default is one minute; the WebJobs SDK uses 2 s in a development environment, as Core Tools does. */
const DEVELOPMENT_MAX_POLLING_INTERVAL_MS = 2000;

/**
 * Parses a .NET TimeSpan string (`[d.]hh:mm[:ss[.fffffff]]`) into milliseconds. host.json writes its
 * durations (functionTimeout, queues.visibilityTimeout, maxPollingInterval) in this format, which is
 * .NET's, not ISO 8601, so the JavaScript duration libraries do not read it; one regular expression does.
 */
export function parseTimeSpan(text: string): number | undefined {
    const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?$/.exec(text.trim());
    if (!match) return undefined;
    const [, days = '0', hours = '0', minutes = '0', seconds = '0', fraction = ''] = match;
    if (Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59) return undefined;
    const wholeSeconds = ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds);
    return wholeSeconds * 1000 + Math.round(Number(`0.${fraction || '0'}`) * 1000);
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectAt(root: JsonObject, path: string[]): JsonObject {
    let current: unknown = root;
    for (const key of path) {
        if (!isObject(current)) return {};
        current = current[key];
    }
    if (current === undefined) return {};
    if (!isObject(current)) throw new HostError(`host.json: "${path.join('.')}" must be an object`);
    return current;
}

function integer(section: JsonObject, key: string, where: string, min: number, max: number): number | undefined {
    const raw = section[key];
    if (raw === undefined) return undefined;
    // The host reads host.json through .NET configuration, where "4" and 4 are the same value.
    const value = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
        throw new HostError(
            `host.json: "${where}.${key}" must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
        );
    }
    return value;
}

function timeSpan(section: JsonObject, key: string, where: string | undefined): number | undefined {
    const value = section[key];
    if (value === undefined) return undefined;
    const ms = typeof value === 'string' ? parseTimeSpan(value) : undefined;
    if (ms === undefined) {
        const name = where === undefined ? key : `${where}.${key}`;
        throw new HostError(`host.json: "${name}" must be a TimeSpan such as "00:00:30", got ${JSON.stringify(value)}`);
    }
    return ms;
}

/** Reads the options this host honours from parsed host.json, applying the real host's defaults. */
export function parseHostJson(json: unknown): HostJsonOptions {
    if (!isObject(json)) throw new HostError('host.json must contain a JSON object');
    if (json.version !== '2.0') {
        throw new HostError(
            `host.json: "version" must be "2.0" (Functions runtime 4), got ${JSON.stringify(json.version)}`,
        );
    }
    const http = objectAt(json, ['extensions', 'http']);
    const routePrefix = http.routePrefix ?? 'api';
    if (typeof routePrefix !== 'string')
        throw new HostError('host.json: "extensions.http.routePrefix" must be a string');

    const queues = objectAt(json, ['extensions', 'queues']);
    const where = 'extensions.queues';
    const encoding = queues.messageEncoding ?? 'base64';
    if (encoding !== 'base64' && encoding !== 'none') {
        throw new HostError(
            `host.json: "${where}.messageEncoding" must be "base64" or "none", got ${JSON.stringify(encoding)}`,
        );
    }
    const batchSize = integer(queues, 'batchSize', where, 1, MAX_BATCH_SIZE) ?? 16;
    const maxPollingIntervalMs = timeSpan(queues, 'maxPollingInterval', where) ?? DEVELOPMENT_MAX_POLLING_INTERVAL_MS;
    if (maxPollingIntervalMs < MIN_POLLING_INTERVAL_MS) {
        throw new HostError(`host.json: "${where}.maxPollingInterval" must be at least 00:00:00.100`);
    }
    // "-1" is the documented spelling of "no limit".
    const functionTimeoutMs = json.functionTimeout === '-1' ? undefined : timeSpan(json, 'functionTimeout', undefined);
    return {
        routePrefix: routePrefix.replace(/^\/+|\/+$/g, ''),
        queues: {
            messageEncoding: encoding,
            maxDequeueCount: integer(queues, 'maxDequeueCount', where, 1, Number.MAX_SAFE_INTEGER) ?? 5,
            batchSize,
            // The documented default is N*batchSize/2 with N = 1 on Consumption plans.
            newBatchThreshold:
                integer(queues, 'newBatchThreshold', where, 0, Number.MAX_SAFE_INTEGER) ?? Math.floor(batchSize / 2),
            visibilityTimeoutMs: timeSpan(queues, 'visibilityTimeout', where) ?? 0,
            maxPollingIntervalMs,
        },
        functionTimeoutMs,
    };
}

const OVERRIDE_PREFIX = 'azurefunctionsjobhost__';

/**
 * Applies app settings named `AzureFunctionsJobHost__path__to__key` over host.json, as the host does
 * (Microsoft Learn, host.json reference: "Override host.json values"). Keys match case-insensitively;
 * values are strings, as every configuration value is to the host.
 */
export function applyHostJsonOverrides(json: unknown, settings: Readonly<Record<string, string>>): unknown {
    if (!isObject(json)) return json;
    const root: JsonObject = structuredClone(json);
    for (const [name, value] of Object.entries(settings)) {
        if (!name.toLowerCase().startsWith(OVERRIDE_PREFIX)) continue;
        const path = name.slice(OVERRIDE_PREFIX.length).split('__');
        let section = root;
        for (const [i, part] of path.entries()) {
            const key = Object.keys(section).find((k) => k.toLowerCase() === part.toLowerCase()) ?? part;
            if (i === path.length - 1) {
                section[key] = value;
            } else {
                const next = section[key];
                section = isObject(next) ? next : (section[key] = {});
            }
        }
    }
    return root;
}

/** Reads `<appDir>/host.json`, with app-setting overrides; like the real host, an app without one is not a Functions app. */
export function readHostJson(appDir: string, settings: Readonly<Record<string, string>> = {}): HostJsonOptions {
    const path = join(appDir, 'host.json');
    let text: string;
    try {
        text = readFileSync(path, 'utf8');
    } catch {
        throw new HostError(`No host.json in ${appDir}: is --app-dir the Functions app root?`);
    }
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch (error) {
        throw new HostError(`host.json is not valid JSON: ${(error as Error).message}`);
    }
    return parseHostJson(applyHostJsonOverrides(json, settings));
}

import { readFileSync } from 'node:fs';

import { HostError } from '../errors';

/** App settings as the host sees them: names to string values. */
export type AppSettings = Readonly<Record<string, string>>;

export interface LocalSettings {
    /** `Values`: app settings for local runs. */
    values: AppSettings;
    /** `Host.LocalHttpPort`, Core Tools' default port override. */
    localHttpPort: number | undefined;
}

const EMPTY: LocalSettings = { values: {}, localHttpPort: undefined };

/**
 * Reads a Core Tools `local.settings.json`. A missing file is fine unless the caller named it explicitly.
 * Errors name the file and key but never echo values: they may be connection strings with keys.
 */
export function readLocalSettings(path: string, options: { required: boolean }): LocalSettings {
    let text: string;
    try {
        text = readFileSync(path, 'utf8');
    } catch (error) {
        if (!options.required && (error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY;
        throw new HostError(`Cannot read settings file ${path}: ${(error as Error).message}`);
    }
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch {
        throw new HostError(`${path} is not valid JSON`);
    }
    return parseLocalSettings(json, path);
}

export function parseLocalSettings(json: unknown, path: string): LocalSettings {
    if (typeof json !== 'object' || json === null) throw new HostError(`${path} must contain a JSON object`);
    const { IsEncrypted, Values = {}, Host = {} } = json as Record<string, unknown>;
    if (IsEncrypted === true) {
        throw new HostError(
            `${path} is encrypted ("IsEncrypted": true); the local host reads plain-text settings only`,
        );
    }
    if (typeof Values !== 'object' || Values === null || Array.isArray(Values)) {
        throw new HostError(`${path}: "Values" must be an object of string settings`);
    }
    const values: Record<string, string> = {};
    for (const [name, value] of Object.entries(Values)) {
        if (typeof value !== 'string') throw new HostError(`${path}: "Values.${name}" must be a string`);
        values[name] = value;
    }
    const port = (Host as Record<string, unknown>).LocalHttpPort;
    if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535)) {
        throw new HostError(`${path}: "Host.LocalHttpPort" must be a port number`);
    }
    return { values, localHttpPort: port };
}

/** The host's settings: the file's values overlaid by the environment (the environment wins, as in Core Tools). */
export function overlaySettings(
    fileValues: AppSettings,
    env: Readonly<Record<string, string | undefined>>,
): AppSettings {
    const merged: Record<string, string> = { ...fileValues };
    for (const [name, value] of Object.entries(env)) {
        if (value !== undefined) merged[name] = value;
    }
    return merged;
}

/**
 * Resolves `%NAME%` app-setting references, as the host does in binding properties (schedule, queueName).
 * `what` names the property in the error, e.g. `schedule of function "tick"`.
 */
export function substituteSettings(text: string, settings: AppSettings, what: string): string {
    return text.replace(/%([^%\s]+)%/g, (_match, name: string) => {
        const value = settings[name];
        if (value === undefined) {
            throw new HostError(`The ${what} refers to app setting %${name}%, which is not set`);
        }
        return value;
    });
}

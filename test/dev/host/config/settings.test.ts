import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { overlaySettings, readLocalSettings, substituteSettings } from '../../../../dev/host/config/settings';

let dir: string;
beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'host-settings-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function settingsFile(name: string, content: unknown): string {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
}

describe('readLocalSettings', () => {
    it('reads Values and Host.LocalHttpPort', () => {
        const path = settingsFile('ok.json', { IsEncrypted: false, Values: { A: '1' }, Host: { LocalHttpPort: 7072 } });
        expect(readLocalSettings(path, { required: true })).toEqual({ values: { A: '1' }, localHttpPort: 7072 });
    });

    it('treats a missing default file as empty but a missing explicit file as an error', () => {
        const missing = join(dir, 'missing.json');
        expect(readLocalSettings(missing, { required: false })).toEqual({ values: {}, localHttpPort: undefined });
        expect(() => readLocalSettings(missing, { required: true })).toThrow(`Cannot read settings file ${missing}`);
    });

    it('rejects encrypted files, non-string values (without echoing them) and bad JSON', () => {
        const encrypted = settingsFile('enc.json', { IsEncrypted: true, Values: {} });
        expect(() => readLocalSettings(encrypted, { required: true })).toThrow('is encrypted');
        const nonString = settingsFile('num.json', { Values: { SECRETISH: { key: 'hunter2' } } });
        expect(() => readLocalSettings(nonString, { required: true })).toThrow('"Values.SECRETISH" must be a string');
        expect(() => readLocalSettings(nonString, { required: true })).not.toThrow('hunter2');
        const broken = settingsFile('broken.json', '{ "Values": ');
        expect(() => readLocalSettings(broken, { required: true })).toThrow('is not valid JSON');
    });
});

describe('overlaySettings', () => {
    it('lets the environment win over the file, as Core Tools does, and skips unset variables', () => {
        expect(overlaySettings({ A: 'file', B: 'file' }, { A: 'env', C: 'env', D: undefined })).toEqual({
            A: 'env',
            B: 'file',
            C: 'env',
        });
    });
});

describe('substituteSettings', () => {
    it('replaces every %NAME% reference and leaves other text alone', () => {
        expect(substituteSettings('%PREFIX%-jobs-%ENV%', { PREFIX: 'sync', ENV: 'dev' }, 'queueName')).toBe(
            'sync-jobs-dev',
        );
        expect(substituteSettings('100% plain', {}, 'x')).toBe('100% plain');
    });

    it('names the property and the missing setting', () => {
        expect(() => substituteSettings('%NOPE%', {}, 'queueName of function "work"')).toThrow(
            'The queueName of function "work" refers to app setting %NOPE%, which is not set',
        );
    });
});

import { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { x509 } from './x509';

/** Paths of the local CA and the loopback server certificate it signs. All PEM. */
export interface TlsMaterial {
    dir: string;
    caCertPath: string;
    caKeyPath: string;
    certPath: string;
    keyPath: string;
    caCert: string;
    cert: string;
    key: string;
}

const RSA = {
    name: 'RSASSA-PKCS1-v1_5',
    hash: 'SHA-256',
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength: 2048,
} as const;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Regenerate well before expiry so a long-lived checkout never meets an expired certificate. */
const RENEW_BEFORE_MS = 30 * DAY_MS;

function pemKey(der: ArrayBuffer): string {
    const b64 = Buffer.from(der)
        .toString('base64')
        .replace(/(.{64})/g, '$1\n');
    return `-----BEGIN PRIVATE KEY-----\n${b64.trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

function paths(dir: string) {
    return {
        caCertPath: join(dir, 'ca.pem'),
        caKeyPath: join(dir, 'ca-key.pem'),
        certPath: join(dir, 'server.pem'),
        keyPath: join(dir, 'server-key.pem'),
    };
}

function stillValid(certPath: string, now: Date): boolean {
    try {
        const cert = new x509.X509Certificate(readFileSync(certPath, 'utf8'));
        return cert.notAfter.getTime() - now.getTime() > RENEW_BEFORE_MS;
    } catch {
        return false;
    }
}

/**
 * Makes (or reuses) a private CA and a server certificate for 127.0.0.1/localhost under `dir`.
 * Pure JavaScript (WebCrypto + @peculiar/x509): no openssl binary needed on a fresh machine.
 */
export async function ensureTlsMaterial(dir: string, now: Date = new Date()): Promise<TlsMaterial> {
    const absolute = resolve(dir);
    const p = paths(absolute);
    const reuse =
        [p.caCertPath, p.caKeyPath, p.certPath, p.keyPath].every((f) => existsSync(f)) &&
        stillValid(p.certPath, now) &&
        stillValid(p.caCertPath, now);
    if (!reuse) await generate(absolute, p, now);
    return {
        dir: absolute,
        ...p,
        caCert: readFileSync(p.caCertPath, 'utf8'),
        cert: readFileSync(p.certPath, 'utf8'),
        key: readFileSync(p.keyPath, 'utf8'),
    };
}

async function generate(dir: string, p: ReturnType<typeof paths>, now: Date): Promise<void> {
    mkdirSync(dir, { recursive: true });
    const notBefore = new Date(now.getTime() - DAY_MS);
    const caKeys = await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: randomSerial(),
        name: 'CN=Tenant Sync Local Development CA',
        notBefore,
        notAfter: new Date(now.getTime() + 3650 * DAY_MS),
        keys: caKeys,
        signingAlgorithm: RSA,
        extensions: [
            new x509.BasicConstraintsExtension(true, 0, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
            await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
        ],
    });
    const serverKeys = await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
    const server = await x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(),
        subject: 'CN=127.0.0.1',
        issuer: ca.subject,
        notBefore,
        // Browsers cap leaf lifetimes; 397 days keeps Chromium happy.
        notAfter: new Date(now.getTime() + 397 * DAY_MS),
        publicKey: serverKeys.publicKey,
        signingKey: caKeys.privateKey,
        signingAlgorithm: RSA,
        extensions: [
            new x509.BasicConstraintsExtension(false, undefined, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
            new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
            new x509.SubjectAlternativeNameExtension([
                { type: 'ip', value: '127.0.0.1' },
                { type: 'dns', value: 'localhost' },
            ]),
            await x509.AuthorityKeyIdentifierExtension.create(ca),
        ],
    });
    writeFileSync(p.caKeyPath, pemKey(await webcrypto.subtle.exportKey('pkcs8', caKeys.privateKey)), { mode: 0o600 });
    writeFileSync(p.keyPath, pemKey(await webcrypto.subtle.exportKey('pkcs8', serverKeys.privateKey)), { mode: 0o600 });
    writeFileSync(p.certPath, server.toString('pem') + '\n');
    writeFileSync(p.caCertPath, ca.toString('pem') + '\n');
}

function randomSerial(): string {
    const bytes = webcrypto.getRandomValues(new Uint8Array(16));
    bytes[0] = (bytes[0] ?? 0) & 0x7f; // keep the serial positive
    return Buffer.from(bytes).toString('hex');
}

/** Default location used by `npm start`, `npm run sim` and `npm test`. */
export const DEFAULT_TLS_DIR = join(__dirname, '..', '..', '.local', 'tls');

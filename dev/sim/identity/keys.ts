import {
    createHash,
    createPrivateKey,
    createPublicKey,
    generateKeyPairSync,
    type KeyObject,
    webcrypto,
} from 'node:crypto';

import { x509 } from '../../tls/x509';

const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A token signing key as Entra publishes it (JWKS entry) plus its key pair. */
export interface SigningKey {
    /** Entra's kid is the base64url SHA-1 thumbprint of the key's certificate, equal to `x5t`. */
    kid: string;
    x5t: string;
    /** Base64 DER of the self-signed certificate (`x5c`). */
    x5c: string;
    n: string;
    e: string;
    privateKey: KeyObject;
    publicKey: KeyObject;
}

/** A signing key as saved with the simulator's state: the private key and the certificate published for it. */
export interface SavedSigningKey {
    /** PKCS#8 PEM. */
    privateKey: string;
    /** Base64 DER of the certificate, as published in `x5c` (its thumbprint is the `kid`). */
    x5c: string;
}

interface Slot {
    key: Promise<SigningKey>;
    settled?: SigningKey;
}

/**
 * The token signing keys. Like Entra, more than one key is published; tokens are signed with the
 * current one and stay verifiable while their key is still published. `roll()` makes a new current
 * key, keeps the old current one as previous and drops the one before it.
 */
export class SigningKeys {
    private current: Slot;
    private previous: Slot;

    constructor(private readonly now: () => number) {
        this.previous = this.create();
        this.current = this.create();
    }

    async signingKey(): Promise<SigningKey> {
        return this.current.key;
    }

    async published(): Promise<SigningKey[]> {
        return Promise.all([this.current.key, this.previous.key]);
    }

    /** The key named `kid` if it is still published; undefined once dropped (or never ours). */
    verificationKey(kid: string): SigningKey | undefined {
        // A token can only name a key that had settled when it was signed, so the settled values suffice.
        return [this.current.settled, this.previous.settled].find((key) => key?.kid === kid);
    }

    /** Key ids known so far, current first (for GET /control/state, which is synchronous). */
    describe(): { current: string | undefined; previous: string | undefined } {
        return { current: this.current.settled?.kid, previous: this.previous.settled?.kid };
    }

    /** Both published keys, once made (saved with the simulator's state, so tokens outlive a restart). */
    async snapshot(): Promise<{ current: SavedSigningKey; previous: SavedSigningKey }> {
        const save = (key: SigningKey): SavedSigningKey => ({
            privateKey: key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
            x5c: key.x5c,
        });
        const [current, previous] = await Promise.all([this.current.key, this.previous.key]);
        return { current: save(current), previous: save(previous) };
    }

    restore(saved: { current: SavedSigningKey; previous: SavedSigningKey }): void {
        this.current = settledSlot(signingKeyFrom(saved.current));
        this.previous = settledSlot(signingKeyFrom(saved.previous));
    }

    async roll(): Promise<{ current: string; previous: string; dropped: string }> {
        const dropped = await this.previous.key;
        this.previous = this.current;
        this.current = this.create();
        const [current, previous] = await Promise.all([this.current.key, this.previous.key]);
        return { current: current.kid, previous: previous.kid, dropped: dropped.kid };
    }

    private create(): Slot {
        // node:crypto makes the pair synchronously (the module is built synchronously); the x5c
        // certificate needs WebCrypto, which is asynchronous.
        const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        const slot: Slot = {
            key: selfSignedCertificate(privateKey, publicKey, new Date(this.now())).then((certDer) => {
                const key = signingKey(privateKey, publicKey, certDer);
                slot.settled = key;
                return key;
            }),
        };
        // Keep an early failure from being reported as unhandled; every awaiting caller still sees it.
        slot.key.catch(() => undefined);
        return slot;
    }
}

function settledSlot(key: SigningKey): Slot {
    return { key: Promise.resolve(key), settled: key };
}

function signingKeyFrom(saved: SavedSigningKey): SigningKey {
    const privateKey = createPrivateKey(saved.privateKey);
    return signingKey(privateKey, createPublicKey(privateKey), Buffer.from(saved.x5c, 'base64'));
}

function signingKey(privateKey: KeyObject, publicKey: KeyObject, certDer: Buffer): SigningKey {
    const thumbprint = createHash('sha1').update(certDer).digest('base64url');
    const jwk = publicKey.export({ format: 'jwk' });
    return {
        kid: thumbprint,
        x5t: thumbprint,
        x5c: certDer.toString('base64'),
        n: jwk.n ?? '',
        e: jwk.e ?? '',
        privateKey,
        publicKey,
    };
}

async function selfSignedCertificate(privateKey: KeyObject, publicKey: KeyObject, now: Date): Promise<Buffer> {
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    const keys = {
        privateKey: await webcrypto.subtle.importKey(
            'pkcs8',
            privateKey.export({ format: 'der', type: 'pkcs8' }),
            RSA,
            true,
            ['sign'],
        ),
        publicKey: await webcrypto.subtle.importKey('spki', spki, RSA, true, ['verify']),
    };
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
        // Positive serial derived from the key, so a key always has the same certificate serial.
        serialNumber: '01' + createHash('sha256').update(spki).digest('hex').slice(0, 30),
        // The subject Entra's own token signing certificates carry.
        name: 'CN=accounts.accesscontrol.windows.net',
        notBefore: new Date(now.getTime() - DAY_MS),
        notAfter: new Date(now.getTime() + 5 * 365 * DAY_MS),
        keys,
        signingAlgorithm: RSA,
    });
    return Buffer.from(cert.rawData);
}

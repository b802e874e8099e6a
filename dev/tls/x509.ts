/**
 * `@peculiar/x509`, ready to use: its Reflect metadata polyfill loaded first and Node's WebCrypto
 * as its crypto provider. Import `x509` from here, never from the package directly, so the set-up
 * happens exactly once (the local CA in dev/tls and the token signing certificates in dev/sim).
 */
import { webcrypto } from 'node:crypto';

import 'reflect-metadata'; // @peculiar/x509 needs the Reflect metadata polyfill
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as Crypto);

export { x509 };

/** `tsx dev/tls/main.ts [dir]`: make sure the local CA and server certificate exist (run before tests). */
import { DEFAULT_TLS_DIR, ensureTlsMaterial } from './certificates';

ensureTlsMaterial(process.argv[2] ?? DEFAULT_TLS_DIR).then(
    (tls) => console.log(`TLS material ready: CA ${tls.caCertPath}`),
    (error: unknown) => {
        console.error('Could not create the local TLS material:', error);
        process.exit(1);
    },
);

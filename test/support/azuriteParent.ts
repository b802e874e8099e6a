/**
 * Test helper process: starts Azurite through the launcher, prints `AZURITE_PID <pid>` and waits to be
 * killed. Lets a test kill the parent hard (SIGKILL) and check that Azurite does not outlive it.
 */
import { startAzurite } from '../../dev/azurite/azurite';

startAzurite({ inMemory: true, blobPort: 0, queuePort: 0, tablePort: 0 }).then(
    (azurite) => {
        console.log(`AZURITE_PID ${azurite.pid}`);
        setInterval(() => undefined, 60_000);
    },
    (error: unknown) => {
        console.error(error);
        process.exit(1);
    },
);

import { app, type InvocationContext, type Timer } from '@azure/functions';

import { runtimeServices } from '../app/runtime';
import type { Services } from '../app/services';
import { invocationLogger } from '../logging';

/** Timer (`SYNC_SCHEDULE`): enqueue a sync for every tenant that is due. */
export function syncTimerHandler(services: Pick<Services, 'fanOut'>) {
    return async (_timer: Timer, context: InvocationContext): Promise<void> => {
        await services.fanOut(context.invocationId, invocationLogger(context));
    };
}

app.timer('syncTimer', {
    schedule: '%SYNC_SCHEDULE%',
    handler: (timer, context) => syncTimerHandler(runtimeServices())(timer, context),
});

/**
 * Wakes a queue's listener when the host itself adds a message to that queue, as the WebJobs
 * SharedQueueWatcher does (azure-sdk-for-net, Microsoft.Azure.WebJobs.Extensions.Storage.Common
 * Queues/SharedQueueWatcher.cs): queue output bindings and poison moves call notify, and the listener
 * polls at once instead of waiting out its back-off.
 */
export class QueueWatcher {
    readonly #listeners = new Map<string, Set<() => void>>();

    register(queueName: string, onMessageAdded: () => void): () => void {
        let set = this.#listeners.get(queueName);
        if (set === undefined) {
            set = new Set();
            this.#listeners.set(queueName, set);
        }
        set.add(onMessageAdded);
        return () => set.delete(onMessageAdded);
    }

    notify(queueName: string): void {
        for (const listener of this.#listeners.get(queueName) ?? []) listener();
    }
}

// Waiting for an event with a deadline instead of sleeping a fixed time.

/** Collects values (e.g. notifications) and lets a test wait until one matches. */
export class Recorder<T> {
    readonly items: T[] = [];
    private waiters: { predicate: (item: T) => boolean; resolve: (item: T) => void }[] = [];

    readonly push = (item: T): void => {
        this.items.push(item);
        for (const w of [...this.waiters]) {
            if (w.predicate(item)) {
                this.waiters = this.waiters.filter(x => x !== w);
                w.resolve(item);
            }
        }
    };

    /** Where the next item will go: pass it to `waitFor` to ignore what came before. */
    mark(): number {
        return this.items.length;
    }

    /** Resolves with the first item from `fromIndex` on (seen or still to come) that matches; rejects after `timeoutMs`. */
    waitFor(predicate: (item: T) => boolean, timeoutMs: number, what: string, fromIndex = 0): Promise<T> {
        const seen = this.items.slice(fromIndex).find(predicate);
        if (seen !== undefined) {
            return Promise.resolve(seen);
        }
        return withTimeout(
            new Promise<T>(resolve => this.waiters.push({ predicate, resolve })),
            timeoutMs,
            () => `Timed out after ${timeoutMs} ms waiting for ${what}; seen: ${JSON.stringify(this.items)}`,
        );
    }
}

export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message: () => string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
        return await Promise.race([
            promise,
            new Promise<never>((_, reject) => {
                timer = setTimeout(() => reject(new Error(message())), timeoutMs);
            }),
        ]);
    } finally {
        clearTimeout(timer);
    }
}

/**
 * Key-ordered concurrency (what Confluent's Parallel Consumer calls "key" ordering): the messages of
 * one fetched batch are split into lanes by key — a tenant's events stay in order in its lane — and
 * different lanes run at the same time. Offsets are committed only up to the first message not yet
 * done, so a crash redelivers everything after it, never skips anything.
 */

/** The batch's messages grouped by key, each lane in offset order; lanes in order of first appearance. */
export function lanesByKey<M extends { key: Buffer | null }>(messages: readonly M[]): M[][] {
  const lanes = new Map<string, M[]>();
  for (const message of messages) {
    const key = message.key?.toString("latin1") ?? "";
    const lane = lanes.get(key);
    if (lane) lane.push(message);
    else lanes.set(key, [message]);
  }
  return [...lanes.values()];
}

/**
 * Which offset of a batch may be committed: the last of the unbroken run of finished messages at the
 * batch's start. Offsets are strings (kafkajs) and compared as given: the batch order is the truth.
 *
 * @example
 * const tracker = new CommittableOffset(["5", "6", "7"]);
 * tracker.finish("6"); // undefined: 5 is not done yet
 * tracker.finish("5"); // "6": 5 and 6 are done, 7 is not
 */
export class CommittableOffset {
  readonly #offsets: readonly string[];
  readonly #done = new Set<string>();
  #next = 0;

  constructor(offsets: readonly string[]) {
    this.#offsets = offsets;
  }

  /** Marks one offset finished; returns the new committable offset when it moved, else undefined. */
  finish(offset: string): string | undefined {
    this.#done.add(offset);
    const before = this.#next;
    while (this.#next < this.#offsets.length && this.#done.has(this.#offsets[this.#next]!)) this.#next++;
    return this.#next > before ? this.#offsets[this.#next - 1] : undefined;
  }

  /** True when every offset of the batch is finished. */
  get complete(): boolean {
    return this.#next === this.#offsets.length;
  }
}

/**
 * Runs `work` on each lane, at most `concurrency` lanes at once; resolves when all are done and
 * rejects with the first error (the other lanes finish their current message first).
 */
export async function runLanes<T>(
  lanes: readonly T[],
  concurrency: number,
  work: (lane: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < lanes.length) {
      const lane = lanes[next++]!;
      try {
        await work(lane);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, lanes.length)) }, worker));
  if (failure) throw failure.error;
}

/** The work did not finish in the time it was given; it may still finish later. */
export class DeadlineExceeded extends Error {
  override readonly name = "DeadlineExceeded";
}

/**
 * `work`'s result if it settles before `deadline` (epoch ms), else a `DeadlineExceeded` rejection at
 * the deadline. The work itself is not stopped (a database write in flight cannot be taken back), so
 * `onLate` is told how it ended after all: the caller can undo what the answer said would not happen.
 *
 * @example
 * await beforeDeadline(statuses.accept(event), Date.now() + 4000, (late) => {
 *   if (late.status === "fulfilled") void statuses.withdraw(event.installId);
 * });
 */
export function beforeDeadline<T>(
  work: Promise<T>,
  deadline: number,
  onLate?: (outcome: PromiseSettledResult<T>) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let late = false;
    const timer = setTimeout(
      () => {
        late = true;
        reject(new DeadlineExceeded(`no answer within the deadline`));
      },
      Math.max(0, deadline - Date.now()),
    );
    work.then(
      (value) => {
        clearTimeout(timer);
        if (late) onLate?.({ status: "fulfilled", value });
        else resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (late) onLate?.({ status: "rejected", reason: error });
        else reject(error);
      },
    );
  });
}

/** Runs work with at most a fixed number in flight; see `admissionQueue`. */
export type Admission = <T>(deadline: number, work: () => Promise<T>) => Promise<T>;

/**
 * At most `limit` pieces of work in flight; the rest wait in line, first come first served, until a
 * slot frees or their `deadline` (epoch ms) passes — then they reject with `DeadlineExceeded` without
 * having started. Under a burst (400 POSTs at once) the database sees `limit` requests at a time
 * instead of all of them, and a request that cannot be served in time is refused having cost nothing,
 * rather than timing out halfway through its writes (which must then be undone).
 *
 * @example
 * const admit = admissionQueue(16);
 * await admit(Date.now() + 5000, () => outbox.accept(event)); // DeadlineExceeded if still queued at 5 s
 */
export function admissionQueue(limit: number): Admission {
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next)
      next(); // the slot passes to the next in line; `active` is unchanged
    else active--;
  };
  return async (deadline, work) => {
    if (active < limit) active++;
    else {
      await new Promise<void>((resolve, reject) => {
        const admitted = () => {
          clearTimeout(timer);
          if (Date.now() < deadline) return resolve();
          // Handed a slot as its deadline passed (timers fire late on a busy loop): do not start.
          release();
          reject(new DeadlineExceeded("a slot came free only at the deadline"));
        };
        const timer = setTimeout(
          () => {
            waiting.splice(waiting.indexOf(admitted), 1);
            reject(new DeadlineExceeded("still waiting for a slot at the deadline"));
          },
          Math.max(0, deadline - Date.now()),
        );
        waiting.push(admitted);
      });
    }
    try {
      return await work();
    } finally {
      release();
    }
  };
}

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

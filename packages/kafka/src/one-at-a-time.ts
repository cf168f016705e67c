/**
 * A queue of one: each call starts when the one before it has settled (a failure does not stop
 * the queue). For clients that cannot take two calls at once, like kafkajs' shared admin
 * metadata and a transactional producer's single open transaction.
 */
export function oneAtATime(): <T>(call: () => Promise<T>) => Promise<T> {
  let turn: Promise<unknown> = Promise.resolve();
  return <T>(call: () => Promise<T>) => {
    const next = turn.catch(() => undefined).then(call);
    turn = next;
    return next;
  };
}

/**
 * Calls sent to another thread or process, each waiting for the reply that carries its id: the
 * bookkeeping shared by the handler sandbox (a worker thread) and the bench's handler process.
 */
export class PendingReplies<Reply> {
  private nextId = 0;
  private readonly waiting = new Map<
    number,
    { readonly resolve: (reply: Reply) => void; readonly reject: (error: Error) => void }
  >();
  private failure: Error | undefined;

  /** Sends a call under a fresh id; resolves with its reply, rejects when the other side fails. */
  call(send: (id: number) => void): Promise<Reply> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      send(id);
    });
  }

  resolve(id: number, reply: Reply): void {
    this.take(id)?.resolve(reply);
  }

  reject(id: number, error: Error): void {
    this.take(id)?.reject(error);
  }

  /** The other side is gone: the calls waiting, and any made later, fail with the first error. */
  failAll(error: Error): void {
    this.failure ??= error;
    for (const { reject } of this.waiting.values()) reject(this.failure);
    this.waiting.clear();
  }

  private take(id: number) {
    const waiter = this.waiting.get(id);
    this.waiting.delete(id);
    return waiter;
  }
}

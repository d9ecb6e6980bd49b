/**
 * Token bucket per connection: a browser legitimately sends a burst while it sets up media
 * (join, two transports, connect, produce, a few consumes) and then very little. A client
 * that keeps flooding requests is answered `rate_limited` instead of costing worker time.
 */
export class RequestBudget {
  readonly #capacity: number;
  readonly #refillPerSecond: number;
  readonly #now: () => number;
  #tokens: number;
  #updatedAt: number;

  constructor(capacity: number, refillPerSecond: number, now: () => number = Date.now) {
    this.#capacity = capacity;
    this.#refillPerSecond = refillPerSecond;
    this.#tokens = capacity;
    this.#now = now;
    this.#updatedAt = now();
  }

  /** Takes one request from the budget; false when the client must slow down. */
  take(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + ((now - this.#updatedAt) / 1000) * this.#refillPerSecond);
    this.#updatedAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

import { RequestBudget } from './RequestBudget.js';

describe('RequestBudget (per-connection token bucket)', () => {
  it('allows a burst, refuses beyond it, and refills with time', () => {
    let now = 0;
    const budget = new RequestBudget(3, 2, () => now);
    expect([budget.take(), budget.take(), budget.take(), budget.take()]).toEqual([true, true, true, false]);
    now += 500; // one token back at 2 per second
    expect([budget.take(), budget.take()]).toEqual([true, false]);
    now += 60_000; // never more than the burst
    expect([budget.take(), budget.take(), budget.take(), budget.take()]).toEqual([true, true, true, false]);
  });
});

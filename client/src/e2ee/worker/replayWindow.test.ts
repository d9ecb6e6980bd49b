import { ReplayWindow, WINDOW_SIZE } from './replayWindow.js';

describe('replay window (RFC 4303 §3.4.3 style)', () => {
  it('accepts new counters once, in or out of order, and refuses repeats', () => {
    const window = new ReplayWindow();
    expect(window.accept(5n)).toBe(true);
    expect(window.accept(3n)).toBe(true);
    expect(window.accept(9n)).toBe(true);
    expect(window.check(5n)).toBe(false);
    expect(window.accept(3n)).toBe(false);
    expect(window.accept(9n)).toBe(false);
    expect(window.check(4n)).toBe(true);
    expect(window.accept(4n)).toBe(true);
  });

  it('refuses counters older than the window and keeps memory across shifts', () => {
    const window = new ReplayWindow();
    for (let counter = 0n; counter < 100n; counter += 1n) expect(window.accept(counter)).toBe(true);
    expect(window.accept(BigInt(WINDOW_SIZE) + 50n)).toBe(true);
    expect(window.check(49n)).toBe(false);
    expect(window.check(60n)).toBe(false);
    expect(window.accept(150n)).toBe(true);
    expect(window.accept(150n)).toBe(false);
    expect(window.accept(10n * BigInt(WINDOW_SIZE))).toBe(true);
    expect(window.check(BigInt(WINDOW_SIZE) + 50n)).toBe(false);
  });
});

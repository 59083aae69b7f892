import { describe, expect, it } from 'vitest';
import { isSandboxName, newPassword, sandboxName } from './sandbox-names.ts';

describe('sandbox names', () => {
  it('derives the same short name from the same session, and another from another', () => {
    const name = sandboxName('sqlfleet', 'session-1');
    expect(name).toMatch(/^sqlfleet_[0-9a-f]{24}$/);
    expect(sandboxName('sqlfleet', 'session-1')).toBe(name);
    expect(sandboxName('sqlfleet', 'session-2')).not.toBe(name);
  });

  it('never shows the session id in the name', () => {
    expect(sandboxName('sqlfleet', 'abcdef')).not.toContain('abcdef');
  });

  it("tells the fleet's sandboxes from its metadata database and other fleets", () => {
    expect(isSandboxName('sqlfleet', sandboxName('sqlfleet', 's'))).toBe(true);
    expect(isSandboxName('sqlfleet', 'sqlfleet_meta')).toBe(false);
    expect(isSandboxName('sql', sandboxName('sqlfleet', 's'))).toBe(false);
  });

  it('refuses a fleet id that could be confused with another fleet or break quoting', () => {
    expect(() => sandboxName('my_fleet', 's')).toThrow();
    expect(() => sandboxName('Fleet', 's')).toThrow();
    expect(() => sandboxName('f"; DROP', 's')).toThrow();
  });

  it('makes passwords with nothing to escape', () => {
    const a = newPassword();
    expect(a).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(newPassword()).not.toBe(a);
  });
});

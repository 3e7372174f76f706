/**
 * The device rules runc always appends (runtime/cgroups/devices.ts ALWAYS_ALLOWED_DEVICES) are
 * appended only where the spec does not already allow them after its last deny: mini-run's own
 * specs (Docker's list) get each rule once, a client's deny-all spec gets all of them, and a
 * spec that denies one of them after allowing it still ends with it allowed, as under runc.
 */
import { describe, expect, it } from 'vitest';
import { ALWAYS_ALLOWED_DEVICES, deviceRuleLine, v1DeviceWrites, withAlwaysAllowedDevices } from '../../src/runtime/cgroups/devices';
import { DEFAULT_DEVICE_RULES } from '../../src/engine/spec-builder';
import type { DeviceRule } from '../../src/runtime/cgroups/types';

const lines = (rules: readonly DeviceRule[] | undefined) => (rules ?? []).map(deviceRuleLine);
const denyAll: DeviceRule = { allow: false, access: 'rwm' };

describe('the always-allowed device rules, written once', () => {
  it("mini-run's own spec (Docker's default list): nothing appended, one devices.allow write per rule", () => {
    const rules = withAlwaysAllowedDevices(DEFAULT_DEVICE_RULES as DeviceRule[]);
    expect(lines(rules)).toEqual(lines(DEFAULT_DEVICE_RULES as DeviceRule[]));
    const writes = v1DeviceWrites(rules!);
    expect(writes.filter((w) => w.file === 'devices.deny').map((w) => w.line)).toEqual(['a *:* rwm']);
    const allows = writes.filter((w) => w.file === 'devices.allow').map((w) => w.line);
    expect(allows).toHaveLength(12);
    expect(new Set(allows).size).toBe(allows.length); // no line written twice
  });

  it('a --device or --device-cgroup-rule after the list: only that rule added, nothing repeated', () => {
    const extra: DeviceRule = { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' };
    expect(lines(withAlwaysAllowedDevices([...DEFAULT_DEVICE_RULES as DeviceRule[], extra])))
      .toEqual([...lines(DEFAULT_DEVICE_RULES as DeviceRule[]), 'c 10:229 rwm']);
  });

  it("a client's deny-all spec (podman, containerd, mini-runc spec): every always-allowed rule after it", () => {
    expect(lines(withAlwaysAllowedDevices([denyAll]))).toEqual(['a *:* rwm', ...lines(ALWAYS_ALLOWED_DEVICES)]);
  });

  it('a rule the spec allows and then denies is appended again (later rules win: /dev/null stays usable, as with runc)', () => {
    const rules = withAlwaysAllowedDevices([...DEFAULT_DEVICE_RULES as DeviceRule[], { allow: false, type: 'c', major: 1, minor: 3, access: 'rwm' }]);
    expect(lines(rules).slice(-ALWAYS_ALLOWED_DEVICES.length)).toEqual(lines(ALWAYS_ALLOWED_DEVICES));
  });

  it('no rules: nothing denied, nothing appended', () => {
    expect(withAlwaysAllowedDevices(undefined)).toBeUndefined();
    expect(withAlwaysAllowedDevices([])).toEqual([]);
  });
});

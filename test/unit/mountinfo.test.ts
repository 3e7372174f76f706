import { describe, expect, it } from 'vitest';
import { escapeMountPath, parseMountInfo } from '../../src/sys/mountinfo';

// A mountinfo line as the kernel writes it (proc_pid_mountinfo(5)): space, tab, newline and
// backslash in paths are \ooo octal, so a path with a space never splits the line's fields.
const line = (mountPoint: string, superOptions = 'rw') => `36 35 98:0 / ${mountPoint} rw,noatime shared:1 - ext4 /dev/vda1 ${superOptions}`;

describe('mountinfo paths', () => {
  it('escapes exactly what the kernel escapes, and parseMountInfo reads it back', () => {
    const paths = ['/plain', '/with space', '/tab\there', '/new\nline', '/back\\slash', '/all \t\n\\ of them', '/ünïcode/ok'];
    for (const p of paths) {
      const escaped = escapeMountPath(p);
      expect(escaped).not.toMatch(/[ \t\n]/); // one field of a space-separated line
      const [m] = parseMountInfo(line(escaped));
      expect(m.mountPoint).toBe(p);
    }
    expect(escapeMountPath('/a b')).toBe('/a\\040b');
    expect(escapeMountPath('/a\\b')).toBe('/a\\134b');
  });

  it('splits super options at unescaped commas only', () => {
    const [m] = parseMountInfo(line('/merged', 'rw,lowerdir=/l\\,1:/l2,upperdir=/u'));
    expect(m.fstype).toBe('ext4');
    expect(m.superOptions).toEqual(['rw', 'lowerdir=/l\\,1:/l2', 'upperdir=/u']);
  });
});

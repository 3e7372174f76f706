import { describe, expect, it } from 'vitest';
import { bootUnit, execWord } from '../../src/cli/boot-unit';

describe('the boot unit (system install-boot)', () => {
  it('runs system boot with the node and mini-run it names by path, and the state root when not the default', () => {
    const unit = bootUnit({ node: '/home/u/.nvm/versions/node/v22.12.0/bin/node', bin: '/usr/lib/node_modules/mini-run/bin/mini-run', root: '/srv/mr' });
    expect(unit).toMatch(/^ExecStart=\/home\/u\/\.nvm\/versions\/node\/v22\.12\.0\/bin\/node \/usr\/lib\/node_modules\/mini-run\/bin\/mini-run --root \/srv\/mr system boot$/m);
    expect(unit).toContain('\nType=oneshot\n');
    expect(unit).toContain('\nWantedBy=multi-user.target\n');
    expect(bootUnit({ node: '/usr/bin/node', bin: '/usr/local/bin/mini-run' })).toMatch(/^ExecStart=\/usr\/bin\/node \/usr\/local\/bin\/mini-run system boot$/m);
  });

  it('escapes what systemd would expand: %specifiers, $variables, spaces and quotes', () => {
    expect(execWord('/opt/100%/mini-run')).toBe('/opt/100%%/mini-run');
    expect(execWord('/opt/$HOME/x')).toBe('/opt/$$HOME/x');
    expect(execWord('/opt/my tools/mini-run')).toBe('"/opt/my tools/mini-run"');
    expect(execWord('/opt/a"b')).toBe('"/opt/a\\"b"');
  });
});

/**
 * `system prune`'s question names what it is about to remove, as Docker's CLI words it — the
 * lines the docker CLI 28.2 on this host printed (against dockerd 20.10); with --volumes,
 * anonymous volumes only, as that CLI says and mini-run's `volume prune` does.
 */
import { describe, expect, it } from 'vitest';
import { systemPruneWarning } from '../../src/cli/commands/system';

describe('system prune: the question', () => {
  it('without flags: stopped containers, unused networks, dangling images, unused build cache', () => {
    expect(systemPruneWarning({ all: false, volumes: false })).toBe(
      'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n' +
      '  - all dangling images\n  - unused build cache\n\nAre you sure you want to continue? [y/N] ');
  });

  it('-a --volumes: every unused image and all build cache; the unused anonymous volumes after the networks', () => {
    expect(systemPruneWarning({ all: true, volumes: true })).toBe(
      'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n' +
      '  - all anonymous volumes not used by at least one container\n' +
      '  - all images without at least one container associated to them\n  - all build cache\n\nAre you sure you want to continue? [y/N] ');
  });
});

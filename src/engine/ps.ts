/**
 * `ps`: the container records, reconciled with reality first (a supervisor that died means
 * its container is not running, whatever the record said), as rows for the table.
 */
import { healthActive } from './health';
import { join } from 'node:path';
import { paths } from '../paths';
import { treeSize } from '../fsutil';
import { listContainers, type ContainerRecord } from './container-store';
import { sweepStaleContainers } from './cleanup';
import { formatPortsColumn } from '../network/ports';
import { lazy } from '../lazy';

const store = lazy(() => require('../image/store') as typeof import('../image/store'));

export interface ContainerRow {
  id: string;
  name: string;
  image: string;
  imageId: string;
  command: string[];
  created: string;
  status: ContainerRecord['state']['Status'];
  exitCode: number;
  startedAt: string;
  finishedAt: string;
  ports: string;
  labels: Record<string, string>;
  sizeRw?: number;
  sizeRootFs?: number;
  mounts?: Array<{ name?: string; source: string; destination: string; driver?: string }>;
  /** The health check's verdict ('none' = no check): STATUS `(healthy)`, `ps -f health=`. */
  health?: 'starting' | 'healthy' | 'unhealthy' | 'none';
}


export function containerRows(opts: { size?: boolean } = {}): ContainerRow[] {
  sweepStaleContainers();
  return listContainers().map((c) => {
    const row: ContainerRow = {
      id: c.id, name: c.name, image: c.image, imageId: c.imageId,
      command: [c.path, ...c.args], created: c.created, status: c.state.Status, exitCode: c.state.ExitCode,
      startedAt: c.state.StartedAt, finishedAt: c.state.FinishedAt, ports: c.network.endpoint ? formatPortsColumn(c.network.endpoint.ports, Object.keys(c.config.ExposedPorts)) : '', labels: c.config.Labels,
      health: healthActive(c.config.Healthcheck) ? c.state.Health?.Status ?? 'starting' : 'none',
      mounts: c.mounts.filter((m) => m.Type !== 'tmpfs').map((m) => ({ name: m.Name, source: m.Source, destination: m.Destination, driver: m.Type === 'volume' ? 'local' : undefined })),
    };
    if (opts.size) {
      row.sizeRw = treeSize(join(paths.container(c.id), 'upper'));
      const { findImage } = store();
      const img = findImage(c.imageId);
      row.sizeRootFs = row.sizeRw + (img?.size ?? 0);
    }
    return row;
  });
}

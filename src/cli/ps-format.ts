/**
 * `ps`'s output with a `--format` template of the user's (the template engine); everything else
 * about `ps` is in ps-view.ts, re-exported here.
 */
import { renderListFormat } from './format';
import { psFormat, psTemplateData, PS_HEADERS, renderPsTable, selectPs, type PsView, type RenderPsOptions } from './ps-view';

export * from './ps-view';

/**
 * The whole `ps` output. Default: docker's columns `CONTAINER ID  IMAGE  COMMAND  CREATED
 * STATUS  PORTS  NAMES` (+ SIZE with -s) aligned like docker's tabwriter; `-q` ids only;
 * `--format` as docker renders it (a `table` prefix adds the header row).
 */
export function renderPs(views: PsView[], opts: RenderPsOptions = {}): string {
  const direct = renderPsTable(views, opts);
  if (direct !== null) return direct;
  return renderPsTemplate(views, opts);
}

/** renderPs through the template engine, whatever the format (the unit test compares the two ways). */
export function renderPsTemplate(views: PsView[], opts: RenderPsOptions = {}): string {
  const format = psFormat(opts.format, Boolean(opts.quiet), Boolean(opts.size));
  const data = selectPs(views, opts).map((v) => psTemplateData(v, { noTrunc: opts.noTrunc, now: opts.now }));
  // `{{.Nope}}` is an error, as docker's struct-backed placeholders make it — checked even with
  // no container to list: docker runs the template once on an empty context first.
  const probe = { ...Object.fromEntries(Object.keys(PS_HEADERS).map((k) => [k, ''])), Label: () => '' };
  const PS_TYPE = '*formatter.ContainerContext';
  renderListFormat(format, [probe], PS_HEADERS, PS_TYPE, 'failed to execute template: ');
  return renderListFormat(format, data, PS_HEADERS, PS_TYPE, 'failed to execute template: ');
}

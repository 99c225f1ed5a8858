// CSV and "copy as API request" for every table and chart, so screen, file and API agree.
import { buildCurl, type ApiRequest } from './curl';
import { csvFileName, toCsv } from './csv';
import { CopyButton } from './copy-button';

export interface ExportProps {
  /** Names the file: `sightline-<name>-<from>_<to>.csv`. */
  name: string;
  csv: () => { header: string[]; rows: unknown[][] };
  request?: ApiRequest;
}

function download(fileName: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function ExportActions({ name, csv, request }: ExportProps) {
  return (
    <div class="export-actions">
      <button
        type="button"
        class="btn btn-small btn-ghost"
        aria-label={`Download ${name} as CSV`}
        onClick={() => {
          const { header, rows } = csv();
          download(csvFileName(name, ...(request?.query ? [String(request.query.from ?? '').slice(0, 10), String(request.query.to ?? '').slice(0, 10)] : [])), toCsv(header, rows));
        }}
      >
        CSV
      </button>
      {request && <CopyButton class="btn btn-small btn-ghost" label="API" text={() => buildCurl(window.location.origin, request)} />}
    </div>
  );
}

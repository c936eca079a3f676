/** Stub until the ministry helper's ExportButtons lands on main (same props); renders nothing. */
export interface ExportTable {
  readonly name: string;
  readonly columns: readonly {
    readonly key: string;
    readonly label: string;
    readonly kind?: 'text' | 'money' | 'number' | 'date';
  }[];
  readonly rows: readonly Readonly<Record<string, string | number>>[];
}

export function ExportButtons(_props: { table: ExportTable | (() => ExportTable); label?: string }) {
  return null;
}

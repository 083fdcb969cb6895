import { CompiledQuery } from 'kysely';
import { openDatabase } from '../src/lib/server/db/open';
import { eventRow, insertEventRows } from '../src/lib/server/ingest';
import { mixedBatch } from '../tests/integration/telemetry/events';
import { startPostgres } from '../tests/integration/support/postgres';
const pg = await startPostgres();
const d = await openDatabase(await pg.createDatabase('x'));
const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; };
const cols = Object.keys(eventRow(mixedBatch(1)[0], 'x'));
const jsonSql = `insert into "events" (${cols.map((c) => `"${c}"`).join(', ')}) select ${cols.map((c) => `"${c}"`).join(', ')} from json_populate_recordset(null::"events", $1::json) on conflict ("id") do nothing returning "id"`;
const variants: Record<string, (rows: any[]) => Promise<unknown>> = {
  unnest: (rows) => d.db.transaction().execute((tx) => insertEventRows(tx, rows)),
  kysely: (rows) => d.db.transaction().execute((tx) => tx.insertInto('events').values(rows).onConflict((oc) => oc.column('id').doNothing()).returning('id').execute()),
  json: (rows) => d.db.transaction().execute((tx) => tx.executeQuery(CompiledQuery.raw(jsonSql, [JSON.stringify(rows)]))),
};
const spent: Record<string, number[]> = {};
for (let round = 0; round < 6; round++) for (const [name, f] of Object.entries(variants)) {
  let s = 0;
  for (let b = 0; b < 40; b++) {
    const rows = mixedBatch(100).map((e) => eventRow(e, new Date().toISOString()));
    const t = cpu(); await f(rows); s += cpu() - t;
  }
  (spent[name] ??= []).push(s / 4000);
}
for (const [k, v] of Object.entries(spent)) console.log(k, v.map((x) => x.toFixed(1)).join(' '), 'min', Math.min(...v).toFixed(1));
await d.close(); await pg.stop();

/**
 * `npm run bench`: the figures asked for in the issues, from one run.
 * Options: --quick (smaller sizes, for a smoke run), --json.
 */
import { benchIngest } from './ingest.ts';
import { benchLedger } from './ledger-dynamo.ts';
import { benchVerifyExport } from './verify-export.ts';

const quick = process.argv.includes('--quick');
const json = process.argv.includes('--json');
const fmt = (n: number, digits = 1) => n.toFixed(digits);

const verify = await benchVerifyExport(quick ? 10_000 : 100_000, quick ? 2 : 5);
const ledger = await benchLedger(quick ? { appendEntries: 100, sizes: [200, 1_000] } : {});
const ingest = await benchIngest(quick ? { records: 2_000, rounds: 1 } : { records: 10_000, rounds: 2 });

if (json) {
  process.stdout.write(`${JSON.stringify({ verify, ledger, ingest }, null, 2)}\n`);
} else {
  const mb = verify.bytes / 1e6;
  console.log(
    `Offline verification of a ${verify.entries.toLocaleString('en')}-entry export (${fmt(mb)} MB), best of runs:`,
  );
  console.log(`  raw SHA-256 of every entry line      ${fmt(verify.sha256PerLineMs)} ms`);
  console.log(`  sib verification (hashes, chain, tree, signature)  ${fmt(verify.verifyMs)} ms`);
  console.log(
    `  ratio raw/verify                     ${fmt(verify.sha256PerLineMs / verify.verifyMs, 3)}  (target >= 0.5)`,
  );
  console.log(
    `  for reference: one SHA-256 over the whole file ${fmt(verify.sha256WholeMs)} ms (ratio ${fmt(verify.sha256WholeMs / verify.verifyMs, 3)})`,
  );
  console.log('\nAppend throughput into DynamoDB Local (file-backed):');
  for (const a of ledger.appendPerSecond) {
    console.log(
      `  ${a.writers} writer${a.writers > 1 ? 's' : ' '}  ${a.entries} entries in ${fmt(a.seconds, 2)} s = ${fmt(a.perSecond)} entries/s`,
    );
  }
  console.log('\nItem reads per proof (stored Merkle nodes; HEAD read included):');
  for (const r of ledger.readsPerProof) {
    console.log(
      `  ${r.size.toLocaleString('en')} entries (log2 = ${fmt(r.log2)}): inclusion max ${r.inclusionMax}, mean ${fmt(r.inclusionMean)}; consistency max ${r.consistencyMax}`,
    );
  }
  console.log(
    `\nEvidence ingestion: a ${ingest.records.toLocaleString('en')}-record batch into DynamoDB Local (file-backed), best of runs:`,
  );
  console.log(`  raw BatchWriteItem of as many same-sized items  ${fmt(ingest.rawMs)} ms`);
  console.log(`  ingest use case (validate, pseudonymise, check, archive, write, append)  ${fmt(ingest.ingestMs)} ms`);
  console.log(
    `  ratio raw/ingest  ${fmt(ingest.ratio, 3)}  (target >= 0.8); ${fmt(ingest.recordsPerSecond, 0)} records/s`,
  );
}
